/**
 * The filter bank on the tensor backend, for one set of planes at one resolution: per scale,
 * nine maps from separable Gaussian kernels (smoothing, Ix, Iy, Ixx, Iyy, Ixy, and Ix^2, Iy^2,
 * Ix Iy smoothed at the outer scale), then the seven features per pixel computed from them in
 * one JavaScript pass (magnitudes and 2x2 eigenvalues: ~20 tensor ops fused into one loop).
 *
 * Borders: the rows to filter are copied with a margin of at least the chained kernel radii on
 * every side, taken from the symmetric extension of the planes (edge sample repeated), so each
 * band of rows is filtered on its own with the result of filtering the mirrored whole.
 */
import { tf } from "../../engine/tf.ts";
import { filterRadius, gaussian0, gaussian1, gaussian2, smoothingRadius, symmetricIndex } from "./kernels.ts";
import { filterRows, FOLD, polyphaseFilter, transpose } from "./separable.ts";

/** Row-major float planes of one size: `full` get all seven filters, `smooth` smoothing only. */
export interface Planes {
  width: number;
  height: number;
  full: Float32Array[];
  smooth: Float32Array[];
}

/** Pixel-major feature rows being filled: `rows` x `width` pixels, `count` values each. */
export interface Grid {
  data: Float32Array;
  width: number;
  rows: number;
  count: number;
}

/** A scale to compute: sigma in plane pixels, the plane pixel size in image pixels, output columns. */
export interface PlannedScale {
  sigma: number;
  /** image pixels per plane pixel: derivatives are divided by it (per order) */
  pixelSize: number;
  /** first of the seven columns of full channel c */
  fullColumn(c: number): number;
  /** column of smooth channel c */
  smoothColumn(c: number): number;
}

/** Margin a scale needs: derivative kernel plus the structure tensor's outer kernel. */
export function scaleMargin(sigma: number): number {
  return filterRadius(sigma) + smoothingRadius(0.5 * sigma);
}

/** Filters plane rows r0 .. r0 + grid.rows - 1 at every scale into the grid's columns. */
export function filterBand(planes: Planes, r0: number, grid: Grid, scales: PlannedScale[]): void {
  const margin = Math.max(...scales.map((s) => scaleMargin(s.sigma)));
  if (planes.full.length > 0) {
    const canvas = makeCanvas(planes.full, planes, r0, grid.rows, margin);
    try {
      for (const s of scales) {
        const maps = readMaps(canvas, (xt) => fullMaps(xt, s.sigma));
        writeFull(grid, canvas, maps, s);
      }
    } finally {
      canvas.transposed.dispose();
    }
  }
  if (planes.smooth.length > 0) {
    const canvas = makeCanvas(planes.smooth, planes, r0, grid.rows, margin);
    try {
      for (const s of scales)
        writeSmooth(grid, canvas, readMaps(canvas, (xt) => [smoothMap(xt, s.sigma)])[0], s);
    } finally {
      canvas.transposed.dispose();
    }
  }
}

/** Rows r0 .. r0 + rows - 1 plus the margin (more right and below, to multiples of FOLD), transposed: [C, wc, hc]. */
interface Canvas {
  transposed: tf.Tensor3D;
  channels: number;
  hc: number;
  wc: number;
  margin: number;
}

function makeCanvas(
  planes: Float32Array[],
  size: { width: number; height: number },
  r0: number,
  rows: number,
  margin: number,
): Canvas {
  const { width, height } = size;
  const hc = Math.ceil((rows + 2 * margin) / FOLD) * FOLD;
  const wc = Math.ceil((width + 2 * margin) / FOLD) * FOLD;
  const cols = Int32Array.from({ length: wc }, (_, j) => symmetricIndex(j - margin, width));
  const data = new Float32Array(planes.length * wc * hc);
  planes.forEach((plane, c) => {
    for (let i = 0; i < hc; i++) {
      const src = symmetricIndex(r0 - margin + i, height) * width;
      const base = c * wc * hc + i;
      for (let j = 0; j < wc; j++) data[base + j * hc] = plane[src + cols[j]];
    }
  });
  const transposed = tf.tensor3d(data, [planes.length, wc, hc]);
  return { transposed, channels: planes.length, hc, wc, margin };
}

