import type { ProjectStore } from "../store/project-store.ts";
import { encodeRle } from "../labels/rle.ts";
import { readStoredPrediction } from "../loop/prediction-data.ts";
import type { PredictionData } from "./types.ts";

/** The latest model's prediction of an image for display: classes and uncertainty as RLE. */
export function readPrediction(store: ProjectStore, imageId: number): PredictionData | null {
  const p = readStoredPrediction(store, imageId);
  if (!p) return null;
  return {
    imageId,
    modelId: p.modelId,
    width: p.width,
    height: p.height,
    classesRle: encodeRle(p.classes).toString("base64"),
    uncertaintyRle: encodeRle(p.entropy).toString("base64"),
    score: p.score,
  };
}
