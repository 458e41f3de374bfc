import type { TrainingStatus } from "../../../app/common/api-types.ts";

/**
 * Why the open image has no prediction, and what is happening or what to do: in full (the accept
 * tools) and short (the layer list).
 */
export function noPrediction(t: TrainingStatus | null, models: number): { text: string; hint: string } {
  const running = t !== null && ["starting", "training", "predicting", "stopping"].includes(t.state);
  const u = t?.unpredicted;
  if (running && t.job === "predict-new") {
    const progress = t.totalSteps > 0 ? ` (${t.step} of ${t.totalSteps})` : "";
    return {
      text: `Imported after model ${u?.modelId ?? "?"}: predicting…${progress} Its prediction appears here when done; then accept its regions.`,
      hint: `imported after model ${u?.modelId ?? "?"}: predicting…`,
    };
  }
  if (running)
    return {
      text: "No prediction for this image yet: training is running, and its model predicts every image when done.",
      hint: "training: predicted when done",
    };
  if (models === 0 || !u || u.modelId === null)
    return {
      text: "No model yet: train one first (T), then accept its predicted regions.",
      hint: "no model yet: train first (T)",
    };
  if (u.refused)
    return { text: `No prediction for this image: ${u.refused}.`, hint: "no prediction: train again (T)" };
  return {
    text: `Not predicted with model ${u.modelId}: "Predict new images" in the training panel (T) predicts it.`,
    hint: `not predicted with model ${u.modelId}: training panel (T)`,
  };
}
