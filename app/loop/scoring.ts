/**
 * Uncertainty scores for active learning, from a stored prediction and the current labels.
 *
 * - pixel: normalized entropy u in [0, 1], or 1 - margin (top-1 minus top-2 probability; suggest.ts
 *   `measure`), optionally times a
 *   weight of its predicted class (class balance, see rarityWeights).
 * - image: mean u over its still-unlabeled pixels, times the unlabeled fraction (an image
 *   already labeled everywhere has nothing left to ask).
 * - region: windows scored by impurity x mean uncertainty x unlabeled fraction, where impurity
 *   is the Gini impurity of the predicted classes in the window: compact uncertain areas where
 *   classes mix. Greedy non-maximum suppression keeps suggestions apart; optionally (diverse)
 *   an image's later regions prefer a class mix unlike the earlier ones'.
 */
import { UNLABELED } from "../common/mask.ts";
import type { RegionScore } from "../common/queue-types.ts";
export type { RegionScore };

export interface ScoreInput {
  width: number;
  height: number;
  /** predicted class per pixel */
  classes: Uint8Array;
  /** pixel uncertainty 0..255: normalized entropy, or 1 - margin (suggest.ts `measure`) */
  entropy: Uint8Array;
  /** current labels (UNLABELED where none) */
  labels: Uint8Array;
  /**
   * Optional weight per predicted class multiplying a pixel's uncertainty (class balance: classes
   * with few labels so far count more, so rare classes get asked about); absent = 1 everywhere.
   */
  classWeights?: readonly number[];
}

export function imageUncertainty(s: ScoreInput): number {
  let sum = 0;
  let unlabeled = 0;
  for (let i = 0; i < s.entropy.length; i++) {
    if (s.labels[i] !== UNLABELED) continue;
    sum += s.classWeights ? s.entropy[i] * (s.classWeights[s.classes[i]] ?? 1) : s.entropy[i];
    unlabeled++;
  }
  if (unlabeled === 0) return 0;
  return (sum / unlabeled / 255) * (unlabeled / s.entropy.length);
}

/** Diverse regions are off: they did not beat random in every seed of bench:loop (bench/results/loop.md). */
export const DEFAULT_REGION_DIVERSE = false;

export interface RegionOptions {
  /** window side as a fraction of the shorter image side (default 0.2) */
  windowFraction?: number;
  /** how many regions to keep (default 3) */
  topK?: number;
  /** windows overlapping a kept one by more than this IoU are dropped (default 0.1) */
  maxOverlap?: number;
  /**
   * After the first region, prefer windows whose predicted-class mix differs from the kept ones'
   * (score x (0.25 + 0.75 x total-variation distance to the nearest kept window's class mix)),
   * so one image's regions show different things (default DEFAULT_REGION_DIVERSE).
   */
  diverse?: boolean;
  numClasses: number;
}

/** A scored window of an image, with its predicted-class mix (fractions of the window, per class). */
export interface RegionCandidate extends Omit<RegionScore, "id"> {
  mix: Float64Array;
}

/** Side of a region window: `fraction` (default 0.2) of the shorter image side, at least 8 px. */
export function windowSide(width: number, height: number, fraction = 0.2): number {
  return Math.max(8, Math.round(Math.min(width, height) * fraction));
}

/**
 * Every window of one image (square, windowFraction of the shorter side, half-window stride) with
 * its score: (0.25 + Gini impurity of the predicted classes) x mean uncertainty of its unlabeled
 * pixels x unlabeled fraction. Window sums come from integral images kept only where windows have
 * their edges (a few dozen rows and columns, not every pixel): one pass over the pixels, O(pixels).
 */
