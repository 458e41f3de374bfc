/**
 * Scribble propagation through superpixels (the idea of ScribbleSup, Lin et al. 2016): an image is
 * cut into SLIC superpixels (Achanta et al. 2012: k-means on CIELAB color + position, each center
 * searching a 2S x 2S window), and a superpixel whose scribbled pixels agree on one class hands
 * that class to its unlabeled pixels. The result is a denser, slightly noisy label map that
 * training uses beside the scribbles (method option `propagation`, docs/learning.md).
 *
 * Pure TypeScript on pixel arrays: no tensors, runs once per image before training.
 */
import { UNLABELED } from "./losses.ts";
import { fillRegion } from "../../labels/components.ts";

export interface SlicOptions {
  /** Grid step S in pixels: superpixels of about S x S. */
  regionSize: number;
  /** Weight of position against color (CIELAB units per S); higher = more compact. */
  compactness: number;
  iterations: number;
}

export const DEFAULT_SLIC: SlicOptions = { regionSize: 16, compactness: 10, iterations: 8 };

/** sRGB 0..255 (1, 3 or 4 channels) to CIELAB (D65), three Float32 planes. */
function toLab(pixels: Uint8Array, n: number, channels: number): [Float32Array, Float32Array, Float32Array] {
  const lin = new Float32Array(256);
  for (let v = 0; v < 256; v++) {
    const c = v / 255;
    lin[v] = c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  }
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const L = new Float32Array(n);
  const A = new Float32Array(n);
  const B = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const r = lin[pixels[o]];
    const g = channels >= 3 ? lin[pixels[o + 1]] : r;
    const b = channels >= 3 ? lin[pixels[o + 2]] : r;
    const x = f((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const y = f(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const z = f((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    L[i] = 116 * y - 16;
    A[i] = 500 * (x - y);
    B[i] = 200 * (y - z);
  }
  return [L, A, B];
}

/** SLIC superpixels: a label per pixel (0..count-1), every superpixel 4-connected. */
export function slic(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  options: Partial<SlicOptions> = {},
): { labels: Int32Array; count: number } {
  return slicLab(toLab(pixels, width * height, channels), width, height, options);
}

/** SLIC on an image already in CIELAB (three planes). */
function slicLab(
  [L, A, B]: [Float32Array, Float32Array, Float32Array],
  width: number,
  height: number,
  options: Partial<SlicOptions> = {},
): { labels: Int32Array; count: number } {
  const o = { ...DEFAULT_SLIC, ...options };
  const n = width * height;
  const S = Math.max(2, Math.round(o.regionSize));
  // Centers on a grid (cx, cy, l, a, b).
  const gx = Math.max(1, Math.round(width / S));
  const gy = Math.max(1, Math.round(height / S));
  const k = gx * gy;
  const cx = new Float64Array(k);
  const cy = new Float64Array(k);
  const cl = new Float64Array(k);
  const ca = new Float64Array(k);
  const cb = new Float64Array(k);
  for (let j = 0; j < gy; j++) {
    for (let i = 0; i < gx; i++) {
      const c = j * gx + i;
      const x = Math.min(width - 1, Math.floor(((i + 0.5) * width) / gx));
      const y = Math.min(height - 1, Math.floor(((j + 0.5) * height) / gy));
      cx[c] = x;
      cy[c] = y;
      const p = y * width + x;
      cl[c] = L[p];
      ca[c] = A[p];
      cb[c] = B[p];
    }
  }
  const label = new Int32Array(n).fill(-1);
  const dist = new Float32Array(n);
  const spatial = (o.compactness / S) ** 2;
  const sums = new Float64Array(k * 6);
  for (let it = 0; it < o.iterations; it++) {
    dist.fill(Infinity);
    for (let c = 0; c < k; c++) {
      const x0 = Math.max(0, Math.floor(cx[c] - S));
      const x1 = Math.min(width - 1, Math.ceil(cx[c] + S));
      const y0 = Math.max(0, Math.floor(cy[c] - S));
      const y1 = Math.min(height - 1, Math.ceil(cy[c] + S));
      for (let y = y0; y <= y1; y++) {
        const dy2 = (y - cy[c]) ** 2;
        let p = y * width + x0;
        for (let x = x0; x <= x1; x++, p++) {
          const dl = L[p] - cl[c];
          const da = A[p] - ca[c];
          const db = B[p] - cb[c];
          const d = dl * dl + da * da + db * db + spatial * ((x - cx[c]) ** 2 + dy2);
          if (d < dist[p]) {
            dist[p] = d;
            label[p] = c;
          }
        }
      }
    }
    sums.fill(0);
    for (let p = 0; p < n; p++) {
      const c = label[p];
      if (c < 0) continue;
      const s = c * 6;
      sums[s] += p % width;
      sums[s + 1] += Math.floor(p / width);
      sums[s + 2] += L[p];
      sums[s + 3] += A[p];
      sums[s + 4] += B[p];
      sums[s + 5]++;
    }
    for (let c = 0; c < k; c++) {
      const m = sums[c * 6 + 5];
      if (m === 0) continue;
      cx[c] = sums[c * 6] / m;
      cy[c] = sums[c * 6 + 1] / m;
      cl[c] = sums[c * 6 + 2] / m;
      ca[c] = sums[c * 6 + 3] / m;
      cb[c] = sums[c * 6 + 4] / m;
    }
  }
  return mergeFragments(connect(label, width, height), width, L, A, B, Math.floor((S * S) / 4));
}

/**
 * Relabels 4-connected components 0..count-1 (one flood fill each, labels/components.ts). Stray
 * fragments stay superpixels of their own here; mergeFragments decides where small ones go.
 */
function connect(label: Int32Array, width: number, height: number): { labels: Int32Array; count: number } {
  const n = width * height;
  const out = new Int32Array(n);
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  let count = 0;
  for (let start = 0; start < n; start++) {
    if (seen[start]) continue;
    for (const p of fillRegion(label, width, height, start, seen, stack).pixels) out[p] = count;
    count++;
  }
  return { labels: out, count };
}

/**
 * Fragments smaller than `minSize` (SLIC leaves some along noisy edges) join the neighbouring
 * superpixel closest to them in mean color, so they neither stay tiny nor cross an edge blindly.
 */
function mergeFragments(
  seg: { labels: Int32Array; count: number },
  width: number,
  L: Float32Array,
  A: Float32Array,
  B: Float32Array,
  minSize: number,
): { labels: Int32Array; count: number } {
  const { labels, count } = seg;
  const n = labels.length;
  const size = new Float64Array(count);
  const mean = new Float64Array(count * 3);
  for (let p = 0; p < n; p++) {
    const c = labels[p];
    size[c]++;
    mean[c * 3] += L[p];
    mean[c * 3 + 1] += A[p];
    mean[c * 3 + 2] += B[p];
  }
  for (let c = 0; c < count; c++) for (let j = 0; j < 3; j++) mean[c * 3 + j] /= Math.max(1, size[c]);
  const target = new Int32Array(count);
  for (let c = 0; c < count; c++) target[c] = c;
  const best = new Float64Array(count).fill(Infinity);
  const consider = (c: number, d: number) => {
    if (c === d || size[c] >= minSize || size[d] < minSize) return;
    const dist =
      (mean[c * 3] - mean[d * 3]) ** 2 +
      (mean[c * 3 + 1] - mean[d * 3 + 1]) ** 2 +
      (mean[c * 3 + 2] - mean[d * 3 + 2]) ** 2;
    if (dist < best[c]) {
      best[c] = dist;
      target[c] = d;
    }
  };
  for (let p = 0; p < n; p++) {
    const c = labels[p];
    if (size[c] >= minSize) continue;
    if (p % width > 0) consider(c, labels[p - 1]);
    if (p % width < width - 1) consider(c, labels[p + 1]);
    if (p >= width) consider(c, labels[p - width]);
    if (p < n - width) consider(c, labels[p + width]);
  }
  // Renumber the superpixels that remain 0..k-1.
  const id = new Int32Array(count).fill(-1);
  let k = 0;
  for (let c = 0; c < count; c++) if (target[c] === c) id[c] = k++;
  const out = new Int32Array(n);
  for (let p = 0; p < n; p++) out[p] = id[target[labels[p]]];
  return { labels: out, count: k };
}

export interface PropagationOptions {
  enabled: boolean;
  /** Superpixel size in pixels at the image's own resolution (scaled by the caller for big images). */
  regionSize: number;
  compactness: number;
  /** A superpixel takes a class when at least this share of its scribbled pixels have it. */
  purity: number;
  /** ... and at least this many of its pixels are scribbled. */
  minScribbled: number;
  /**
   * ... and the mean CIELAB color of its unscribbled pixels is within this distance (Delta E) of
   * its scribbled pixels' mean: a stroke on a thin structure does not spread to the background
   * its superpixel also covers. 0: no color gate.
   */
  colorGate: number;
}

/**
 * Labels spread from scribbles to whole superpixels. Scribbled pixels keep their class; other
 * pixels get the class of their superpixel when its scribbles agree, else stay UNLABELED.
 */
export function propagateScribbles(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: number,
  scribbles: Uint8Array,
  numClasses: number,
  options: Omit<PropagationOptions, "enabled">,
): Uint8Array {
  const lab = toLab(pixels, width * height, channels);
  const { labels: sp, count } = slicLab(lab, width, height, {
    regionSize: options.regionSize,
    compactness: options.compactness,
  });
  const votes = new Int32Array(count * numClasses);
  // Per superpixel: summed L, a, b and count of its scribbled pixels, then of the others.
  const colors = new Float64Array(count * 8);
  for (let p = 0; p < sp.length; p++) {
    const v = scribbles[p];
    if (v < numClasses) votes[sp[p] * numClasses + v]++;
    const o = sp[p] * 8 + (v < numClasses ? 0 : 4);
    colors[o] += lab[0][p];
    colors[o + 1] += lab[1][p];
    colors[o + 2] += lab[2][p];
    colors[o + 3]++;
  }
  const colorDistance = (s: number) => {
    const o = s * 8;
    if (colors[o + 7] === 0) return 0;
    let d = 0;
    for (let j = 0; j < 3; j++) d += (colors[o + j] / colors[o + 3] - colors[o + 4 + j] / colors[o + 7]) ** 2;
    return Math.sqrt(d);
  };
  const winner = new Int32Array(count).fill(UNLABELED);
  for (let s = 0; s < count; s++) {
    let total = 0;
    let best = -1;
    let bestVotes = 0;
    for (let c = 0; c < numClasses; c++) {
      const v = votes[s * numClasses + c];
      total += v;
      if (v > bestVotes) {
        bestVotes = v;
        best = c;
      }
    }
    if (total < options.minScribbled || bestVotes < options.purity * total) continue;
    if (options.colorGate > 0 && colorDistance(s) > options.colorGate) continue;
    winner[s] = best;
  }
  const out = new Uint8Array(sp.length);
  for (let p = 0; p < sp.length; p++) out[p] = scribbles[p] < numClasses ? scribbles[p] : winner[sp[p]];
  return out;
}
