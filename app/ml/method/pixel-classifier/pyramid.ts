/**
 * Large scales on reduced planes. Filtering cost on the tensor backend grows with the number of
 * pixels, not with sigma (separable.ts), and a Gaussian of sigma >= 3 carries nothing a grid of
 * half the resolution cannot hold. So a scale is computed on planes box-reduced by f (the
 * largest power of two, at most 8, with sigma / f >= minCoarseSigma: 3.5 and 5 at f = 2, 10 at
 * f = 4 with the defaults), at sigma' = sqrt(sigma^2 - (f^2 - 1) / 12) / f (the box already
 * blurs by variance (f^2 - 1) / 12), derivatives scaled back to image pixels, and the features
 * bilinearly interpolated to image pixels. Measured on camvid-dev: features 2x faster, no loss of
 * accuracy (docs/pixel-classifier.md).
 */
import type { Grid, Planes } from "./filters.ts";

/** Default: coarse planes only while sigma stays at least this many of their pixels. */
export const MIN_COARSE_SIGMA = 1.6;

/** Image pixels per plane pixel for `sigma`. */
export function levelFactor(sigma: number, minCoarseSigma = MIN_COARSE_SIGMA): number {
  let f = 1;
  while (f < 8 && sigma / (2 * f) >= minCoarseSigma) f *= 2;
  return f;
}

/** The sigma, in pixels of the f-reduced planes, that gives `sigma` in image pixels. */
export function coarseSigma(sigma: number, f: number): number {
  return f === 1 ? sigma : Math.sqrt(Math.max(sigma * sigma - (f * f - 1) / 12, 0.25)) / f;
}

/** Planes reduced by f: the mean of each f x f block (partial blocks at the right and bottom). */
export function reducePlanes(planes: Planes, f: number): Planes {
  const { width, height } = planes;
  const w2 = Math.ceil(width / f);
  const h2 = Math.ceil(height / f);
  const reduce = (plane: Float32Array) => {
    const sum = new Float32Array(w2 * h2);
    const n = new Float32Array(w2 * h2);
    for (let y = 0; y < height; y++) {
      const row = Math.floor(y / f) * w2;
      for (let x = 0; x < width; x++) {
        const j = row + Math.floor(x / f);
        sum[j] += plane[y * width + x];
        n[j]++;
      }
    }
    for (let j = 0; j < sum.length; j++) sum[j] /= n[j];
    return sum;
  };
  return { width: w2, height: h2, full: planes.full.map(reduce), smooth: planes.smooth.map(reduce) };
}

/** Position of image pixel i on a grid reduced by f (pixel centres), clamped to 0 .. n - 1. */
function coarsePosition(i: number, f: number, n: number): number {
  return Math.min(n - 1, Math.max(0, (i + 0.5) / f - 0.5));
}

/** The rows of the f-reduced planes (height n) that image rows y0 .. y0 + rows - 1 interpolate from. */
export function coarseRows(y0: number, rows: number, f: number, n: number): { first: number; count: number } {
  const first = Math.floor(coarsePosition(y0, f, n));
  const last = Math.min(n - 1, Math.floor(coarsePosition(y0 + rows - 1, f, n)) + 1);
  return { first, count: last - first + 1 };
}

/**
 * Bilinear interpolation of `columns` from `coarse` (rows from coarseFirst of a grid of height
 * coarseHeight, reduced by f) into `fine` (image rows from y0).
 */
export function upsampleColumns(
  fine: Grid,
  y0: number,
  coarse: Grid,
  coarseFirst: number,
  coarseHeight: number,
  f: number,
  columns: Int32Array,
): void {
  const { count } = fine;
  const cw = coarse.width;
  const x0 = new Int32Array(fine.width);
  const x1 = new Int32Array(fine.width);
  const wx = new Float32Array(fine.width);
  for (let x = 0; x < fine.width; x++) {
    const u = coarsePosition(x, f, cw);
    x0[x] = Math.floor(u);
    x1[x] = Math.min(cw - 1, x0[x] + 1);
    wx[x] = u - x0[x];
  }
  const src = coarse.data;
  const out = fine.data;
  for (let y = 0; y < fine.rows; y++) {
    const v = coarsePosition(y0 + y, f, coarseHeight);
    const r0 = Math.floor(v);
    const wy = v - r0;
    const row0 = (r0 - coarseFirst) * cw;
    const row1 = (Math.min(coarseHeight - 1, r0 + 1) - coarseFirst) * cw;
    for (let x = 0; x < fine.width; x++) {
      const a = (row0 + x0[x]) * count;
      const b = (row0 + x1[x]) * count;
      const c = (row1 + x0[x]) * count;
      const d = (row1 + x1[x]) * count;
      const w00 = (1 - wy) * (1 - wx[x]);
      const w01 = (1 - wy) * wx[x];
      const w10 = wy * (1 - wx[x]);
      const w11 = wy * wx[x];
      const o = (y * fine.width + x) * count;
      for (let k = 0; k < columns.length; k++) {
        const col = columns[k];
        out[o + col] = w00 * src[a + col] + w01 * src[b + col] + w10 * src[c + col] + w11 * src[d + col];
      }
    }
  }
}
