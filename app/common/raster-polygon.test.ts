import { describe, expect, it } from "vitest";
import { rasterizePolygon, strokeBounds, type Point } from "./raster.ts";

/** The fill as it was before edges were bucketed by row: every edge tested on every row. */
function reference(target: Uint8Array, width: number, height: number, points: Point[], value: number): void {
  const bounds = strokeBounds(points, 0, width, height);
  if (!bounds) return;
  const xs: number[] = [];
  for (let y = bounds.y; y < bounds.y + bounds.height; y++) {
    const py = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < points.length; i++) {
      const a = points[i];
      const b = points[(i + 1) % points.length];
      if (a[1] <= py !== b[1] <= py) xs.push(a[0] + ((py - a[1]) / (b[1] - a[1])) * (b[0] - a[0]));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(width - 1, Math.floor(xs[k + 1] - 0.5));
      if (to >= from) target.fill(value, y * width + from, y * width + to + 1);
    }
  }
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("polygon fill", () => {
  it("fills exactly the pixels the row-by-row fill did, for random, degenerate and off-image polygons", () => {
    const rand = rng(32);
    const W = 61;
    const H = 47;
    for (let trial = 0; trial < 400; trial++) {
      const n = 3 + Math.floor(rand() * 40);
      // Half on the pixel grid and its centers (ties on row lines), half anywhere, some off the image.
      const grid = trial % 2 === 0;
      const pts: Point[] = Array.from({ length: n }, () => {
        const x = rand() * (W + 20) - 10;
        const y = rand() * (H + 20) - 10;
        return grid ? [Math.round(x * 2) / 2, Math.round(y * 2) / 2] : [x, y];
      });
      const a = new Uint8Array(W * H);
      const b = new Uint8Array(W * H);
      reference(a, W, H, pts, 1);
      rasterizePolygon(b, W, H, pts, 1);
      expect(Buffer.from(b).equals(Buffer.from(a)), `trial ${trial}`).toBe(true);
    }
    // Huge coordinates and a polygon that is a line.
    for (const pts of [
      [
        [-1e12, -1e12],
        [1e12, 5],
        [3, 1e12],
      ],
      [
        [0, 0],
        [10, 10],
        [20, 20],
      ],
    ] as Point[][]) {
      const a = new Uint8Array(W * H);
      const b = new Uint8Array(W * H);
      reference(a, W, H, pts, 1);
      rasterizePolygon(b, W, H, pts, 1);
      expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    }
  });

  it("looks at each row's own edges only: a 10,000-point outline of a tall image fills as before", () => {
    // A circle of 10,000 vertices over 4,000 rows: the old fill did 40 million edge tests.
    const W = 500;
    const H = 4000;
    const pts: Point[] = Array.from({ length: 10_000 }, (_, i) => {
      const t = (2 * Math.PI * i) / 10_000;
      return [250 + 240 * Math.cos(t), 2000 + 1990 * Math.sin(t)];
    });
    const a = new Uint8Array(W * H);
    const b = new Uint8Array(W * H);
    reference(a, W, H, pts, 3);
    rasterizePolygon(b, W, H, pts, 3);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  });
});
