/**
 * A random forest classifier of our own, small and fast enough for the pixel classifier:
 * Breiman's recipe (bootstrap sample per tree, sqrt(F) random candidate features per split, Gini
 * impurity, leaves holding class frequencies, probabilities averaged over trees) with a depth
 * limit and a minimum leaf size. Splits are searched on quantile bins (bins.ts): per candidate
 * feature one pass fills class counts per bin, then one sweep over the bins scores every cut.
 * Deterministic: the same data, options and seed give the same trees.
 *
 * Trees are flat typed arrays; prediction walks blocks of pixels through one tree at a time so
 * the tree and the block's feature rows stay in cache.
 */
import { seededRandom } from "../../engine/random.ts";
import { binFeatures, type BinnedFeatures } from "./bins.ts";

export interface ForestOptions {
  trees: number;
  maxDepth: number;
  /** smallest number of (bootstrap) samples in a leaf */
  minLeaf: number;
  seed: number;
  /** candidate features per split; default round(sqrt(F)) */
  featuresPerSplit?: number;
  /** quantile bins per feature, 2..256 */
  maxBins?: number;
}

/**
 * One tree. Node i splits `x[feature[i]] <= threshold[i]` -> node child[i], else child[i] + 1.
 * A leaf has feature[i] < 0 and child[i] = its leaf index l, whose nonzero class frequencies are
 * entries leafStart[l] .. leafStart[l + 1] - 1 of leafClass / leafProb (sparse: most leaves hold
 * one to three classes, so prediction adds a few numbers per tree and pixel, not numClasses).
 */
export interface Tree {
  feature: Int16Array;
  threshold: Float32Array;
  child: Int32Array;
  leafStart: Int32Array;
  leafClass: Uint8Array;
  leafProb: Float32Array;
}

export interface Forest {
  numClasses: number;
  featureCount: number;
  trees: Tree[];
}

/** Training set: `x` sample-major (n x featureCount), `y` class per sample (< numClasses). */
export interface TrainingSet {
  x: Float32Array;
  y: Uint8Array;
  n: number;
  featureCount: number;
  numClasses: number;
}

export function trainForest(data: TrainingSet, options: ForestOptions): Forest {
  const { n, featureCount, numClasses } = data;
  if (n === 0) throw new Error("random forest: no training samples");
  if (featureCount > 32767) throw new Error("random forest: too many features");
  const binned = binFeatures(data.x, n, featureCount, options.maxBins ?? 256);
  const mtry = Math.max(
    1,
    Math.min(featureCount, options.featuresPerSplit ?? Math.round(Math.sqrt(featureCount))),
  );
  const trees: Tree[] = [];
  for (let t = 0; t < options.trees; t++) {
    const random = seededRandom((options.seed * 7919 + t * 104729 + 1) >>> 0);
    trees.push(growTree(binned, data.y, numClasses, mtry, options, random));
  }
  return { numClasses, featureCount, trees };
}