export function regionCandidates(
  s: ScoreInput,
  opts: { numClasses: number; windowFraction?: number },
): RegionCandidate[] {
  const { width: w, height: h } = s;
  const K = opts.numClasses;
  const side = windowSide(w, h, opts.windowFraction);
  const stride = Math.max(4, Math.floor(side / 2));
  const xs = starts(w, side, stride);
  const ys = starts(h, side, stride);
  // Window edges along each axis; the integral images hold sums over [0, x) x [0, y) at them.
  const edgesX = edges(xs, side, w);
  const edgesY = edges(ys, side, h);
  const nx = edgesX.length;
  const ny = edgesY.length;
  const atX = indexOf(edgesX, w);
  const atY = indexOf(edgesY, h);
  // Integral images at the edges: uncertainty of unlabeled pixels, unlabeled count, per-class counts.
  const U = new Float64Array(ny * nx);
  const N = new Float64Array(ny * nx);
  const C = new Float64Array(ny * nx * K);
  // Running column sums at the edges over the rows so far (each row adds its prefix sums).
  const colU = new Float64Array(nx);
  const colN = new Float64Array(nx);
  const colC = new Float64Array(nx * K);
  const rc = new Float64Array(K);
  for (let y = 0; y < h; y++) {
    let ru = 0;
    let rn = 0;
    rc.fill(0);
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (s.labels[i] === UNLABELED) {
        ru += (s.entropy[i] / 255) * (s.classWeights ? (s.classWeights[s.classes[i]] ?? 1) : 1);
        rn++;
      }
      const c = s.classes[i];
      if (c < K) rc[c]++;
      const j = atX[x + 1];
      if (j >= 0) {
        colU[j] += ru;
        colN[j] += rn;
        for (let k = 0; k < K; k++) colC[j * K + k] += rc[k];
      }
    }
    const r = atY[y + 1];
    if (r >= 0) {
      U.set(colU, r * nx);
      N.set(colN, r * nx);
      C.set(colC, r * nx * K);
    }
  }
  const box = (A: Float64Array, x0: number, y0: number, x1: number, y1: number, k = 0, stride1 = 1) => {
    const [c0, c1, r0, r1] = [atX[x0], atX[x1], atY[y0], atY[y1]];
    return (
      A[(r1 * nx + c1) * stride1 + k] -
      A[(r0 * nx + c1) * stride1 + k] -
      A[(r1 * nx + c0) * stride1 + k] +
      A[(r0 * nx + c0) * stride1 + k]
    );
  };
  const candidates: RegionCandidate[] = [];
  for (const y0 of ys) {
    for (const x0 of xs) {
      const x1 = Math.min(w, x0 + side);
      const y1 = Math.min(h, y0 + side);
      const area = (x1 - x0) * (y1 - y0);
      const n = box(N, x0, y0, x1, y1);
      if (n < area * 0.05) continue; // mostly labeled already
      const meanU = box(U, x0, y0, x1, y1) / n;
      const mix = new Float64Array(K);
      let gini = 1;
      for (let k = 0; k < K; k++) {
        mix[k] = box(C, x0, y0, x1, y1, k, K) / area;
        gini -= mix[k] * mix[k];
      }
      const score = (0.25 + gini) * meanU * (n / area);
      candidates.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0, score, mix });
    }
  }
  return candidates;
}

/** Sorted distinct window edges along one axis (starts and ends, clipped to the size). */
function edges(starts: number[], side: number, size: number): number[] {
  return [...new Set([...starts, ...starts.map((v) => Math.min(size, v + side))])].sort((a, b) => a - b);
}

/** position -> index in `edges` (-1 where no edge), for positions 0..size. */
function indexOf(edges: number[], size: number): Int32Array {
  const at = new Int32Array(size + 1).fill(-1);
  edges.forEach((v, j) => (at[v] = j));
  return at;
}

