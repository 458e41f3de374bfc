/**
 * The classical pixel classifier as a teacher: a random forest on filter features
 * (pixel-classifier/) is trained on the human scribbles before the first step, and every labeled
 * training image's pixels that nobody labeled (and propagation left unlabeled) take the forest's
 * class where its probability is at least `tau`. With sparse scribbles a network with a large
 * receptive field can learn where the labels lie instead of what they mark (on the membranes
 * domain it grows every membrane into its unlabeled surroundings); the forest sees only local
 * filter responses and labels those surroundings (bench/results/accuracy.md).
 *
 * Computed the first time a sample is drawn and kept, like propagation: the cost (training the
 * forest, ~1 s per 480x360 image to predict) is part of the training budget.
 */
import { UNLABELED } from "./losses.ts";
import type { TrainingDataset, TrainingSample } from "../training/train.ts";
import { hasLabels } from "../training/augment.ts";
import { relabeledDataset } from "./relabeled-dataset.ts";
import type { ForestLabelOptions } from "./method.ts";
import { trainPixelClassifier, type PixelClassifier } from "./pixel-classifier/index.ts";

/**
 * `dataset` with forest labels added to its labeled samples. The forest learns from `scribbles`
 * (the human labels, before any propagation); `dataset` may already carry propagated labels,
 * which the forest's never replace.
 */
export function forestLabeledDataset(
  dataset: TrainingDataset,
  scribbles: TrainingDataset,
  numClasses: number,
  options: Omit<ForestLabelOptions, "enabled">,
  seed: number,
): TrainingDataset {
  let forest: PixelClassifier | undefined;
  const teacher = () => {
    if (!forest) {
      const samples: Array<{ image: TrainingSample; labels: Uint8Array }> = [];
      for (let i = 0; i < scribbles.size; i++) {
        const s = scribbles.get(i);
        if (s.labels && hasLabels(s)) samples.push({ image: s, labels: s.labels });
      }
      forest = trainPixelClassifier(samples, numClasses, { seed });
    }
    return forest;
  };
  return relabeledDataset(dataset, (s) => {
    const { probabilities } = teacher().predict(s);
    const labels = Uint8Array.from(s.labels);
    for (let p = 0; p < labels.length; p++) {
      if (labels[p] !== UNLABELED) continue;
      let best = 0;
      for (let c = 1; c < numClasses; c++)
        if (probabilities[p * numClasses + c] > probabilities[p * numClasses + best]) best = c;
      if (probabilities[p * numClasses + best] >= options.tau) labels[p] = best;
    }
    return labels;
  });
}
