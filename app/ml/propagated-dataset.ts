/**
 * Scribbles spread to superpixels as a training dataset: the propagation (propagation.ts) of each
 * labeled sample, made lazily and kept.
 */
import { hasLabels } from "./augment.ts";
import { propagateScribbles, type PropagationOptions } from "./propagation.ts";
import type { TrainingDataset, TrainingSample } from "./train.ts";

/**
 * The dataset with every labeled sample's scribbles spread to their superpixels (propagation.ts),
 * computed the first time a sample is drawn and kept: the cost is spread over the first epoch
 * instead of delaying the first step (and never paid for samples a short run does not reach).
 */
export function propagatedDataset(
  dataset: TrainingDataset,
  numClasses: number,
  options: Omit<PropagationOptions, "enabled">,
): TrainingDataset {
  const cache = new Map<number, TrainingSample>();
  return {
    size: dataset.size,
    get: (i) => {
      let s = cache.get(i);
      if (!s) {
        s = dataset.get(i);
        if (s.labels && hasLabels(s)) {
          // Superpixel size is given for the original image; a resized sample gets it resized too.
          const labels = propagateScribbles(s.pixels, s.width, s.height, s.channels, s.labels, numClasses, {
            ...options,
            regionSize: options.regionSize * (s.scale ?? 1),
          });
          s = { ...s, labels };
        }
        cache.set(i, s);
      }
      return s;
    },
  };
}
