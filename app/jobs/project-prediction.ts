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
import { IMAGE_EXTENSIONS, type SkippedImage } from "../images/decode.ts";
import { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { encodeEmbedding, encodeEmbeddingGrid } from "../store/embedding-blobs.ts";
import { encodeRle } from "../labels/rle.ts";
import { encodeIndexPng, toBytes } from "../exchange/index-png.ts";
export { toBytes } from "../exchange/index-png.ts";
import { initBackend, type BackendInfo, type BackendPreference } from "../ml/engine/backend.ts";
import type { SegmentationNetwork } from "../ml/model/network.ts";
import { networkFromWeights, readWeightsConfig } from "../ml/model/weights.ts";
import type { Prediction } from "../ml/prediction/predict.ts";
import { predictImageFile } from "../ml/prediction/predict-file.ts";

export { readImagePixels, UnreadableImageError } from "../ml/prediction/predict-file.ts";

export interface StoredModel {
  id: number;
  name: string;
  createdAt: string;
  net: SegmentationNetwork;
}

/**
 * The latest model of the project (highest id), or the given one, as stored weights; throws a
 * UserError when there is none or it predicts another number of classes than the project has.
 */
export function loadModelRow(
  store: ProjectStore,
  modelId?: number,
): { id: number; name: string; createdAt: string; weights: Uint8Array } {
  const id = modelId ?? store.latestModelId();
  const row = store.models.get(id ?? null);
  if (!row) {
    throw new UserError(
      modelId == null
        ? `${store.file}: the project has no trained model yet; run pixelloop train first`
        : `${store.file}: no model with id ${modelId}`,
    );
  }
  const numClasses = Math.max(...store.classes().map((c) => c.idx)) + 1;
  const weights = new Uint8Array(row.weights);
  const modelClasses = storedModel(store, row.id, () => readWeightsConfig(weights)).numClasses;
  if (modelClasses !== numClasses) {
    throw new UserError(
      `${store.file}: model ${row.id} predicts ${modelClasses} classes, the project has ${numClasses}; train again`,
    );
  }
  return { id: row.id, name: row.name, createdAt: row.created_at, weights };
}

/** The latest model of the project (highest id), or the given one, ready to predict. */
export function loadModel(store: ProjectStore, modelId?: number): StoredModel {
  const row = loadModelRow(store, modelId);
  const net = storedModel(store, row.id, () => networkFromWeights(row.weights));
  return { id: row.id, name: row.name, createdAt: row.createdAt, net };
}

/** Reads a stored model; a damaged one is named (the project file and the model) with the reason. */
function storedModel<T>(store: ProjectStore, id: number, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${store.file}: model ${id} cannot be read (${(e as Error).message})`);
  }
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

/** The images to predict: the given ids, else every image of the project. */
export function imagesToPredict(store: ProjectStore, options: PredictProjectOptions): number[] {
  return options.imageIds ?? store.images.ids();
}

/** A prediction in its stored form. Encoding is the costly part, so it is done where the prediction is made (the worker, in the app). */
export interface EncodedPrediction {
  classRle: Uint8Array;
  /** 8-bit gray PNGs */
  confidencePng: Uint8Array;
  marginPng: Uint8Array;
  entropyPng: Uint8Array;
  /** mean normalized entropy */
  score: number;
  embedding: Uint8Array | null;
  embeddingGrid: Uint8Array | null;
}

export function encodePrediction(p: Prediction): EncodedPrediction {
  return {
    classRle: encodeRle(p.classMap),
    confidencePng: encodeIndexPng(toBytes(p.confidence), p.width, p.height),
    marginPng: encodeIndexPng(toBytes(p.margin), p.width, p.height),
    entropyPng: encodeIndexPng(toBytes(p.entropy), p.width, p.height),
    score: meanEntropy(p),
    embedding: p.embedding ? encodeEmbedding(p.embedding) : null,
    embeddingGrid: p.embeddingGrid ? encodeEmbeddingGrid(p.embeddingGrid) : null,
  };
}

/** Bytes as better-sqlite3 binds them (a Uint8Array that crossed a thread arrives without Buffer's prototype). */
const bytes = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const blob = (b: Uint8Array | null): Buffer | null => (b === null ? null : bytes(b));

/**
 * Stores one model's predictions as they come (one transaction per image, replacing an earlier
 * prediction of the same model; images without labels become 'predicted') and keeps the tallies
 * predictProject returns. Used wherever the predictions are computed.
 */
export class PredictionRecorder {
  private readonly scores: PredictProjectResult["scores"] = [];
  private readonly skipped: SkippedImage[] = [];
  private done = 0;

  constructor(
    private readonly store: ProjectStore,
    private readonly modelId: number,
    private readonly total: number,
    private readonly options: PredictProjectOptions,
  ) {}

  /** Stores an encoded prediction; `prediction` (when given) goes to options.onPrediction. */
  predicted(id: number, stored: EncodedPrediction, prediction?: Prediction): void {
    const row = this.store.requireImage(id);
    this.store.predictions.put(
      id,
      this.modelId,
      {
        classRle: bytes(stored.classRle),
        confidence: bytes(stored.confidencePng),
        margin: bytes(stored.marginPng),
        entropy: bytes(stored.entropyPng),
        score: stored.score,
        embedding: blob(stored.embedding),
        embeddingGrid: blob(stored.embeddingGrid),
      },
      row.labeledPixels === 0,
    );
    this.scores.push({ imageId: id, score: stored.score });
    if (prediction)
      this.options.onPrediction?.(
        { id, name: row.name, file: this.store.absolutePath(row.path) },
        prediction,
      );
    this.options.onProgress?.(++this.done, this.total, row.name);
  }

  skip(id: number, skipped: SkippedImage): void {
    this.skipped.push(skipped);
    this.options.onProgress?.(++this.done, this.total, this.store.requireImage(id).name);
  }

  result(cancelled: boolean): PredictProjectResult {
    return {
      modelId: this.modelId,
      predicted: this.scores.length,
      cancelled,
      scores: this.scores,
      skipped: this.skipped,
    };
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Predicts project images with a stored model and stores the predictions. Runs on the calling
 * thread, yielding to the event loop between images (the app predicts in a worker instead:
 * prediction-worker.ts); cancel with `signal`. An image whose file cannot be read, or whose size
 * changed since import, is skipped and listed (`skipped`); the others are still predicted.
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
      const ids = imagesToPredict(store, options);
      const recorder = new PredictionRecorder(store, model.id, ids.length, options);
      for (const id of ids) {
        if (options.signal?.aborted) return recorder.result(true);
        const row = store.requireImage(id);
        const r = await predictImageFile(model.net, store.absolutePath(row.path), row);
        if ("skipped" in r) recorder.skip(id, r.skipped);
        else recorder.predicted(id, encodePrediction(r.prediction), r.prediction);
        await nextTurn();
      }
      return recorder.result(false);
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
