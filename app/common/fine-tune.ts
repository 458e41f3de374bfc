/**
 * Fine-tuning (continuing from an earlier model) needs a model that predicts every class of the
 * project: a class added after the model was made has no output of its own in it. Pure, so the
 * UI and the core say the same thing.
 */

/** The model "continue from the last model" would start from (null: none yet) and its class count. */
export interface FineTuneBase {
  modelId: number | null;
  modelClasses: number | null;
}

/** Why a model cannot be fine-tuned in a project with `projectClasses` classes (null: it can). */
export function fineTuneRefusal(
  modelId: number,
  modelClasses: number,
  projectClasses: number,
): string | null {
  if (modelClasses === projectClasses) return null;
  return `model ${modelId} predicts ${modelClasses} classes, the project has ${projectClasses}; train from scratch (not fine-tuning) to learn them all`;
}
