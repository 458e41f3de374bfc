/**
 * Self-training rounds at superpixel level (ST++ style, Yang et al., CVPR 2022, adapted to sparse
 * labels), with class-balanced selection (CBST, Zou et al., ECCV 2018): at set fractions of the
 * training budget the model (the mean teacher when there is one) predicts each labeled train
 * image once. A SLIC superpixel whose most predicted class holds most of its pixels (`purity`) is
 * a candidate for that class; per class, the `portion` of its candidates with the highest mean
 * confidence (over all images of the round) label their pixels nobody labeled, as long as that
 * confidence is at least `tau`. A share per class, not one confidence bar for all: a bar the
 * frequent classes pass leaves rare ones without any (with a bar of 0.9 a round on camvid-dev
 * labeled 8 pixels in all). Human, propagated and pixel-classifier labels are never
 * overwritten; a later round starts again from them (its own earlier labels are replaced).
 */
import type { SegmentationNetwork } from "../model/network.ts";
import { predict } from "../prediction/predict.ts";
import type { TrainingDataset, TrainingSample } from "../training/train.ts";
import { UNLABELED } from "./losses.ts";
import { slic } from "./propagation.ts";

export interface SelfTrainingOptions {
  enabled: boolean;
  /** Fractions of the budget (0..1) at which a round runs. */
  at: number[];
  /** Per class, the share of its candidate superpixels kept, most confident first ... */
  portion: number;
  /** ... as long as their mean confidence is at least this. */
  tau: number;
  /** A superpixel is a candidate when its most predicted class holds at least this share of its pixels. */
  purity: number;
  /** Superpixel size in pixels at the image's own resolution. */
  regionSize: number;
}

/** Per superpixel: the class it is a candidate for (UNLABELED: none) and its mean confidence. */
export interface SuperpixelCandidates {
  classes: Int32Array;
  confidence: Float32Array;
}

/**
 * The candidates of one image: per superpixel of `superpixels` (`count` of them), the class most
 * of its pixels are predicted as (of `classMap`) when it holds >= purity of them, and the mean
 * `confidence`.
 */
export function superpixelCandidates(
  classMap: Uint8Array,
  confidence: Float32Array,
  superpixels: Int32Array,
  count: number,
  numClasses: number,
  purity: number,
): SuperpixelCandidates {
  const votes = new Int32Array(count * numClasses);
  const sure = new Float64Array(count);
  const size = new Int32Array(count);
  for (let p = 0; p < classMap.length; p++) {
    const s = superpixels[p];
    votes[s * numClasses + classMap[p]]++;
    sure[s] += confidence[p];
    size[s]++;
  }
  const classes = new Int32Array(count).fill(UNLABELED);
  const mean = new Float32Array(count);
  for (let s = 0; s < count; s++) {
    if (size[s] === 0) continue;
    mean[s] = sure[s] / size[s];
    let best = 0;
    for (let c = 1; c < numClasses; c++)
      if (votes[s * numClasses + c] > votes[s * numClasses + best]) best = c;
    if (votes[s * numClasses + best] >= purity * size[s]) classes[s] = best;
  }
  return { classes, confidence: mean };
}

/**
 * Per class, the mean confidence a candidate needs: that of the `portion` most confident (at least one)
 * candidates of the class over all `images`, and at least `tau`. Infinity for a class without
 * candidates (or with a portion of 0).
 */
export function classThresholds(
  images: readonly SuperpixelCandidates[],
  numClasses: number,
  portion: number,
  tau: number,
): Float32Array {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (const { classes, confidence } of images)
    for (let s = 0; s < classes.length; s++)
      if (classes[s] < numClasses) byClass[classes[s]].push(confidence[s]);
  return Float32Array.from(byClass, (values) => {
    const keep = Math.ceil(Math.min(1, Math.max(0, portion)) * values.length);
    if (keep === 0) return Infinity;
    values.sort((a, b) => b - a);
    return Math.max(tau, values[keep - 1]);
  });
}

/**
 * New labels for one image: `labels` (kept where set) plus, in each candidate superpixel whose
 * mean confidence reaches its class's threshold, that class on its unlabeled pixels.
 */
export function superpixelLabels(
  labels: Uint8Array,
  superpixels: Int32Array,
  candidates: SuperpixelCandidates,
  thresholds: Float32Array,
  numClasses: number,
): Uint8Array {
  const { classes, confidence } = candidates;
  const winner = Int32Array.from(classes, (c, s) =>
    c < numClasses && confidence[s] >= thresholds[c] ? c : UNLABELED,
  );
  const out = new Uint8Array(labels.length);
  for (let p = 0; p < labels.length; p++)
    out[p] = labels[p] < numClasses ? labels[p] : winner[superpixels[p]];
  return out;
}

/** A dataset whose samples' labels a round may replace (by index); the others as they are. */
export class SelfTrainedDataset implements TrainingDataset {
  private readonly labels = new Map<number, Uint8Array>();
  constructor(private readonly base: TrainingDataset) {}
  get size(): number {
    return this.base.size;
  }
  get(i: number): TrainingSample {
    const s = this.base.get(i);
    const l = this.labels.get(i);
    return l ? { ...s, labels: l } : s;
  }
  /** The sample's labels before any round (human, propagated, from the pixel classifier). */
  baseLabels(i: number): Uint8Array | undefined {
    return this.base.get(i).labels;
  }
  set(i: number, labels: Uint8Array): void {
    this.labels.set(i, labels);
  }
}

/**
 * One round over `indices` (labeled samples): returns the pixels labeled by the round. Runs in
 * the training thread between steps; `net` predicts in inference mode. Each image is predicted
 * once; its superpixels are computed again for the labels (kept in between they would cost 4
 * bytes per pixel of every image).
 */
export function selfTrainingRound(
  net: SegmentationNetwork,
  dataset: SelfTrainedDataset,
  indices: readonly number[],
  options: Pick<SelfTrainingOptions, "portion" | "tau" | "purity" | "regionSize">,
): { images: number; added: number } {
  const k = net.config.numClasses;
  const superpixelsOf = (sample: TrainingSample) =>
    slic(sample.pixels, sample.width, sample.height, sample.channels, {
      regionSize: Math.max(2, options.regionSize * (sample.scale ?? 1)),
    });
  const found: { index: number; candidates: SuperpixelCandidates }[] = [];
  for (const i of indices) {
    if (!dataset.baseLabels(i)) continue;
    const sample = dataset.get(i);
    const scale = (net.config.inputScale ?? 1) / (sample.scale ?? 1);
    const p = predict(net, sample, { scale });
    const sp = superpixelsOf(sample);
    found.push({
      index: i,
      candidates: superpixelCandidates(p.classMap, p.confidence, sp.labels, sp.count, k, options.purity),
    });
  }
  const thresholds = classThresholds(
    found.map((f) => f.candidates),
    k,
    options.portion,
    options.tau,
  );
  let added = 0;
  for (const { index, candidates } of found) {
    const base = dataset.baseLabels(index)!;
    const next = superpixelLabels(base, superpixelsOf(dataset.get(index)).labels, candidates, thresholds, k);
    for (let q = 0; q < next.length; q++) if (base[q] >= k && next[q] < k) added++;
    dataset.set(index, next);
  }
  return { images: found.length, added };
}
