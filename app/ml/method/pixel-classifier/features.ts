/**
 * Multi-scale filter features for the pixel classifier: ilastik's set. For every channel the
 * filters run on and every scale sigma (ilastik's defaults 0.7, 1, 1.6, 3.5, 5, 10):
 *
 *   smooth      Gaussian smoothing
 *   gradient    gradient magnitude of Gaussian
 *   laplacian   Laplacian of Gaussian (trace of the Hessian)
 *   st-ev1/2    structure-tensor eigenvalues (inner scale sigma, outer 0.5 sigma, as ilastik),
 *               larger first
 *   hess-ev1/2  Hessian-of-Gaussian eigenvalues, larger first
 *
 * plus Gaussian smoothing alone for "smooth" channels (the color channels of the luminance mode,
 * input.ts). Convolutions run on the tensor backend (filters.ts, separable.ts); scales of 3.2 and
 * more run on reduced planes and are interpolated back (pyramid.ts). Borders are the symmetric
 * extension. Output is pixel-major, `data[p * names.length + f]`, computed in bands of rows so a
 * large image never holds all its features at once.
 */
import { filterBand, type Grid, type Planes, type PlannedScale } from "./filters.ts";
import {
  coarseRows,
  coarseSigma,
  levelFactor,
  MIN_COARSE_SIGMA,
  reducePlanes,
  upsampleColumns,
} from "./pyramid.ts";

/** ilastik's default scales. */
export const DEFAULT_SCALES: readonly number[] = [0.7, 1.0, 1.6, 3.5, 5.0, 10.0];

/** The seven filters run on every "full" channel, in output order. */
export const FULL_FILTERS = [
  "smooth",
  "gradient",
  "laplacian",
  "st-ev1",
  "st-ev2",
  "hess-ev1",
  "hess-ev2",
] as const;

/** Row-major float planes of one image, with channel names. */
export interface FilterInput extends Planes {
  fullNames: string[];
  smoothNames: string[];
}

/** One band of feature rows: image rows y0 .. y0 + height - 1, `width` pixels each, pixel-major. */
export interface FeatureBand {
  data: Float32Array;
  y0: number;
  height: number;
  width: number;
  /** features per pixel */
  count: number;
}

export interface BandOptions {
  /** pixels per band, at most about (default 2^17); bands of an image get equal heights */
  bandPixels?: number;
  /**
   * Buffers reused from call to call (keep one per classifier or training run). Fresh large
   * arrays are costly here: the first write to each page faults (a new 37 MB array took 20-45 ms
   * to fill on this VM, an existing one 1.5-5 ms).
   */
  scratch?: FeatureScratch;
  /** reduced planes only while sigma stays at least this many of their pixels (Infinity: never) */
  minCoarseSigma?: number;
}

/** Feature names, in column order: per full channel, per scale, the seven filters; then smoothing. */
export function featureNames(
  input: Pick<FilterInput, "fullNames" | "smoothNames">,
  scales: readonly number[],
): string[] {
  const names: string[] = [];
  for (const channel of input.fullNames)
    for (const s of scales) for (const f of FULL_FILTERS) names.push(`${channel} ${f} s${s}`);
  for (const channel of input.smoothNames) for (const s of scales) names.push(`${channel} smooth s${s}`);
  return names;
}

export function validateScales(scales: readonly number[]): void {
  if (scales.length === 0) throw new Error("pixel classifier: scales must not be empty");
  for (const s of scales) {
    if (!Number.isFinite(s) || s < 0.3 || s > 64)
      throw new Error(`pixel classifier: scale ${s} out of range (0.3..64)`);
  }
}

/** Grow-only reusable Float32Arrays, by name. */
export class FeatureScratch {
  private readonly buffers = new Map<string, Float32Array>();