/** Top regions of one image, best first, with NMS (see regionCandidates for the score). */
export function regionScores(s: ScoreInput, opts: RegionOptions): RegionScore[] {
  const candidates = regionCandidates(s, opts);
  const K = opts.numClasses;
  const kept: RegionCandidate[] = [];
  const maxOverlap = opts.maxOverlap ?? 0.1;
  const diverse = opts.diverse ?? DEFAULT_REGION_DIVERSE;
  const novelty = (c: RegionCandidate) => {
    if (!diverse || kept.length === 0) return 1;
    let nearest = 1;
    for (const k of kept) {
      let tv = 0;
      for (let j = 0; j < K; j++) tv += Math.abs(c.mix[j] - k.mix[j]);
      nearest = Math.min(nearest, tv / 2);
    }
    return 0.25 + 0.75 * nearest;
  };
  while (kept.length < (opts.topK ?? 3)) {
    let best: RegionCandidate | null = null;
    let bestValue = -Infinity;
    for (const c of candidates) {
      if (!kept.every((k) => iou(k, c) <= maxOverlap)) continue;
      const v = c.score * novelty(c);
      if (v > bestValue) [best, bestValue] = [c, v];
    }
    if (!best) break;
    kept.push(best);
  }
  return kept.map(toRegion);
}

const toRegion = ({ x, y, width, height, score }: RegionCandidate, i: number): RegionScore => ({
  id: i + 1,
  x,
  y,
  width,
  height,
  score: +score.toFixed(5),
});

/**
 * Class spread: picks the regions of a whole queue at once, so that one round's questions cover
 * many predicted classes instead of the same road edge twelve times. Greedy on a concave
 * per-class objective, sum over classes c of sqrt(M_c), where M_c is the uncertainty mass of
 * class c in the picked regions (region score x its fraction of predicted c) plus what the labels
 * so far already hold (`labeledShare`, scaled to one queue's worth of mass): each class's return
 * diminishes as it gets asked about, so an uncertain window of a class the round hasn't touched
 * beats a slightly more uncertain one of a class it has. At most `perImage` regions per image,
 * overlapping a kept region of the same image by at most maxOverlap IoU. Returns, per image, its
 * regions in the order picked.
 */
export function spreadRegions(
  perImage: readonly RegionCandidate[][],
  opts: { perImage: number; numClasses: number; maxOverlap?: number; labeledShare?: readonly number[] },
): RegionScore[][] {
  const K = opts.numClasses;
  const maxOverlap = opts.maxOverlap ?? 0.1;
  const want = perImage.length * opts.perImage;
  // One queue's worth of mass: the scores of the `want` best windows.
  const top = perImage
    .flat()
    .map((c) => c.score)
    .sort((a, b) => b - a)
    .slice(0, want);
  const queueMass = top.reduce((a, v) => a + v, 0);
  const M = Array.from({ length: K }, (_, c) => (opts.labeledShare?.[c] ?? 0) * queueMass);
  const kept: RegionCandidate[][] = perImage.map(() => []);
  for (let n = 0; n < want; n++) {
    let best: { img: number; c: RegionCandidate } | null = null;
    let bestGain = 0;
    perImage.forEach((cands, img) => {
      if (kept[img].length >= opts.perImage) return;
      for (const c of cands) {
        if (!kept[img].every((k) => iou(k, c) <= maxOverlap)) continue;
        let gain = 0;
        for (let k = 0; k < K; k++)
          if (c.mix[k] > 0) gain += Math.sqrt(M[k] + c.score * c.mix[k]) - Math.sqrt(M[k]);
        if (gain > bestGain) [best, bestGain] = [{ img, c }, gain];
      }
    });
    if (!best) break;
    const { img, c } = best as { img: number; c: RegionCandidate };
    kept[img].push(c);
    for (let k = 0; k < K; k++) M[k] += c.score * c.mix[k];
  }
  return kept.map((regions) => regions.map(toRegion));
}

function starts(size: number, side: number, stride: number): number[] {
  if (size <= side) return [0];
  const out: number[] = [];
  for (let v = 0; v + side <= size; v += stride) out.push(v);
  if (out[out.length - 1] + side < size) out.push(size - side);
  return out;
}

