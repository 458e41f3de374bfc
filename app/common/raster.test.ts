import { describe, expect, it } from "vitest";
import { rasterizeBrush, rasterizePolygon, type Point } from "./raster.ts";
import { rng } from "../testing/rng.ts";

/** Reference: a pixel is painted when its center is within r of the polyline. */
function bruteBrush(w: number, h: number, pts: Point[], width: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const r = Math.max(0.5, width / 2);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let best = Infinity;
      const segs = pts.length === 1 ? [[pts[0], pts[0]]] : pts.slice(1).map((p, i) => [pts[i], p]);
      for (const [a, b] of segs) {
        const dx = b[0] - a[0];
        const dy = b[1] - a[1];
        const l2 = dx * dx + dy * dy;
        const t = l2 > 0 ? Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / l2)) : 0;
        best = Math.min(best, Math.hypot(px - a[0] - t * dx, py - a[1] - t * dy));
      }
      if (best <= r) out[y * w + x] = 1;
    }
  return out;
}

describe("rasterization", () => {
  it("the brush paints exactly the pixels within its radius of the stroke (vs. a per-pixel reference)", () => {
    const rand = rng(42);
    let differing = 0;
    let total = 0;
    for (let t = 0; t < 40; t++) {
      const w = 30 + Math.floor(rand() * 40);
      const h = 20 + Math.floor(rand() * 40);
      const pts: Point[] = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => [
        rand() * (w + 10) - 5,
        rand() * (h + 10) - 5,
      ]);
      if (t % 7 === 0) pts.push([pts[pts.length - 1][0] + 10, pts[pts.length - 1][1]]); // horizontal
      if (t % 5 === 0) pts.push([pts[pts.length - 1][0], pts[pts.length - 1][1] + 10]); // vertical
      const width = 1 + rand() * 12;
      const got = new Uint8Array(w * h);
      rasterizeBrush(got, w, h, pts, width, 1);
      const want = bruteBrush(w, h, pts, width);
      for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) differing++;
      total += got.length;
    }
    // Only pixel centers lying exactly on the brush edge may round differently.
    expect(differing / total).toBeLessThan(1e-4);
  });

  it("the square brush paints the pixels a square swept along the stroke covers (vs. a reference)", () => {
    // Reference: a pixel center lies in the square (half side r) centered at some point of a
    // segment, sampled finely along it.
    const brute = (w: number, h: number, pts: Point[], side: number) => {
      const out = new Uint8Array(w * h);
      const r = Math.max(0.5, side / 2);
      const segs = pts.length === 1 ? [[pts[0], pts[0]]] : pts.slice(1).map((p, i) => [pts[i], p]);
      for (const [a, b] of segs)
        for (let k = 0; k <= 4000; k++) {
          const cx = a[0] + ((b[0] - a[0]) * k) / 4000;
          const cy = a[1] + ((b[1] - a[1]) * k) / 4000;
          for (let y = Math.max(0, Math.floor(cy - r - 1)); y <= Math.min(h - 1, cy + r + 1); y++)
            for (let x = Math.max(0, Math.floor(cx - r - 1)); x <= Math.min(w - 1, cx + r + 1); x++)
              if (Math.abs(x + 0.5 - cx) <= r && Math.abs(y + 0.5 - cy) <= r) out[y * w + x] = 1;
        }
      return out;
    };
    const rand = rng(7);
    let differing = 0;
    let total = 0;
    for (let t = 0; t < 20; t++) {
      const w = 30 + Math.floor(rand() * 30);
      const h = 20 + Math.floor(rand() * 30);
      const pts: Point[] = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => [rand() * w, rand() * h]);
      if (t % 5 === 0) pts.push([pts[pts.length - 1][0] + 10, pts[pts.length - 1][1]]); // horizontal
      const side = 1 + rand() * 10;
      const got = new Uint8Array(w * h);
      rasterizeBrush(got, w, h, pts, side, 1, "square");
      const want = brute(w, h, pts, side);
      for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) differing++;
      total += got.length;
    }
    expect(differing / total).toBeLessThan(2e-3);
    // A dot of side 4 at (10, 10) is the 4 x 4 pixels 8..11, corners included (a disc leaves them).
    const dot = new Uint8Array(20 * 20);
    rasterizeBrush(dot, 20, 20, [[10, 10]], 4, 1, "square");
    expect(dot.reduce((n, v) => n + v, 0)).toBe(16);
    expect(dot[8 * 20 + 8]).toBe(1);
    const disc = new Uint8Array(20 * 20);
    rasterizeBrush(disc, 20, 20, [[10, 10]], 4, 1);
    expect(disc[8 * 20 + 8]).toBe(0);
  });

  it("polygons fill their inside (pixel centers) and nothing else", () => {
    const m = new Uint8Array(20 * 10);
    rasterizePolygon(
      m,
      20,
      10,
      [
        [2, 2],
        [12, 2],
        [12, 7],
        [2, 7],
      ],
      3,
    );
    let n = 0;
    for (let i = 0; i < m.length; i++) if (m[i] === 3) n++;
    expect(n).toBe(10 * 5);
    expect(m[2 * 20 + 2]).toBe(3);
    expect(m[1 * 20 + 2]).toBe(0);
  });
});
