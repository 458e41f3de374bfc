/**
 * Quantile binning of training features, so the forest finds splits from per-bin class counts
 * (one pass over a node's samples per candidate feature) instead of sorting: the histogram method
 * of LightGBM and scikit-learn's HistGradientBoosting. A split "bin <= b" is stored as the
 * threshold "value <= cuts[b]", so prediction compares raw feature values and never bins.
 */

export interface BinnedFeatures {
  /** Feature-major bins: `bins[f * n + i]` for sample i (a node's samples scan one column). */
  bins: Uint8Array;
  /** Per feature, ascending cut points; a value's bin is the number of cuts below it. */
  cuts: Float32Array[];
  n: number;
  featureCount: number;
}

/**
 * Bins the sample-major matrix `x` (n samples x featureCount) into at most `maxBins` (<= 256)
 * bins per feature, cut near quantiles, halfway between neighbouring distinct values (a value
 * shared by many samples gets a bin of its own; every distinct value does when there are few).
 */
export function binFeatures(x: Float32Array, n: number, featureCount: number, maxBins = 256): BinnedFeatures {
  if (maxBins < 2 || maxBins > 256) throw new Error(`maxBins must be 2..256, got ${maxBins}`);
  const bins = new Uint8Array(n * featureCount);
  const cuts: Float32Array[] = [];
  const column = new Float32Array(n);
  for (let f = 0; f < featureCount; f++) {
    for (let i = 0; i < n; i++) column[i] = x[i * featureCount + f];
    const sorted = column.slice().sort();
    const c = cutPoints(sorted, maxBins);
    cuts.push(c);
    const out = f * n;
    for (let i = 0; i < n; i++) bins[out + i] = binOf(c, column[i]);
  }
  return { bins, cuts, n, featureCount };
}

function cutPoints(sorted: Float32Array, maxBins: number): Float32Array {
  const n = sorted.length;
  let distinct = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const target = distinct <= maxBins ? 0 : n / maxBins;
  const out: number[] = [];
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    if (j >= n) break;
    // j samples are <= sorted[i]; cut before the next distinct value once a quantile is passed
    if (j >= (out.length + 1) * target) out.push(midpoint(sorted[i], sorted[j]));
    i = j;
  }
  return Float32Array.from(out);
}

/** A float32 cut c with a <= c < b. */
function midpoint(a: number, b: number): number {
  const c = Math.fround(a + (b - a) / 2);
  return c < b ? c : a;
}

/** Number of cuts strictly below v (binary search). */
function binOf(cuts: Float32Array, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
