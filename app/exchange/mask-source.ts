import type { ProjectStore } from "../store/project-store.ts";
import { Source, UNLABELED } from "../common/mask.ts";
import { decodeRle } from "../labels/rle.ts";
import { latestPredictionModelId } from "../loop/prediction-data.ts";
import { UserError } from "../store/errors.ts";
import type { MaskSource } from "../common/mask-sources.ts";
export { latestPredictionModelId };
export { MASK_SOURCES, type MaskSource } from "../common/mask-sources.ts";

/**
 * The model whose predictions a source reads (the latest that predicted), or null; refuses the
 * `predictions` source when nothing was predicted yet (it would write masks of nothing).
 */
export function sourceModelId(store: ProjectStore, source: MaskSource): number | null {
  const id = latestPredictionModelId(store);
  if (id === null && source === "predictions")
    throw new UserError(
      `${store.file}: no predictions yet; train a model first (pixelloop train, or T in the app)`,
    );
  return id;
}

/** Class map of one image for a source; 255 where the source has nothing. */
export function classMapFor(
  store: ProjectStore,
  imageId: number,
  source: MaskSource,
  modelId: number | null,
): Uint8Array {
  const img = store.requireImage(imageId);
  const n = img.width * img.height;
  const predicted = (): Uint8Array | null => {
    if (modelId === null) return null;
    const rle = store.predictions.classRle(imageId, modelId);
    if (!rle) return null;
    const classes = decodeRle(rle, n);
    // A deleted class (predicted by a model made before) is written as unlabeled.
    const gone = store.deletedClasses();
    if (gone.length > 0) for (let i = 0; i < n; i++) if (gone.includes(classes[i])) classes[i] = UNLABELED;
    return classes;
  };
  if (source === "predictions") return predicted() ?? new Uint8Array(n).fill(UNLABELED);
  const mask = store.mask(imageId);
  if (source === "labels") return mask.classes;
  if (source === "completed") {
    const p = predicted();
    if (!p) return mask.classes;
    const out = mask.classes.slice();
    for (let i = 0; i < n; i++) if (out[i] === UNLABELED) out[i] = p[i];
    return out;
  }
  const want = source === "human" ? Source.human : Source.accepted;
  const out = mask.classes.slice();
  for (let i = 0; i < n; i++) if (mask.sources[i] !== want) out[i] = UNLABELED;
  return out;
}
