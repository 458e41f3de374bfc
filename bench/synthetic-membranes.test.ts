import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeMembraneDataset } from "./synthetic-membranes.ts";

const UNLABELED = 255;

function read(file: string) {
  const png = decode(fs.readFileSync(file));
  return { width: png.width, height: png.height, channels: png.channels, depth: png.depth, data: png.data };
}

/**
 * Local width of a mask's structures at each of its pixels: the shortest run of mask pixels
 * through it, across the four directions (diagonal runs counted at sqrt 2 per pixel). For a band
 * of width w at any angle this is between w and about 1.08 w.
 */
function localWidths(mask: Uint8Array, width: number, height: number): number[] {
  const out: number[] = [];
  const on = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] === 1;
  const run = (x: number, y: number, dx: number, dy: number) => {
    let count = 1;
    for (let k = 1; on(x + k * dx, y + k * dy); k++) count++;
    for (let k = 1; on(x - k * dx, y - k * dy); k++) count++;
    return count;
  };
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (on(x, y))
        out.push(
          Math.min(
            run(x, y, 1, 0),
            run(x, y, 0, 1),
            Math.SQRT2 * run(x, y, 1, 1),
            Math.SQRT2 * run(x, y, 1, -1),
          ),
        );
  return out;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

function allFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe("synthetic:membranes, a thin-structure domain", () => {
  let tmp: string;
  let dir: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-membranes-"));
    dir = path.join(tmp, "a");
    // 4 train frames: sizes 512x512 and 384x448, and the fourth stored as RGB
    writeMembraneDataset({ out: dir, train: 4, val: 1, seed: 5 });
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("is laid out like camvid-dev: classes.json, train images/scribbles/gt, val images/gt", () => {
    expect(allFiles(dir)).toEqual(
      [
        "classes.json",
        ...[0, 1, 2, 3].flatMap((i) =>
          ["gt", "images", "scribbles"].map((d) => `train/${d}/membrane_train_${i}.png`),
        ),
        "val/gt/membrane_val_0.png",
        "val/images/membrane_val_0.png",
      ].sort(),
    );
    expect(JSON.parse(fs.readFileSync(path.join(dir, "classes.json"), "utf8"))).toEqual({
      void: 2,
      classes: [
        { index: 0, name: "background", color: "#202020" },
        { index: 1, name: "membrane", color: "#f0c020" },
      ],
    });
    const sizes = [0, 1, 2, 3].map((i) => {
      const image = read(path.join(dir, `train/images/membrane_train_${i}.png`));
      const gt = read(path.join(dir, `train/gt/membrane_train_${i}.png`));
      const scribbles = read(path.join(dir, `train/scribbles/membrane_train_${i}.png`));
      expect(image.depth).toBe(8);
      expect(image.channels).toBe(i === 3 ? 3 : 1);
      for (const mask of [gt, scribbles]) {
        expect([mask.width, mask.height, mask.channels, mask.depth]).toEqual([
          image.width,
          image.height,
          1,
          8,
        ]);
      }
      expect(new Set(gt.data)).toEqual(new Set([0, 1]));
      expect(new Set(scribbles.data)).toEqual(new Set([0, 1, UNLABELED]));
      let colored = 0;
      if (image.channels === 3)
        for (let k = 0; k < image.data.length; k += 3)
          if (image.data[k] !== image.data[k + 1] || image.data[k] !== image.data[k + 2]) colored++;
      expect(colored).toBe(0); // RGB frames are gray in three channels
      return `${image.width}x${image.height}`;
    });
    expect(sizes).toEqual(["512x512", "384x448", "512x512", "448x576"]);
  });

  it("membranes are thin (median local width 1-6 px), cover a plausible share, images are EM-like", () => {
    for (const split of ["train", "val"])
      for (const name of fs.readdirSync(path.join(dir, split, "gt"))) {
        const gt = read(path.join(dir, split, "gt", name));
        const mask = gt.data as Uint8Array;
        const widths = localWidths(mask, gt.width, gt.height);
        const share = widths.length / mask.length;
        expect(share).toBeGreaterThan(0.04);
        expect(share).toBeLessThan(0.2);
        expect(quantile(widths, 0.5)).toBeGreaterThanOrEqual(1);
        expect(quantile(widths, 0.5)).toBeLessThanOrEqual(6);
        expect(quantile(widths, 0.05)).toBeLessThanOrEqual(2); // thin ones...
        expect(quantile(widths, 0.9)).toBeGreaterThanOrEqual(3); // ...and thicker ones
        expect(quantile(widths, 0.9)).toBeLessThanOrEqual(8);
        // dark membranes on a lighter cytoplasm
        const image = read(path.join(dir, split, "images", name));
        const mean = (v: 0 | 1) => {
          let sum = 0;
          let count = 0;
          for (let i = 0; i < mask.length; i++)
            if (mask[i] === v) {
              sum += image.data[i * image.channels];
              count++;
            }
          return sum / count;
        };
        expect(mean(0) - mean(1)).toBeGreaterThan(25);
      }
  });

  it("scribbles: never on the wrong class, 3-5% of pixels, 25-40% of them membrane, thin membrane strokes", () => {
    for (const name of fs.readdirSync(path.join(dir, "train", "scribbles"))) {
      const gt = read(path.join(dir, "train", "gt", name)).data;
      const s = read(path.join(dir, "train", "scribbles", name));
      let labeled = 0;
      let membrane = 0;
      let wrong = 0;
      for (let i = 0; i < s.data.length; i++) {
        if (s.data[i] === UNLABELED) continue;
        labeled++;
        if (s.data[i] === 1) membrane++;
        if (s.data[i] !== gt[i]) wrong++;
      }
      expect(wrong).toBe(0);
      expect(labeled / s.data.length).toBeGreaterThanOrEqual(0.03);
      expect(labeled / s.data.length).toBeLessThanOrEqual(0.05);
      expect(membrane / labeled).toBeGreaterThanOrEqual(0.25);
      expect(membrane / labeled).toBeLessThanOrEqual(0.4);
      const strokes = (c: number) => Uint8Array.from(s.data, (v) => (v === c ? 1 : 0));
      const membraneWidths = localWidths(strokes(1), s.width, s.height);
      expect(quantile(membraneWidths, 0.5)).toBeLessThanOrEqual(2);
      expect(quantile(localWidths(strokes(0), s.width, s.height), 0.5)).toBeCloseTo(3, 0);
    }
  });

  it("the same seed writes the same bytes; another seed does not; fewer frames are a prefix", () => {
    const again = path.join(tmp, "b");
    writeMembraneDataset({ out: again, train: 4, val: 1, seed: 5 });
    for (const file of allFiles(dir))
      expect(
        Buffer.compare(fs.readFileSync(path.join(dir, file)), fs.readFileSync(path.join(again, file))),
      ).toBe(0);
    const fewer = path.join(tmp, "c");
    writeMembraneDataset({ out: fewer, train: 1, val: 0, seed: 5 });
    const first = "train/images/membrane_train_0.png";
    expect(fs.readFileSync(path.join(fewer, first))).toEqual(fs.readFileSync(path.join(dir, first)));
    const other = path.join(tmp, "d");
    writeMembraneDataset({ out: other, train: 1, val: 0, seed: 6 });
    expect(fs.readFileSync(path.join(other, first))).not.toEqual(fs.readFileSync(path.join(dir, first)));
  });
});
