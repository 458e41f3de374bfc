/**
 * COCO export and import cost ~ the regions, not the image (issue 32): an image-sized mask per
 * region (export) or per annotation (import) made many small regions on a large image take
 * minutes. The counts are the same as before, and a round trip gives the same labels.
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { classRegions } from "../labels/components.ts";
import { Source, cloneMask } from "../common/mask.ts";
import { tmpDir } from "../testing/tmp.ts";
import { exportCoco, importCoco } from "./coco.ts";
import { countsToMask, maskToCounts, regionToCounts } from "./coco-rle.ts";
import { importChange } from "./mask-files.ts";

const t = tmpDir("pixelloop-coco-cost-");
afterAll(() => t.cleanup());

describe("COCO counts from a region's pixels", () => {
  it("are the counts of the region's mask (regions at the first and last pixel, odd sizes)", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (const [w, h] of [
      [1, 1],
      [1, 7],
      [9, 1],
      [13, 11],
      [37, 23],
      [64, 5],
    ]) {
      const map = new Uint8Array(w * h).map(() => (rand() < 0.15 ? 255 : Math.floor(rand() * 3)));
      for (const r of classRegions(map, w, h)) {
        const bits = new Uint8Array(w * h);
        for (const p of r.pixels) bits[p] = 1;
        const counts = regionToCounts(r.pixels, w, h);
        expect(counts, `${w}x${h}`).toEqual(maskToCounts(bits, w, h));
        expect(countsToMask(counts, w, h)).toEqual(bits);
      }
    }
    expect(regionToCounts([], 3, 2)).toEqual([6]);
    expect(regionToCounts([0, 1, 2, 3, 4, 5], 3, 2)).toEqual([0, 6]);
  });
});

describe("COCO on a large image with many small regions", () => {
  it("exports and imports 6 megapixels with 1,600 small regions at the cost of the regions (was 15-35 s each)", async () => {
    const W = 3000;
    const H = 2000;
    const classes = [
      { idx: 0, name: "a", color: "#ff0000" },
      { idx: 1, name: "b", color: "#00ff00" },
    ];
    const img = path.join(t.dir, "big.png");
    await sharp({ create: { width: W, height: H, channels: 3, background: "#808080" } })
      .png()
      .toFile(img);
    const src = ProjectStore.create(path.join(t.dir, "src.pxl"), { name: "src", classes });
    const dst = ProjectStore.create(path.join(t.dir, "dst.pxl"), { name: "dst", classes });
    try {
      await importImages(src, [img]);
      await importImages(dst, [img]);
      // 1,600 squares of 5x5 pixels, 60 pixels apart, alternating classes.
      const before = src.mask(1);
      const after = cloneMask(before);
      let n = 0;
      for (let y0 = 3; y0 + 5 < H && n < 1600; y0 += 60)
        for (let x0 = 3; x0 + 5 < W && n < 1600; x0 += 60, n++)
          for (let y = y0; y < y0 + 5; y++)
            for (let x = x0; x < x0 + 5; x++) {
              after.classes[y * W + x] = n % 2;
              after.sources[y * W + x] = Source.human;
            }
      src.commitDiff(1, before, after, importChange("squares"));

      const file = path.join(t.dir, "out", "coco.json");
      let t0 = performance.now();
      const exported = exportCoco(src, file);
      const exportMs = performance.now() - t0;
      expect(exported).toEqual({ images: 1, annotations: 1600 });

      t0 = performance.now();
      const imported = importCoco(dst, file);
      const importMs = performance.now() - t0;
      expect(imported).toMatchObject({ images: 1, annotations: 1600, labeledPixels: 1600 * 25 });
      expect(Buffer.from(dst.mask(1).classes).equals(Buffer.from(after.classes))).toBe(true);

      // Polygons too: one square each, in an annotation of their own.
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      doc.annotations = doc.annotations.map((a: { bbox: number[] }, i: number) => {
        const [x, y, w, h] = a.bbox;
        return { ...a, id: i + 1, segmentation: [[x, y, x + w, y, x + w, y + h, x, y + h]] };
      });
      const polys = path.join(t.dir, "polygons.json");
      fs.writeFileSync(polys, JSON.stringify(doc));
      t0 = performance.now();
      importCoco(dst, polys);
      const polygonMs = performance.now() - t0;
      expect(Buffer.from(dst.mask(1).classes).equals(Buffer.from(after.classes))).toBe(true);

      // An image-sized buffer per region took ~10 ms each here: 1,600 regions, 15 s or more.
      if (process.env.COCO_COST_LOG) console.log({ exportMs, importMs, polygonMs });
      for (const [what, ms] of Object.entries({ exportMs, importMs, polygonMs }))
        expect(ms, what).toBeLessThan(3000);
    } finally {
      src.close();
      dst.close();
    }
  }, 60_000);
});
