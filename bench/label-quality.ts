/**
 * Diagnostics of the labels a trained model would add, per class, against the train images'
 * dense ground truth (bench:accuracy --pseudo and --superpixels): coverage (the share of the
 * class's pixels given that class) and precision (the share of the pixels given the class that
 * are of it). Void pixels (>= the class count) are left out; so are the pixels the scribbles
 * already label, which a pseudo-label never replaces.
 */
import { predict, type Prediction } from "../app/ml/prediction/predict.ts";
import type { SegmentationNetwork } from "../app/ml/model/network.ts";
import { slic } from "../app/ml/method/propagation.ts";
import { classThresholds, superpixelCandidates, superpixelLabels } from "../app/ml/method/self-training.ts";
import { DEFAULT_METHOD } from "../app/ml/method/method.ts";
import type { Domain } from "./bench-domains.ts";

export interface LabelQuality {
  coverage: (number | null)[];
  precision: (number | null)[];
}

type TrainImage = Domain["train"][number];

/** Coverage and precision of `given` (per train image, a class per pixel or >= k for none). */
function quality(
  images: readonly TrainImage[],
  k: number,
  given: readonly ArrayLike<number>[],
): LabelQuality {
  const classPixels = new Float64Array(k);
  const chosen = new Float64Array(k);
  const right = new Float64Array(k);
  images.forEach((t, n) => {
    const g = t.gt!;
    const labels = given[n];
    for (let i = 0; i < g.length; i++) {
      if (g[i] >= k || t.labels[i] < k) continue;
      classPixels[g[i]]++;
      const c = labels[i];
      if (c >= k) continue;
      chosen[c]++;
      if (c === g[i]) right[c]++;
    }
  });
  const ratio = (a: Float64Array, b: Float64Array) => Array.from(a, (v, c) => (b[c] > 0 ? v / b[c] : null));
  return { coverage: ratio(right, classPixels), precision: ratio(right, chosen) };
}

function predictions(net: SegmentationNetwork, images: readonly TrainImage[]): Prediction[] {
  return images.map((t) => predict(net, t.image, { scale: net.config.inputScale ?? 1 }));
}

/** --pseudo TAU: the model's class where its confidence is >= tau (what a teacher's pseudo-labels cover). */
export function confidentPixelQuality(net: SegmentationNetwork, domain: Domain, tau: number): LabelQuality {
  const k = domain.classNames.length;
  const images = domain.train.filter((t) => t.gt);
  const given = predictions(net, images).map((p) =>
    Uint8Array.from(p.classMap, (c, i) => (p.confidence[i] >= tau ? c : k)),
  );
  return quality(images, k, given);
}

/**
 * --superpixels PORTION: what a self-training round would label (self-training.ts: pure
 * superpixels, per class the most confident `portion`, the default floor and purity).
 */
export function superpixelQuality(net: SegmentationNetwork, domain: Domain, portion: number): LabelQuality {
  const k = domain.classNames.length;
  const { tau, purity, regionSize } = DEFAULT_METHOD.selfTraining;
  const images = domain.train.filter((t) => t.gt);
  const superpixels = images.map((t) =>
    slic(t.image.pixels, t.image.width, t.image.height, t.image.channels, { regionSize }),
  );
  const candidates = predictions(net, images).map((p, n) =>
    superpixelCandidates(p.classMap, p.confidence, superpixels[n].labels, superpixels[n].count, k, purity),
  );
  const bars = classThresholds(candidates, k, portion, tau);
  const given = images.map((t, n) =>
    superpixelLabels(t.labels, superpixels[n].labels, candidates[n], bars, k),
  );
  return quality(images, k, given);
}