  get(name: string, size: number): Float32Array {
    const buffer = this.buffers.get(name);
    if (buffer && buffer.length >= size) return buffer.subarray(0, size);
    const fresh = new Float32Array(size);
    this.buffers.set(name, fresh);
    return fresh;
  }
}

/**
 * Calls `visit` for consecutive bands of rows covering the image and returns the feature names.
 * A band's data is valid during the call only (its buffer is reused).
 */
export function forEachFeatureBand(
  input: FilterInput,
  scales: readonly number[],
  visit: (band: FeatureBand) => void,
  options: BandOptions = {},
): string[] {
  validateScales(scales);
  const { width, height } = input;
  const names = featureNames(input, scales);
  const count = names.length;
  const levels = planLevels(input, scales, options.minCoarseSigma ?? MIN_COARSE_SIGMA);
  const scratch = options.scratch ?? new FeatureScratch();
  const bands = Math.max(1, Math.ceil((width * height) / Math.max(width, options.bandPixels ?? 1 << 17)));
  const rowsPerBand = Math.ceil(height / bands);
  for (let y0 = 0; y0 < height; y0 += rowsPerBand) {
    const rows = Math.min(rowsPerBand, height - y0);
    const band: Grid = { data: scratch.get("band", rows * width * count), width, rows, count };
    for (const level of levels) {
      if (level.factor === 1) {
        filterBand(level.planes, y0, band, level.scales);
        continue;
      }
      const coarse = coarseRows(y0, rows, level.factor, level.planes.height);
      const grid: Grid = {
        data: scratch.get(`level ${level.factor}`, coarse.count * level.planes.width * count),
        width: level.planes.width,
        rows: coarse.count,
        count,
      };
      filterBand(level.planes, coarse.first, grid, level.scales);
      upsampleColumns(band, y0, grid, coarse.first, level.planes.height, level.factor, level.columns);
    }
    visit({ data: band.data, y0, height: rows, width, count });
  }
  return names;
}

/** All features at once (tests, small images). */
export function computeFeatures(
  input: FilterInput,
  scales: readonly number[] = DEFAULT_SCALES,
  options: Omit<BandOptions, "bandPixels"> = {},
): { data: Float32Array; names: string[]; width: number; height: number } {
  let data: Float32Array = new Float32Array(0);
  const names = forEachFeatureBand(input, scales, (b) => (data = b.data.slice()), {
    ...options,
    bandPixels: Infinity,
  });
  return { data, names, width: input.width, height: input.height };
}

interface Level {
  factor: number;
  planes: Planes;
  scales: PlannedScale[];
  /** the output columns its scales fill */
  columns: Int32Array;
}

/** Groups the scales by reduction factor, with the reduced planes and each scale's columns. */
function planLevels(input: FilterInput, scales: readonly number[], minCoarseSigma: number): Level[] {
  const fullCount = input.full.length;
  const smoothBase = fullCount * scales.length * 7;
  const byFactor = new Map<number, Level>();
  scales.forEach((sigma, si) => {
    const factor = levelFactor(sigma, minCoarseSigma);
    let level = byFactor.get(factor);
    if (!level) {
      const planes = factor === 1 ? input : reducePlanes(input, factor);
      level = { factor, planes, scales: [], columns: new Int32Array(0) };
      byFactor.set(factor, level);
    }
    const scale: PlannedScale = {
      sigma: coarseSigma(sigma, factor),
      pixelSize: factor,
      fullColumn: (c) => (c * scales.length + si) * 7,
      smoothColumn: (c) => smoothBase + c * scales.length + si,
    };
    level.scales.push(scale);
    const columns: number[] = [];
    for (let c = 0; c < fullCount; c++) for (let k = 0; k < 7; k++) columns.push(scale.fullColumn(c) + k);
    for (let c = 0; c < input.smooth.length; c++) columns.push(scale.smoothColumn(c));
    level.columns = Int32Array.from([...level.columns, ...columns]);
  });
  return [...byFactor.values()];
}
