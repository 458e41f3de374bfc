/**
 * Self-training rounds at superpixel level (ST++ style, Yang et al., CVPR 2022, adapted to sparse
 * labels): at set fractions of the training budget the model (the mean teacher when there is
 * one) predicts each labeled train image once; per SLIC superpixel, when the prediction is
 * confident on average and one class holds most of its pixels, that class labels the
 * superpixel's pixels nobody labeled. Human, propagated and pixel-classifier labels are never
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
  /** A superpixel is kept when its mean confidence is at least this ... */
  tau: number;
  /** ... and its most predicted class holds at least this share of its pixels. */
  purity: number;
  /** Superpixel size in pixels at the image's own resolution. */
  regionSize: number;
}

/**
 * New labels for one image: `labels` (kept where set) plus, in each superpixel of `superpixels`
 * whose mean `confidence` >= tau and whose most predicted class (of `classMap`) has >= purity of
 * its pixels, that class on its unlabeled pixels.
 */
export function superpixelVotes(
  classMap: Uint8Array,
  confidence: Float32Array,
  superpixels: Int32Array,
  count: number,
  labels: Uint8Array,
  numClasses: number,
  tau: number,
  purity: number,
): Uint8Array {
  const votes = new Int32Array(count * numClasses);
  const sure = new Float64Array(count);
  const size = new Int32Array(count);
  for (let p = 0; p < classMap.length; p++) {
    const s = superpixels[p];
    votes[s * numClasses + classMap[p]]++;
    sure[s] += confidence[p];
    size[s]++;
  }
  const winner = new Int32Array(count).fill(UNLABELED);
  for (let s = 0; s < count; s++) {
    if (size[s] === 0 || sure[s] / size[s] < tau) continue;
    let best = 0;
    for (let c = 1; c < numClasses; c++)
      if (votes[s * numClasses + c] > votes[s * numClasses + best]) best = c;
    if (votes[s * numClasses + best] >= purity * size[s]) winner[s] = best;
  }
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
 * the training thread between steps; `net` predicts in inference mode.
 */
export function selfTrainingRound(
  net: SegmentationNetwork,
  dataset: SelfTrainedDataset,
  indices: readonly number[],
  options: Pick<SelfTrainingOptions, "tau" | "purity" | "regionSize">,
): { images: number; added: number } {
  const k = net.config.numClasses;
  let added = 0;
  let images = 0;
  for (const i of indices) {
    const sample = dataset.get(i);
    const base = dataset.baseLabels(i);
    if (!base) continue;
    const scale = (net.config.inputScale ?? 1) / (sample.scale ?? 1);
    const p = predict(net, sample, { scale });
    const sp = slic(sample.pixels, sample.width, sample.height, sample.channels, {
      regionSize: Math.max(2, options.regionSize * (sample.scale ?? 1)),
    });
    const next = superpixelVotes(
      p.classMap,
      p.confidence,
      sp.labels,
      sp.count,
      base,
      k,
      options.tau,
      options.purity,
    );
    for (let q = 0; q < next.length; q++) if (base[q] >= k && next[q] < k) added++;
    dataset.set(i, next);
    images++;
  }
  return { images, added };
}
