import type { ProjectStore } from "../store/project-store.ts";
import { encodeRle, decodeRle } from "../labels/rle.ts";
import {
  decodeLayer,
  latestPredictionModelId,
  readStoredPrediction,
  uncertaintyLayer,
} from "../loop/prediction-data.ts";
import type { UncertaintyMeasure } from "../common/queue-types.ts";
import type { PredictionData } from "../common/api-types.ts";

/**
 * The prediction of an image the screen shows: classes and uncertainty as RLE. The uncertainty
 * is `measure`: normalized entropy, or 1 - margin (null, with the reason, for a prediction made
 * before margins were stored).
 *
 * Which model's: the latest network's; with live mode on (`live`), the preview classifier's
 * instead when it is newer than the network's prediction of the image (a network that predicted
 * after the preview's last retrain is shown: the preview never hides a newer network result).
 */
export function readPrediction(
  store: ProjectStore,
  imageId: number,
  measure: UncertaintyMeasure = "entropy",
  live = false,
  /** the last check found the preview better than the network shown: its prediction even when older */
  preferPreview = false,
): PredictionData | null {
  if (live) {
    const preview = store.preview.get(imageId);
    const model = latestPredictionModelId(store);
    const networkAt = model === null ? null : store.preview.networkPredictedAt(imageId, model);
    if (preview && (preferPreview || networkAt === null || preview.created_at > networkAt)) {
      const img = store.requireImage(imageId);
      const n = img.width * img.height;
      const entropy = decodeLayer(preview.entropy, n);
      const uncertainty =
        measure === "entropy" ? entropy : decodeLayer(preview.margin, n).map((v) => 255 - v);
      return {
        imageId,
        modelId: 0,
        source: "preview",
        modelLabel: "preview classifier",
        madeAt: preview.created_at,
        width: img.width,
        height: img.height,
        classesRle: encodeRle(decodeRle(preview.class_rle, n)).toString("base64"),
        measure,
        uncertaintyRle: encodeRle(uncertainty).toString("base64"),
        uncertaintyMissing: null,
        score: preview.score,
      };
    }
  }
  const p = readStoredPrediction(store, imageId);
  if (!p) return null;
  const uncertainty = uncertaintyLayer(p, measure);
  return {
    imageId,
    modelId: p.modelId,
    source: "network",
    modelLabel: `network ${p.modelId}`,
    madeAt: store.preview.networkPredictedAt(imageId, p.modelId),
    width: p.width,
    height: p.height,
    classesRle: encodeRle(p.classes).toString("base64"),
    measure,
    uncertaintyRle: uncertainty ? encodeRle(uncertainty).toString("base64") : null,
    uncertaintyMissing: uncertainty ? null : "predicted before margins were stored: predict again",
    score: p.score,
  };
}
