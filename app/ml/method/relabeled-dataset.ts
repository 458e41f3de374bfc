/**
 * Training datasets whose labeled samples get denser labels before training sees them: the
 * scribbles spread to superpixels (propagation.ts), or the pixel classifier's confident classes
 * (forest-labels.ts). Each sample is relabeled the first time it is drawn and kept: the cost is
 * spread over the first epoch instead of delaying the first step (and never paid for samples a
 * short run does not reach).
 */
import { hasLabels } from "../training/augment.ts";
import { propagateScribbles, type PropagationOptions } from "./propagation.ts";
import type { TrainingDataset, TrainingSample } from "../training/train.ts";

/** `dataset` with `relabel(sample)` as the labels of every sample that has a labeled pixel. */
export function relabeledDataset(
  dataset: TrainingDataset,
  relabel: (sample: TrainingSample & { labels: Uint8Array }) => Uint8Array,
): TrainingDataset {
  const cache = new Map<number, TrainingSample>();
  return {
    size: dataset.size,
    get: (i) => {
      let s = cache.get(i);
      if (!s) {
        s = dataset.get(i);
        if (s.labels && hasLabels(s))
          s = { ...s, labels: relabel(s as TrainingSample & { labels: Uint8Array }) };
        cache.set(i, s);
      }
      return s;
    },
  };
}

/** The dataset with every labeled sample's scribbles spread to their superpixels. */
export function propagatedDataset(
  dataset: TrainingDataset,
  numClasses: number,
  options: Omit<PropagationOptions, "enabled">,
): TrainingDataset {
  return relabeledDataset(dataset, (s) =>
    // Superpixel size is given for the original image; a resized sample gets it resized too.
    propagateScribbles(s.pixels, s.width, s.height, s.channels, s.labels, numClasses, {
      ...options,
      regionSize: options.regionSize * (s.scale ?? 1),
    }),
  );
}
