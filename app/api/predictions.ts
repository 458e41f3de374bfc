import type { ProjectStore } from "../store/project-store.ts";
import { encodeRle } from "../labels/rle.ts";
import { readStoredPrediction, uncertaintyLayer, type UncertaintyMeasure } from "../loop/prediction-data.ts";
import type { PredictionData } from "./types.ts";

/**
 * The latest model's prediction of an image for display: classes and uncertainty as RLE. The
 * uncertainty is `measure`: normalized entropy, or 1 - margin (null, with the reason, for a
 * prediction made before margins were stored).
 */
export function readPrediction(
  store: ProjectStore,
  imageId: number,
  measure: UncertaintyMeasure = "entropy",
): PredictionData | null {
  const p = readStoredPrediction(store, imageId);
  if (!p) return null;
  const uncertainty = uncertaintyLayer(p, measure);
  return {
    imageId,
    modelId: p.modelId,
    width: p.width,
    height: p.height,
    classesRle: encodeRle(p.classes).toString("base64"),
    measure,
    uncertaintyRle: uncertainty ? encodeRle(uncertainty).toString("base64") : null,
    uncertaintyMissing: uncertainty ? null : "predicted before margins were stored: predict again",
    score: p.score,
  };
}
