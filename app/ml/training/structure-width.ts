/**
 * How wide the labeled structures are, per class, from the labels and the image under them: the
 * working resolution must never shrink the thinnest labeled class below what the network
 * resolves (working-scale.ts).
 *
 * A scribble says little about the width of what it marks (a 3-px stroke on a road and on a pole
 * look alike); the image around it does. Per class:
 *
 *  - stroke width t = 2 · labeled area / pixels in ring 1 (a line of width t and length L has
 *    area tL and 2L pixels just outside it; dense labels give area / perimeter, large);
 *  - ring r = pixels at (chamfer) distance (r-1, r] from the class's labeled pixels; its
 *    contrast = the mean color distance of its pixels to their nearest labeled pixel, divided by
 *    the mean color distance of labeled pixel pairs of the class r apart (along the strokes): how
 *    much more the colors change across the labels than along them, at the same distance;
 *  - the structure ends at the first ring whose contrast exceeds DEPARTURE, r*, so its width is
 *    t + 2 (r* - 1).
 *
 * Sums are pooled over images before the ratios are taken, so one odd image does not decide.
 * A class whose rings never depart within the rings measured is "wide" (width null): any
 * working scale at or above the size-based one resolves it.
 */
import type { RawImage } from "../model/image.ts";

/** A ring is outside the structure when its colors differ from the nearest labeled pixel this many times more than labeled pixels the same distance apart do. */
export const DEPARTURE = 2;
/** Fewer labeled pixels than this (over all measured images) and a class is not measured. */
export const MIN_CLASS_PIXELS = 50;
/** Smallest variation along the labels (8-bit color units) a class is credited with: flat synthetic regions would otherwise make every ring "depart". */
const MIN_ALONG = 2;

/** Pooled per-class sums over the images measured so far. */
export interface WidthAccumulator {
  numClasses: number;
  /** rings measured: 1..rings */
  rings: number;
  labeled: Float64Array; // [class] labeled pixels
  pairCount: Float64Array; // [class * rings + r - 1] labeled pixel pairs of the class r apart
  pairSum: Float64Array; // [class * rings + r - 1] Σ |I_p - I_q| over those pairs
  ringCount: Float64Array; // [class * rings + r - 1]
  ringSum: Float64Array; // [class * rings + r - 1] Σ |I_p - I_nearest labeled| over ring pixels
}

export function widthAccumulator(numClasses: number, rings: number): WidthAccumulator {
  const r = Math.max(1, Math.min(256, Math.ceil(rings)));
  return {
    numClasses,
    rings: r,
    labeled: new Float64Array(numClasses),
    pairCount: new Float64Array(numClasses * r),
    pairSum: new Float64Array(numClasses * r),
    ringCount: new Float64Array(numClasses * r),
    ringSum: new Float64Array(numClasses * r),
  };
}

const DIAGONAL = Math.SQRT2;

/**
 * Two-pass chamfer distance (weights 1 and √2) from the pixels where `seed` is 1, capped at
 * `cap`, with the index of the seed each distance was measured from (`nearest`; -1 beyond the
 * cap): within a few percent of the Euclidean distance, O(pixels).
 */
export function chamferDistance(
  seed: Uint8Array,
  width: number,
  height: number,
  cap: number,
): { distance: Float32Array; nearest: Int32Array } {
  const d = new Float32Array(width * height);
  const nearest = new Int32Array(width * height).fill(-1);
  for (let i = 0; i < d.length; i++) {
    d[i] = seed[i] ? 0 : cap;
    if (seed[i]) nearest[i] = i;
  }
  const relax = (i: number, j: number, w: number) => {
    const v = d[j] + w;
    if (v < d[i]) {
      d[i] = v;
      nearest[i] = nearest[j];
    }
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (d[i] === 0) continue;
      if (x > 0) relax(i, i - 1, 1);
      if (y > 0) {
        relax(i, i - width, 1);
        if (x > 0) relax(i, i - width - 1, DIAGONAL);
        if (x < width - 1) relax(i, i - width + 1, DIAGONAL);
      }
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      if (d[i] === 0) continue;
      if (x < width - 1) relax(i, i + 1, 1);
      if (y < height - 1) {
        relax(i, i + width, 1);
        if (x < width - 1) relax(i, i + width + 1, DIAGONAL);
        if (x > 0) relax(i, i + width - 1, DIAGONAL);
      }
    }
  }
  return { distance: d, nearest };
}

