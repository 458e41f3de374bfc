import { describe, expect, it } from "vitest";
import { UNLABELED } from "../common/mask.ts";
import { seededRandom } from "../ml/engine/random.ts";
import { unit } from "../testing/vectors.ts";
import { iou } from "./scoring.ts";
import { kMeans, typicalRegions, type GridImage } from "./typical.ts";

const SIDE = 64;
const CELL = 16; // 4 x 4 cells
/** Three kinds of image part, as the network might embed sky, road and cars. */
const KIND = { sky: unit([1, 0, 0]), road: unit([0, 1, 0]), car: unit([0, 0, 1]) };

/**
 * A 64 x 64 image whose 16 cells are of the given kinds (row-major), each embedding nudged a
 * little (`jitter`), with uncertainty `entropy` everywhere and labels on the cells in `labeled`.
 */
function image(
  kinds: (keyof typeof KIND)[],
  opts: { labeled?: number[]; entropy?: number; jitter?: (cell: number) => number[] } = {},
): GridImage {
  const values = new Float32Array(16 * 3);
  kinds.forEach((k, c) => {
    const j = opts.jitter?.(c) ?? [0, 0, 0];
    values.set(unit(KIND[k].map((v, d) => v + j[d])), c * 3);
  });
  const labels = new Uint8Array(SIDE * SIDE).fill(UNLABELED);
  for (const c of opts.labeled ?? []) {
    const y = Math.floor(c / 4) * CELL + 8;
    for (let x = (c % 4) * CELL; x < (c % 4) * CELL + CELL; x++) labels[y * SIDE + x] = 0; // one stroke
  }
  return {
    width: SIDE,
    height: SIDE,
    grid: { cols: 4, rows: 4, cell: CELL, dim: 3, values },
    entropy: new Uint8Array(SIDE * SIDE).fill(opts.entropy ?? 100),
    labels,
  };
}

const all = (k: keyof typeof KIND) => new Array<keyof typeof KIND>(16).fill(k);
const kindAt = (im: GridImage, r: { x: number; y: number; width: number; height: number }) => {
  const c = Math.floor((r.y + r.height / 2) / CELL) * 4 + Math.floor((r.x + r.width / 2) / CELL);
  const v = im.grid.values.subarray(c * 3, c * 3 + 3);
  return (Object.keys(KIND) as (keyof typeof KIND)[]).reduce((best, k) =>
    KIND[k].reduce((s, x, d) => s + x * v[d], 0) > KIND[best].reduce((s, x, d) => s + x * v[d], 0) ? k : best,
  );
};

describe("typical regions", () => {
  it("k-means finds well-separated groups, the same way every time", () => {
    const rand = seededRandom(3);
    const points = Array.from({ length: 60 }, (_, i) => {
      const k = KIND[(["sky", "road", "car"] as const)[i % 3]];
      return new Float32Array(k.map((v) => v + (rand() - 0.5) * 0.1));
    });
    const a = kMeans(points, 3, seededRandom(1));
    for (let i = 3; i < 60; i++) expect(a[i]).toBe(a[i % 3]);
    expect(new Set([a[0], a[1], a[2]]).size).toBe(3);
    expect(kMeans(points, 3, seededRandom(1))).toEqual(a);
  });

  it("asks first about the biggest kind of part no label covers, even where the model is surer", () => {
    const images = [
      image(all("sky"), { labeled: [0, 5, 10, 15], entropy: 250 }), // sky: labeled, and most unsure
      image(all("sky"), { entropy: 250 }),
      image(all("road"), { entropy: 60 }), // road: common and unlabeled
      image([...all("road").slice(0, 8), ...all("car").slice(0, 8)], { entropy: 60 }),
      image([...all("sky").slice(0, 12), ...all("car").slice(0, 4)], { entropy: 120 }),
    ];
    const picks = typicalRegions(images, { n: 1, perImage: 1, windowFraction: 0.25 });
    expect(picks).toHaveLength(1);
    expect(kindAt(images[picks[0].image], picks[0].regions[0])).toBe("road");
    // With room for more, the next question is about the other uncovered kind (car), and the sky,
    // which the labels cover, is not asked about before both.
    const more = typicalRegions(images, { n: 3, perImage: 1, windowFraction: 0.25 });
    const kinds = more.map((p) => kindAt(images[p.image], p.regions[0]));
    expect(kinds.slice(0, 2).sort()).toEqual(["car", "road"]);
  });

  it("within a kind, asks about its most typical part, not an outlier", () => {
    // Road everywhere; one road cell (cell 5 of image 1) looks unlike the rest.
    const images = [0, 1, 2].map((i) =>
      image(all("road"), { jitter: (c) => (i === 1 && c === 5 ? [0.6, 0, 0.6] : [0, 0, 0.02 * (c % 3)]) }),
    );
    // ... and is where the model is least sure (so uncertainty alone would pick it).
    for (let y = CELL; y < 2 * CELL; y++) images[1].entropy.fill(255, y * SIDE + CELL, y * SIDE + 2 * CELL);
    const [p] = typicalRegions(images, { n: 1, perImage: 1, windowFraction: 0.25, maxClusters: 1 });
    const r = p.regions[0];
    const cell = Math.floor((r.y + r.height / 2) / CELL) * 4 + Math.floor((r.x + r.width / 2) / CELL);
    expect(p.image === 1 && cell === 5).toBe(false);
  });

  it("fills a queue of n images with perImage regions apart from each other, off labeled parts", () => {
    const images = Array.from({ length: 6 }, (_, i) =>
      image(i % 2 ? all("road") : [...all("sky").slice(0, 8), ...all("car").slice(0, 8)], {
        labeled: i === 0 ? [0, 1, 2, 3, 4, 5, 6, 7] : [],
        jitter: (c) => [0.05 * (c % 4), 0.05 * Math.floor(c / 4), 0.03 * i],
      }),
    );
    // Image 0's first two rows: a stroke on every cell, covering them (but not "mostly labeled").
    const picks = typicalRegions(images, { n: 2, perImage: 3, windowFraction: 0.25, seed: 7 });
    expect(picks).toHaveLength(2);
    for (const p of picks) {
      expect(p.regions).toHaveLength(3);
      for (const r of p.regions) {
        expect(r.x >= 0 && r.y >= 0 && r.x + r.width <= SIDE && r.y + r.height <= SIDE).toBe(true);
        expect(r.width).toBe(16);
      }
      for (let i = 0; i < 3; i++)
        for (let j = i + 1; j < 3; j++) expect(iou(p.regions[i], p.regions[j])).toBeLessThanOrEqual(0.25);
    }
    // A fully labeled image is never asked about.
    const done = image(all("car"));
    done.labels.fill(1);
    const only = typicalRegions([done, images[1]], { n: 2, perImage: 1 });
    expect(only.map((p) => p.image)).toEqual([1]);
  });
});
