/**
 * Prediction with a project's models: load the latest (or a given) model, predict the project's
 * images and store the results in the predictions table, or predict a folder of image files.
 *
 * Stored per (image, model): class_rle = RLE of the class map (app/labels/rle.ts), confidence and
 * entropy = 8-bit gray PNGs (value = round(255 * x)), score = mean normalized entropy (higher = less
 * sure, for active learning). Images without labels get status 'predicted'.
 */
import fs from "node:fs";
import path from "node:path";
import { decodePixels, IMAGE_EXTENSIONS, sizeChangedReason, type SkippedImage } from "../images/decode.ts";
import { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { nowIso } from "../store/db.ts";
import { encodeEmbedding, encodeEmbeddingGrid } from "../store/embedding-blobs.ts";
import { encodeRle } from "../labels/rle.ts";
import { encodeIndexPng } from "../exchange/index-png.ts";
import { initBackend, type BackendInfo, type BackendPreference } from "./backend.ts";
import type { SegmentationNetwork } from "./network.ts";
import { networkFromWeights } from "./weights.ts";
import { predict, type Prediction } from "./predict.ts";

export interface StoredModel {
  id: number;
  name: string;
  createdAt: string;
  net: SegmentationNetwork;
}

/** The latest model of the project (highest id), or the given one; throws a UserError when none. */
export function loadModel(store: ProjectStore, modelId?: number): StoredModel {
  const row = (
    modelId == null
      ? store.db.prepare("SELECT id, name, created_at, weights FROM models ORDER BY id DESC LIMIT 1").get()
      : store.db.prepare("SELECT id, name, created_at, weights FROM models WHERE id = ?").get(modelId)
  ) as { id: number; name: string; created_at: string; weights: Buffer } | undefined;
  if (!row) {
    throw new UserError(
      modelId == null
        ? `${store.file}: the project has no trained model yet; run pixelloop train first`
        : `${store.file}: no model with id ${modelId}`,
    );
  }
  const numClasses = Math.max(...store.classes().map((c) => c.idx)) + 1;
  const net = networkFromWeights(new Uint8Array(row.weights));
  if (net.config.numClasses !== numClasses) {
    net.dispose();
    throw new UserError(
      `${store.file}: model ${row.id} predicts ${net.config.numClasses} classes, the project has ${numClasses}; train again`,
    );
  }
  return { id: row.id, name: row.name, createdAt: row.created_at, net };
}

export function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
  return out;
}

export function meanEntropy(p: Prediction): number {
  let s = 0;
  for (const v of p.entropy) s += v;
  return p.entropy.length ? s / p.entropy.length : 0;
}

export interface PredictProjectOptions {
  /** Default: the latest model. */
  modelId?: number;
  /** Default: every image of the project. */
  imageIds?: number[];
  backend?: BackendPreference;
  signal?: AbortSignal;
  onBackend?: (info: BackendInfo) => void;
  onProgress?: (done: number, total: number, imageName: string) => void;
  /** Each prediction after it is stored (e.g. to also write mask files). */
  onPrediction?: (image: { id: number; name: string; file: string }, prediction: Prediction) => void;
}

export interface PredictProjectResult {
  modelId: number;
  predicted: number;
  cancelled: boolean;
  /** Per image: mean normalized entropy (the stored score). */
  scores: Array<{ imageId: number; score: number }>;
  /** Images whose file could not be read (moved, deleted, damaged) or changed size: not predicted; the rest were. */
  skipped: SkippedImage[];
}