/** Runs `make` on the canvas and reads the maps back ([C, hc, wc] each). */
function readMaps(canvas: Canvas, make: (xt: tf.Tensor3D) => tf.Tensor3D[]): Float32Array[] {
  const maps = tf.tidy(() => make(canvas.transposed));
  const out = maps.map((m) => m.dataSync() as Float32Array);
  for (const m of maps) m.dispose();
  return out;
}

/** Smoothing, Ix, Iy, Ixx, Iyy, Ixy, then Ix^2, Iy^2, Ix Iy smoothed at sigma / 2: y passes first (transposed), then x. */
function fullMaps(xt: tf.Tensor3D, sigma: number): tf.Tensor3D[] {
  const r = filterRadius(sigma);
  const [f0, f1, f2] = [gaussian0, gaussian1, gaussian2].map((g) => polyphaseFilter(g(sigma, r)));
  const [y0, y1, y2] = [f0, f1, f2].map((f) => transpose(filterRows(xt, f)));
  const smoothed = filterRows(y0, f0);
  const ix = filterRows(y0, f1);
  const ixx = filterRows(y0, f2);
  const iy = filterRows(y1, f0);
  const ixy = filterRows(y1, f1);
  const iyy = filterRows(y2, f0);
  const outer = 0.5 * sigma;
  const fo = polyphaseFilter(gaussian0(outer, smoothingRadius(outer)));
  const smoothOuter = (t: tf.Tensor3D) => transpose(filterRows(transpose(filterRows(t, fo)), fo));
  const jxx = smoothOuter(tf.square(ix));
  const jyy = smoothOuter(tf.square(iy));
  const jxy = smoothOuter(tf.mul(ix, iy));
  return [smoothed, ix, iy, ixx, iyy, ixy, jxx, jyy, jxy];
}

function smoothMap(xt: tf.Tensor3D, sigma: number): tf.Tensor3D {
  const f0 = polyphaseFilter(gaussian0(sigma, filterRadius(sigma)));
  return filterRows(transpose(filterRows(xt, f0)), f0);
}

/** smooth, gradient magnitude, Laplacian, structure-tensor and Hessian eigenvalues (larger first). */
function writeFull(grid: Grid, canvas: Canvas, maps: Float32Array[], scale: PlannedScale): void {
  const [sm, ix, iy, ixx, iyy, ixy, jxx, jyy, jxy] = maps;
  const { data, width, rows, count } = grid;
  const { hc, wc, margin } = canvas;
  const d1 = 1 / scale.pixelSize;
  const d2 = d1 * d1;
  for (let c = 0; c < canvas.channels; c++) {
    const column = scale.fullColumn(c);
    for (let y = 0; y < rows; y++) {
      let q = c * hc * wc + (y + margin) * wc + margin;
      let o = y * width * count + column;
      for (let x = 0; x < width; x++, q++, o += count) {
        const gx = ix[q];
        const gy = iy[q];
        const hxx = ixx[q];
        const hyy = iyy[q];
        const hxy = ixy[q];
        const hm = 0.5 * (hxx + hyy);
        const hd = Math.sqrt(0.25 * (hxx - hyy) * (hxx - hyy) + hxy * hxy);
        const a = jxx[q];
        const b = jyy[q];
        const jm = 0.5 * (a + b);
        const jd = Math.sqrt(0.25 * (a - b) * (a - b) + jxy[q] * jxy[q]);
        data[o] = sm[q];
        data[o + 1] = d1 * Math.sqrt(gx * gx + gy * gy);
        data[o + 2] = d2 * (hxx + hyy);
        data[o + 3] = d2 * (jm + jd);
        data[o + 4] = d2 * (jm - jd);
        data[o + 5] = d2 * (hm + hd);
        data[o + 6] = d2 * (hm - hd);
      }
    }
  }
}

function writeSmooth(grid: Grid, canvas: Canvas, map: Float32Array, scale: PlannedScale): void {
  const { data, width, rows, count } = grid;
  const { hc, wc, margin } = canvas;
  for (let c = 0; c < canvas.channels; c++) {
    const column = scale.smoothColumn(c);
    for (let y = 0; y < rows; y++) {
      let q = c * hc * wc + (y + margin) * wc + margin;
      let o = y * width * count + column;
      for (let x = 0; x < width; x++, q++, o += count) data[o] = map[q];
    }
  }
}