/** Adds one image and its labels (class index per pixel, >= numClasses = unlabeled) to the sums. */
export function accumulateWidths(acc: WidthAccumulator, image: RawImage, labels: Uint8Array): void {
  const { width, height, pixels } = image;
  const n = width * height;
  if (labels.length !== n) throw new Error(`labels: expected ${n} values, got ${labels.length}`);
  const channels = image.channels === 4 ? 3 : image.channels;
  const stride = image.channels;
  const { numClasses, rings } = acc;
  const colorDistance = (i: number, j: number) => {
    let s = 0;
    for (let k = 0; k < channels; k++) {
      const v = pixels[i * stride + k] - pixels[j * stride + k];
      s += v * v;
    }
    return Math.sqrt(s);
  };
  const present = new Uint8Array(numClasses);
  for (let i = 0; i < n; i++) if (labels[i] < numClasses) present[labels[i]] = 1;
  const seed = new Uint8Array(n);
  for (let c = 0; c < numClasses; c++) {
    if (!present[c]) continue;
    let count = 0;
    for (let i = 0; i < n; i++) {
      seed[i] = labels[i] === c ? 1 : 0;
      count += seed[i];
    }
    // the class's own variation at each distance: labeled pixel pairs r apart (axes, diagonals)
    for (let r = 1; r <= rings; r++) {
      const k = Math.max(1, Math.round(r / DIAGONAL));
      const steps: Array<[number, number]> = [
        [r, 0],
        [0, r],
        [k, k],
        [-k, k],
      ];
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          if (!seed[i]) continue;
          for (const [dx, dy] of steps) {
            const qx = x + dx;
            const qy = y + dy;
            if (qx < 0 || qx >= width || qy >= height || !seed[qy * width + qx]) continue;
            acc.pairCount[c * rings + r - 1]++;
            acc.pairSum[c * rings + r - 1] += colorDistance(i, qy * width + qx);
          }
        }
      }
    }
    const { distance, nearest } = chamferDistance(seed, width, height, rings + 1);
    acc.labeled[c] += count;
    for (let i = 0; i < n; i++) {
      const d = distance[i];
      if (d === 0 || d > rings) continue;
      const r = Math.ceil(d - 1e-6) - 1;
      acc.ringCount[c * rings + r]++;
      acc.ringSum[c * rings + r] += colorDistance(i, nearest[i]);
    }
  }
}

export interface ClassWidth {
  classIdx: number;
  /** labeled pixels measured */
  pixels: number;
  /** estimated width in image pixels; null: wider than the rings measured (or not measured) */
  width: number | null;
  /** the labels' own thickness (stroke width, or area / perimeter of dense labels) */
  strokeWidth: number;
}

/** Per-class widths from the pooled sums (classes with too few labeled pixels are left out). */
export function classWidths(acc: WidthAccumulator): ClassWidth[] {
  const out: ClassWidth[] = [];
  const { rings } = acc;
  for (let c = 0; c < acc.numClasses; c++) {
    const pixels = acc.labeled[c];
    if (pixels < MIN_CLASS_PIXELS) continue;
    const ring1 = acc.ringCount[c * rings];
    const strokeWidth = ring1 > 0 ? (2 * pixels) / ring1 : Infinity;
    let along = MIN_ALONG;
    let width: number | null = null;
    for (let r = 1; r <= rings; r++) {
      const count = acc.ringCount[c * rings + r - 1];
      if (count < 10) break; // nothing around the labels any more (image border)
      const pairs = acc.pairCount[c * rings + r - 1];
      if (pairs >= 10) along = Math.max(MIN_ALONG, acc.pairSum[c * rings + r - 1] / pairs);
      const contrast = acc.ringSum[c * rings + r - 1] / count / along;
      if (contrast > DEPARTURE) {
        width = strokeWidth + 2 * (r - 1);
        break;
      }
    }
    out.push({
      classIdx: c,
      pixels,
      width: width !== null && Number.isFinite(width) ? width : null,
      strokeWidth,
    });
  }
  return out;
}
