import { expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

const root = path.resolve(import.meta.dirname, "..");

it("electron-builder.yml is valid: targets, unpacked native modules, icons that exist", () => {
  const cfg = parse(fs.readFileSync(path.join(root, "electron-builder.yml"), "utf8"));
  expect(cfg.appId).toMatch(/^[a-z]+(\.[a-z0-9-]+)+$/);
  expect(cfg.productName).toBe("Pixelloop");
  expect(cfg.linux.target).toEqual(expect.arrayContaining(["AppImage", "deb"]));
  expect(cfg.win.target).toContain("nsis");
  expect(cfg.mac.target).toContain("dmg");
  for (const mod of ["better-sqlite3", "sharp", "@img", "@tensorflow/tfjs-node"]) {
    expect(
      cfg.asarUnpack.some((p: string) => p.startsWith(`node_modules/${mod}/`)),
      mod,
    ).toBe(true);
  }
  for (const os of ["linux", "win", "mac"])
    expect(fs.existsSync(path.join(root, cfg[os].icon)), cfg[os].icon).toBe(true);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  expect(cfg.extraMetadata.main).toBe(pkg.main);
  expect(pkg.optionalDependencies).toHaveProperty("@tensorflow/tfjs-node");
  expect(pkg.optionalDependencies).toHaveProperty("@tensorflow/tfjs-node-gpu");
});