/** An image file that could not be decoded: `file` and a one-line `reason`, for skip lists. */
export class UnreadableImageError extends UserError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** Decodes an image for prediction; an unreadable file becomes an UnreadableImageError. */
export async function readImagePixels(file: string): Promise<Awaited<ReturnType<typeof decodePixels>>> {
  try {
    return await decodePixels(file);
  } catch (e) {
    throw new UnreadableImageError(file, `cannot read image (${(e as Error).message.split("\n")[0]})`);
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Predicts project images with a stored model and stores the predictions (one transaction per
 * image, replacing an earlier prediction of the same model). Runs on the calling thread, yielding
 * to the event loop between images; cancel with `signal`. An image whose file cannot be read, or
 * whose size changed since import, is skipped and listed (`skipped`); the others are still predicted.
 */
export async function predictProject(
  projectFile: string,
  options: PredictProjectOptions = {},
): Promise<PredictProjectResult> {
  const info = await initBackend(options.backend ?? "auto");
  options.onBackend?.(info);
  const store = ProjectStore.open(projectFile);
  try {
    const model = loadModel(store, options.modelId);
    try {
      const ids =
        options.imageIds ??
        (store.db.prepare("SELECT id FROM images ORDER BY id").all() as { id: number }[]).map((r) => r.id);
      const scores: PredictProjectResult["scores"] = [];
      const skipped: PredictProjectResult["skipped"] = [];
      const upsert = store.db.prepare(
        `INSERT INTO predictions (image_id, model_id, created_at, class_rle, confidence, entropy, score, embedding, embedding_grid)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(image_id, model_id) DO UPDATE SET created_at = excluded.created_at, class_rle = excluded.class_rle,
           confidence = excluded.confidence, entropy = excluded.entropy, score = excluded.score, embedding = excluded.embedding,
           embedding_grid = excluded.embedding_grid`,
      );
      const mark = store.db.prepare(
        "UPDATE images SET status = 'predicted' WHERE id = ? AND status IN ('unlabeled', 'predicted')",
      );
      for (const [i, id] of ids.entries()) {
        if (options.signal?.aborted)
          return { modelId: model.id, predicted: scores.length, cancelled: true, scores, skipped };
        const row = store.requireImage(id);
        const file = store.absolutePath(row.path);
        let px;
        try {
          px = await readImagePixels(file);
        } catch (e) {
          if (!(e instanceof UnreadableImageError)) throw e;
          skipped.push({ file, reason: e.reason });
          options.onProgress?.(i + 1, ids.length, row.name);
          await nextTurn();
          continue;
        }
        // A file replaced by one of another size: its prediction would not fit the stored labels.
        const changed = sizeChangedReason(px, row);
        if (changed) {
          skipped.push({ file, reason: changed });
          options.onProgress?.(i + 1, ids.length, row.name);
          await nextTurn();
          continue;
        }
        const p = predict(
          model.net,
          { pixels: px.data, width: px.width, height: px.height, channels: px.channels },
          { embedding: true },
        );
        const score = meanEntropy(p);
        store.db.transaction(() => {
          upsert.run(
            id,
            model.id,
            nowIso(),
            encodeRle(p.classMap),
            Buffer.from(encodeIndexPng(toBytes(p.confidence), p.width, p.height)),
            Buffer.from(encodeIndexPng(toBytes(p.entropy), p.width, p.height)),
            score,
            p.embedding ? encodeEmbedding(p.embedding) : null,
            p.embeddingGrid ? encodeEmbeddingGrid(p.embeddingGrid) : null,
          );
          if (row.labeledPixels === 0) mark.run(id);
        })();
        scores.push({ imageId: id, score });
        options.onPrediction?.({ id, name: row.name, file }, p);
        options.onProgress?.(i + 1, ids.length, row.name);
        await nextTurn();
      }
      return { modelId: model.id, predicted: scores.length, cancelled: false, scores, skipped };
    } finally {
      model.net.dispose();
    }
  } finally {
    store.close();
  }
}

/** Image files directly in `dir` (sorted by name). */
export function imageFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new UserError(`${dir}: cannot read folder (${(e as Error).message})`);
  }
  return names
    .filter((n) => (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(n).toLowerCase()))
    .sort()
    .map((n) => path.join(dir, n));
}

/** Output name of a mask: the input's name with a .png extension ("a.jpg" -> "a.png"). */
export function maskName(file: string, suffix = ""): string {
  return `${path.basename(file, path.extname(file))}${suffix}.png`;
}
