/**
 * Mask files that no image takes are named, with the reason, by the CLI and in the API's answer,
 * never left out silently (issue 32).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeIndexPng } from "./index-png.ts";
import { runCli } from "../testing/cli.ts";
import { createDiscProject, newService, serviceDir, writeGray } from "../testing/service-fixture.ts";
import type { ImportResult } from "../common/api-types.ts";

const W = 12;
const H = 8;
let dir: string;
let images: string;
let masks: string;

const mask = () => encodeIndexPng(new Uint8Array(W * H).fill(255).fill(1, 0, 5), W, H);

beforeAll(async () => {
  dir = serviceDir("pixelloop-unmatched-");
  images = path.join(dir, "images");
  masks = path.join(dir, "masks");
  fs.mkdirSync(images);
  fs.mkdirSync(masks);
  for (const [k, n] of ["a", "b", "c", "e"].entries())
    await writeGray(path.join(images, `${n}.png`), W, H, (x, y) => x * 20 + y + k * 9);
  fs.writeFileSync(path.join(masks, "a.png"), mask()); // a's mask
  fs.writeFileSync(path.join(masks, "stray.png"), mask()); // no image named stray
  fs.writeFileSync(path.join(masks, "b_mask.png"), mask()); // b's mask
  fs.writeFileSync(path.join(masks, "b_gt.png"), mask()); // fits b too, which took b_mask.png
  fs.writeFileSync(path.join(masks, "E_Mask.png"), mask()); // two files fit e alike: not guessed
  fs.writeFileSync(path.join(masks, "e_MASK.png"), mask());
  fs.writeFileSync(path.join(masks, "c.jpg"), "not read"); // masks are PNGs
  fs.writeFileSync(path.join(masks, "README.txt"), "notes"); // not a mask: not listed
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function expectNamed(unmatched: { file: string; reason: string }[]) {
  const by = new Map(unmatched.map((u) => [path.basename(u.file), u.reason]));
  expect([...by.keys()].sort()).toEqual(["E_Mask.png", "b_gt.png", "c.jpg", "e_MASK.png", "stray.png"]);
  for (const [name, reason] of by) expect(reason).toContain(path.join(masks, name));
  expect(by.get("stray.png")).toMatch(/matches no image of the project/);
  expect(by.get("b_gt.png")).toMatch(/also fits b\.png, which took b_mask\.png/);
  expect(by.get("e_MASK.png")).toMatch(/could be the mask of e\.png, but so could another file/);
  expect(by.get("c.jpg")).toMatch(/not a PNG/);
}

describe("mask files that match no image", () => {
  it("import --labels names them (and --json lists them)", async () => {
    const project = path.join(dir, "cli.pxl");
    expect((await runCli("init", project, "--classes", "ground,disc")).code).toBe(0);
    const r = await runCli("import", project, images, "--labels", masks);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/labels: 2 masks imported/);
    expect(r.stdout).toMatch(/5 files of the masks folder not imported \(no image takes them\)/);
    for (const f of ["stray.png", "E_Mask.png", "e_MASK.png", "b_gt.png", "c.jpg"])
      expect(r.stdout).toContain(path.join(masks, f));
    expect(r.stdout).not.toContain("README.txt");

    const project2 = path.join(dir, "cli2.pxl");
    expect((await runCli("init", project2, "--classes", "ground,disc")).code).toBe(0);
    const j = await runCli("import", project2, images, "--labels", masks, "--json");
    expectNamed(JSON.parse(j.stdout).masks.unmatched);
  });

  it("import-masks (index and color) names them", async () => {
    const project = path.join(dir, "cli3.pxl");
    expect((await runCli("init", project, "--classes", "ground,disc")).code).toBe(0);
    expect((await runCli("import", project, images)).code).toBe(0);
    const r = await runCli("import-masks", project, masks);
    expect(r.stdout).toMatch(/imported 2 masks/);
    expect(r.stdout).toContain(`${path.join(masks, "stray.png")}: matches no image of the project`);
    expectNamed(JSON.parse((await runCli("import-masks", project, masks, "--json")).stdout).unmatched);
    const color = await runCli("import-masks", project, masks, "--format", "color", "--json");
    expectNamed(JSON.parse(color.stdout).unmatched);
  });

  it("a mask of an image imported earlier is not unmatched; the project's own images are not listed", async () => {
    const project = path.join(dir, "cli4.pxl");
    expect((await runCli("init", project, "--classes", "ground,disc")).code).toBe(0);
    expect((await runCli("import", project, path.join(images, "a.png"))).code).toBe(0);
    // b and c now; a.png's mask belongs to an image of the project.
    const j = await runCli("import", project, path.join(images, "b.png"), "--labels", masks, "--json");
    const names = (JSON.parse(j.stdout).masks.unmatched as { file: string }[]).map((u) =>
      path.basename(u.file),
    );
    expect(names).not.toContain("a.png");
    expect(names).toContain("stray.png");
    // Images and masks side by side: the images are not "unmatched masks".
    const side = path.join(dir, "side");
    fs.mkdirSync(side);
    fs.copyFileSync(path.join(images, "c.png"), path.join(side, "c.png"));
    fs.writeFileSync(path.join(side, "c_mask.png"), mask());
    fs.writeFileSync(path.join(side, "d_mask.png"), mask());
    const s = await runCli("import", project, side, "--labels", side, "--json");
    const sideNames = (JSON.parse(s.stdout).masks.unmatched as { file: string }[]).map((u) =>
      path.basename(u.file),
    );
    expect(sideNames).toEqual(["d_mask.png"]);
  });

  it("the API's images.import answers them by name", async () => {
    const service = newService(path.join(dir, "api"), { allowedDirs: [dir] });
    try {
      await createDiscProject(service, path.join(dir, "api"), "Unmatched");
      const r = (await service.call("images.import", { paths: [images], labels: masks })) as ImportResult;
      expect(r.masks?.imported).toBe(2);
      expect(r.masks?.unmatchedCount).toBe(5);
      expectNamed(r.masks?.unmatched ?? []);
    } finally {
      await service.close();
    }
  });
});
