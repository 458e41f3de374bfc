import type { ProjectStore } from "../store/project-store.ts";
import { decodeRle, encodeRle } from "../labels/rle.ts";
import type { PredictionData } from "./types.ts";
import { latestPredictionModel } from "./image-queries.ts";

interface PredRow {
  model_id: number;
  class_rle: Buffer;
  entropy: Buffer;
  score: number;
}

function row(store: ProjectStore, imageId: number): PredRow | undefined {
  const model = latestPredictionModel(store);
  if (model === null) return undefined;
  return store.db
    .prepare("SELECT model_id, class_rle, entropy, score FROM predictions WHERE image_id = ? AND model_id = ?")
    .get(imageId, model) as PredRow | undefined;
}

/** The latest model's arg-max class map of an image, or null before any prediction. */
export function readPredictedClasses(store: ProjectStore, imageId: number): { modelId: number; classes: Uint8Array } | null {
  const img = store.requireImage(imageId);
  const r = row(store, imageId);
  if (!r) return null;
  return { modelId: r.model_id, classes: decodeRle(r.class_rle, img.width * img.height) };
}

/** Entropy as 0..255 per pixel, whichever way the store holds it (u8 RLE, raw u8 or float32). */
function entropyBytes(blob: Buffer, n: number): Uint8Array | null {
  try {
    return decodeRle(blob, n);
  } catch {
    // not RLE: fall through to the raw layouts
  }
  if (blob.length === n) return new Uint8Array(blob.buffer, blob.byteOffset, n);
  if (blob.length === n * 4) {
    const f = new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.length));
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.max(0, Math.min(255, Math.round(f[i] * 255)));
    return out;
  }
  return null;
}

export function readPrediction(store: ProjectStore, imageId: number): PredictionData | null {
  const img = store.requireImage(imageId);
  const r = row(store, imageId);
  if (!r) return null;
  const n = img.width * img.height;
  const entropy = entropyBytes(r.entropy, n);
  return {
    imageId,
    modelId: r.model_id,
    width: img.width,
    height: img.height,
    classesRle: r.class_rle.toString("base64"),
    uncertaintyRle: entropy ? encodeRle(entropy).toString("base64") : null,
    score: r.score,
  };
}
