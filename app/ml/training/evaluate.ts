/** Held-out evaluation of a network on images with (dense or sparse) ground truth. */
import type { SegmentationNetwork } from "../model/network.ts";
import { predict } from "../prediction/predict.ts";
import type { RawImage } from "../model/image.ts";
import { ConfusionMatrix, type SegmentationMetrics } from "../prediction/metrics.ts";

export interface EvaluationSample {
  image: RawImage;
  /** Class per pixel; values >= numClasses (e.g. 255) are ignored. */
  gt: Uint8Array;
  /** How much image and gt were already resized from the original (default 1): prediction resizes the rest of the way. */
  scale?: number;
}

export function evaluateNetwork(
  net: SegmentationNetwork,
  samples: readonly EvaluationSample[],
  ignore?: number,
  options: { flip?: boolean } = {},
): SegmentationMetrics {
  const m = new ConfusionMatrix(net.config.numClasses);
  for (const s of samples) {
    const scale = (net.config.inputScale ?? 1) / (s.scale ?? 1);
    m.add(predict(net, s.image, { scale, flip: options.flip }).classMap, s.gt, ignore);
  }
  return m.metrics();
}
