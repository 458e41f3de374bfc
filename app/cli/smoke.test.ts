/**
 * The real `pixelloop` command, spawned: what only a process shows (its exit code as the shell
 * sees it, help on stdout, errors on stderr). Everything else about the CLI is tested in-process
 * through main(argv) (app/testing/cli.ts), which is much faster.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO, tmpDir } from "../testing/tmp.ts";

const BIN = path.resolve(import.meta.dirname, "../../bin/pixelloop.mjs");

function pixelloop(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the pixelloop command, as a process", () => {
  const t = tmpDir("pixelloop-smoke-");
  afterAll(() => t.cleanup());

  it("exits 0 with help on stdout, 2 on a usage error, 1 on an error, each said on stderr", () => {
    const help = pixelloop("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: pixelloop \[options\] \[command\]/);

    const usage = pixelloop("frobnicate");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown command 'frobnicate'/);

    const missing = pixelloop("status", path.join(t.dir, "nope.pxl"));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/nope\.pxl: no such project file/),
    ]);
    expect(missing.stdout).toBe("");
  });

  it("exits 1 when it did the work only in part (an unreadable image skipped), 0 when all of it", () => {
    const project = path.join(t.dir, "p.pxl");
    expect(pixelloop("init", project, "--classes", "a,b").code).toBe(0);
    const folder = path.join(t.dir, "images");
    fs.mkdirSync(folder);
    fs.copyFileSync(path.join(DEMO, "images", "garden-01.png"), path.join(folder, "garden-01.png"));
    fs.writeFileSync(path.join(folder, "broken.png"), "not a png");
    const partial = pixelloop("import", project, folder);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toMatch(/imported 1 image/);
    expect(partial.stdout + partial.stderr).toMatch(/broken\.png/);
    expect(pixelloop("status", project, "--json").code).toBe(0);
  });
});
