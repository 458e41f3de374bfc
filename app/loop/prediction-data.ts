import { decode } from "fast-png";
import type { ProjectStore } from "../store/project-store.ts";
import { decodeRle } from "../labels/rle.ts";
import { decodeEmbedding, decodeEmbeddingGrid, type EmbeddingGrid } from "../store/embedding-blobs.ts";
import type { UncertaintyMeasure } from "../common/queue-types.ts";
export type { UncertaintyMeasure };

/** A stored prediction, decoded: class map, confidence and normalized entropy as 0..255. */
export interface StoredPrediction {
  modelId: number;
  width: number;
  height: number;
  classes: Uint8Array;
  confidence: Uint8Array;
  /** top-1 minus top-2 probability as 0..255, or null for predictions made before format 8 */
  readonly margin: Uint8Array | null;
  entropy: Uint8Array;
  score: number;
  /** the network's image embedding (unit vector), or null for predictions made before format 4 */
  embedding: Float32Array | null;
  /** the network's pixel embeddings per grid cell, or null for predictions made before format 5 */
  embeddingGrid: EmbeddingGrid | null;
}

/** The latest model with stored predictions, or null. */
export function latestPredictionModelId(store: ProjectStore): number | null {
  return store.predictions.latestModelId();
}

/** The newest model when it has no predictions yet (train --no-predict, import-model); else null. */
export function newestModelUnpredicted(store: ProjectStore): number | null {
  const latest = store.latestModelId();
  if (latest === undefined) return null;
  const predicted = latestPredictionModelId(store);
  return predicted === null || predicted < latest ? latest : null;
}

/** The model whose predictions the app shows: the newest that predicted, else the newest model. */
export function shownModelId(store: ProjectStore): number | null {
  return latestPredictionModelId(store) ?? store.latestModelId() ?? null;
}

/** 8-bit layer from its blob: a gray PNG (as app/jobs/project-prediction.ts writes) or RLE. */
export function decodeLayer(blob: Buffer, n: number): Uint8Array {
  if (blob.length >= 8 && blob[0] === 0x89 && blob[1] === 0x50) {
    const png = decode(blob);
    if (png.data.length !== n) throw new Error(`stored layer has ${png.data.length} values, expected ${n}`);
    return png.data as Uint8Array;
  }
  return decodeRle(blob, n);
}

export function readStoredPrediction(
  store: ProjectStore,
  imageId: number,
  modelId?: number | null,
): StoredPrediction | null {
  const model = modelId ?? latestPredictionModelId(store);
  if (model === null) return null;
  const row = store.predictions.get(imageId, model);
  if (!row) return null;
  const img = store.requireImage(imageId);
  const n = img.width * img.height;
  // Decoded on first use: only accepting predictions reads it, and it is a megapixel PNG.
  let confidence: Uint8Array | undefined;
  let margin: Uint8Array | null | undefined;
  return {
    modelId: model,
    width: img.width,
    height: img.height,
    classes: decodeRle(row.class_rle, n),
    get confidence() {
      return (confidence ??= decodeLayer(row.confidence, n));
    },
    get margin() {
      if (margin === undefined) margin = row.margin ? decodeLayer(row.margin, n) : null;
      return margin;
    },
    entropy: decodeLayer(row.entropy, n),
    score: row.score,
    embedding: row.embedding ? decodeEmbedding(row.embedding) : null,
    embeddingGrid: row.embedding_grid ? decodeEmbeddingGrid(row.embedding_grid) : null,
  };
}

/**
 * A stored prediction's pixel uncertainty (0..255) by `measure`; null for margin when the
 * prediction was made before margins were stored.
 */
export function uncertaintyLayer(p: StoredPrediction, measure: UncertaintyMeasure): Uint8Array | null {
  if (measure === "entropy") return p.entropy;
  return p.margin?.map((v) => 255 - v) ?? null;
}