export function iou(a: { x: number; y: number; width: number; height: number }, b: typeof a): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * A layout descriptor of an image from its prediction: class frequencies in a 4x4 grid plus
 * the mean uncertainty per cell. Near-identical frames get near-identical descriptors.
 */
export function layoutDescriptor(s: ScoreInput, numClasses: number, grid = 4): Float32Array {
  const K1 = numClasses + 1;
  const d = new Float32Array(grid * grid * K1);
  const classCounts = new Int32Array(grid * grid * numClasses);
  // Column ranges of the grid's cells: cell gx holds columns [colStart[gx], colStart[gx + 1]).
  const colStart = new Int32Array(grid + 1).fill(s.width);
  for (let x = s.width - 1; x >= 0; x--) colStart[Math.min(grid - 1, Math.floor((x * grid) / s.width))] = x;
  for (let g = grid - 1; g >= 0; g--) colStart[g] = Math.min(colStart[g], colStart[g + 1]);
  const rowsIn = new Int32Array(grid);
  for (let y = 0; y < s.height; y++) {
    const gy = Math.min(grid - 1, Math.floor((y * grid) / s.height));
    rowsIn[gy]++;
    for (let gx = 0; gx < grid; gx++) {
      const cell = gy * grid + gx;
      // The entropy sum stays a float32 sum in pixel order (as when it was added to d directly).
      let u = d[cell * K1 + numClasses];
      for (let i = y * s.width + colStart[gx], end = y * s.width + colStart[gx + 1]; i < end; i++) {
        const c = s.classes[i];
        if (c < numClasses) classCounts[cell * numClasses + c]++;
        u = Math.fround(u + s.entropy[i] / 255);
      }
      d[cell * K1 + numClasses] = u;
    }
  }
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const cell = gy * grid + gx;
      const count = Math.max(1, rowsIn[gy] * (colStart[gx + 1] - colStart[gx]));
      for (let k = 0; k < numClasses; k++) d[cell * K1 + k] = classCounts[cell * numClasses + k] / count;
      d[cell * K1 + numClasses] /= count;
    }
  }
  return d;
}

export function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/**
 * How typical each image is of the set (information density): the mean Gaussian similarity of
 * its descriptor to the others' (at most 256 evenly spaced ones, so it stays linear in the number
 * of images), with the bandwidth the median of those distances; scaled so the most typical image
 * is 1. Multiplying uncertainty by it keeps one-off outliers from heading the queue.
 */
export function representativeness(desc: readonly Float32Array[]): number[] {
  const n = desc.length;
  if (n <= 2) return desc.map(() => 1);
  const step = Math.max(1, n / 256);
  const sample: number[] = [];
  for (let k = 0; k < n; k += step) sample.push(Math.floor(k));
  const dists = desc.map((d) => sample.map((j) => distance(d, desc[j])));
  const all = dists
    .flat()
    .filter((v) => v > 0)
    .sort((a, b) => a - b);
  const sigma = all.length ? all[Math.floor(all.length / 2)] : 1;
  const dens = dists.map(
    (row) => row.reduce((a, v) => a + Math.exp(-(v * v) / (2 * sigma * sigma)), 0) / row.length,
  );
  const max = Math.max(...dens, 1e-12);
  return dens.map((v) => v / max);
}

/**
 * Class-balance weights for scoring: sqrt(median / n_c) over the labeled pixel counts n_c,
 * clipped to [0.25, 4]; a class with no labels yet gets the largest weight (4), so the loop
 * goes looking for it.
 */
export function rarityWeights(counts: readonly number[]): number[] {
  const seen = counts.filter((n) => n > 0).sort((a, b) => a - b);
  if (seen.length === 0) return counts.map(() => 1);
  const median = seen[Math.floor((seen.length - 1) / 2)];
  return counts.map((n) => (n > 0 ? Math.min(4, Math.max(0.25, Math.sqrt(median / n))) : 4));
}