function growTree(
  data: BinnedFeatures,
  y: Uint8Array,
  k: number,
  mtry: number,
  options: ForestOptions,
  random: () => number,
): Tree {
  const { n, featureCount, bins, cuts } = data;
  const minLeaf = Math.max(1, options.minLeaf);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = Math.floor(random() * n); // bootstrap
  const capacity = 2 * n + 1;
  const feature = new Int16Array(capacity);
  const threshold = new Float32Array(capacity);
  const child = new Int32Array(capacity);
  const leafStart: number[] = [0];
  const leafClass: number[] = [];
  const leafProb: number[] = [];
  let nodes = 1;
  let leaves = 0;

  const perm = new Int32Array(featureCount).map((_, i) => i);
  const hist = new Int32Array(256 * k);
  const binCount = new Int32Array(256);
  const total = new Int32Array(k);
  const left = new Int32Array(k);
  const right = new Int32Array(k);
  // work stack: node, start, end, depth
  const stack: number[] = [0, 0, n, 0];

  while (stack.length > 0) {
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    const node = stack.pop()!;
    const count = end - start;
    total.fill(0);
    for (let i = start; i < end; i++) total[y[idx[i]]]++;
    let sumSq = 0;
    let present = 0;
    for (let c = 0; c < k; c++) {
      sumSq += total[c] * total[c];
      if (total[c] > 0) present++;
    }
    let bestFeature = -1;
    let bestBin = 0;
    if (present > 1 && depth < options.maxDepth && count >= 2 * minLeaf) {
      let bestScore = sumSq / count + 1e-9; // must beat the parent (Gini decrease > 0)
      for (let j = 0; j < mtry; j++) {
        const swap = j + Math.floor(random() * (featureCount - j));
        const f = perm[swap];
        perm[swap] = perm[j];
        perm[j] = f;
        const col = f * n;
        for (let i = start; i < end; i++) {
          const s = idx[i];
          const b = bins[col + s];
          hist[b * k + y[s]]++;
          binCount[b]++;
        }
        left.fill(0);
        right.set(total);
        let leftN = 0;
        let sumL = 0;
        let sumR = sumSq;
        const lastBin = cuts[f].length;
        for (let b = 0; b <= lastBin; b++) {
          const nb = binCount[b];
          if (nb === 0) continue;
          binCount[b] = 0;
          const row = b * k;
          for (let c = 0; c < k; c++) {
            const v = hist[row + c];
            if (v === 0) continue;
            hist[row + c] = 0;
            sumL += v * (2 * left[c] + v);
            sumR -= v * (2 * right[c] - v);
            left[c] += v;
            right[c] -= v;
          }
          leftN += nb;
          const rightN = count - leftN;
          if (leftN < minLeaf || rightN < minLeaf) continue;
          const score = sumL / leftN + sumR / rightN;
          if (score > bestScore) {
            bestScore = score;
            bestFeature = f;
            bestBin = b;
          }
        }
      }
    }
    if (bestFeature < 0) {
      feature[node] = -1;
      child[node] = leaves++;
      for (let c = 0; c < k; c++) {
        if (total[c] === 0) continue;
        leafClass.push(c);
        leafProb.push(total[c] / count);
      }
      leafStart.push(leafClass.length);
      continue;
    }
    // partition idx[start, end) into bin <= bestBin, then the rest
    const col = bestFeature * n;
    let lo = start;
    let hi = end - 1;
    while (lo <= hi) {
      if (bins[col + idx[lo]] <= bestBin) lo++;
      else {
        const t = idx[lo];
        idx[lo] = idx[hi];
        idx[hi--] = t;
      }
    }
    feature[node] = bestFeature;
    threshold[node] = cuts[bestFeature][bestBin];
    child[node] = nodes;
    stack.push(nodes + 1, lo, end, depth + 1, nodes, start, lo, depth + 1);
    nodes += 2;
  }
  return {
    feature: feature.slice(0, nodes),
    threshold: threshold.slice(0, nodes),
    child: child.slice(0, nodes),
    leafStart: Int32Array.from(leafStart),
    leafClass: Uint8Array.from(leafClass),
    leafProb: Float32Array.from(leafProb),
  };
}

/**
 * Class probabilities of `n` pixels (`x` pixel-major, forest.featureCount per pixel), the mean
 * of the trees' leaf frequencies, written to `out` (n x numClasses). Pixels go in blocks through
 * one tree after another, summing into a small block buffer that stays in cache.
 */
export function predictForest(forest: Forest, x: Float32Array, n: number, out: Float32Array): void {
  const { numClasses: k, featureCount: fc, trees } = forest;
  if (x.length < n * fc) throw new Error("random forest: feature rows too short");
  if (out.length < n * k) throw new Error("random forest: output too short");
  const block = 256;
  const acc = new Float32Array(block * k);
  const scale = 1 / trees.length;
  for (let p0 = 0; p0 < n; p0 += block) {
    const p1 = Math.min(n, p0 + block);
    acc.fill(0);
    for (const tree of trees) {
      const { feature, threshold, child, leafStart, leafClass, leafProb } = tree;
      for (let p = p0; p < p1; p++) {
        const row = p * fc;
        let node = 0;
        let f = feature[0];
        while (f >= 0) {
          node = x[row + f] <= threshold[node] ? child[node] : child[node] + 1;
          f = feature[node];
        }
        const leaf = child[node];
        const dst = (p - p0) * k;
        for (let e = leafStart[leaf]; e < leafStart[leaf + 1]; e++) acc[dst + leafClass[e]] += leafProb[e];
      }
    }
    for (let i = 0, o = p0 * k; i < (p1 - p0) * k; i++, o++) out[o] = acc[i] * scale;
  }
}
