/**
 * The live preview classifier's work, in the worker (worker-main.ts; the host side is
 * preview-job.ts): read the project's labeled train images (a read-only connection), retrain
 * the classifier (ml/method/pixel-classifier/live-session.ts keeps the features of images whose labels
 * did not change), then predict the images asked for, the open image first, each encoded as the
 * networks' predictions are. The session lives as long as the worker, so its caches carry over
 * from one retrain to the next.
 */
import { deflateSync } from "node:zlib";
import { readStoredImage } from "../images/decode.ts";
import { initBackend } from "../ml/engine/backend.ts";
import type { RawImage } from "../ml/model/image.ts";
import { UNLABELED } from "../ml/method/losses.ts";
import {
  LiveClassifierSession,
  type LiveSessionOptions,
} from "../ml/method/pixel-classifier/live-session.ts";
import { modelToJson, type PixelClassifierModel } from "../ml/method/pixel-classifier/model.ts";
import type { Prediction } from "../ml/prediction/predict.ts";
import { ProjectStore } from "../store/project-store.ts";
import type { ImageRow } from "../common/project-types.ts";
import { encodePrediction, type EncodedPrediction } from "./project-prediction.ts";
import { ConfusionMatrix } from "../ml/prediction/metrics.ts";
import { decodeRle } from "../labels/rle.ts";

/** What the host asks the worker to do: retrain on the project's labels, then predict these images. */
export interface PreviewJob {
  projectFile: string;
  /** images to predict after training, in order (the open image first) */
  predict: number[];
  backend?: "auto" | "wasm" | "cpu";
  options?: Partial<Omit<LiveSessionOptions, "numClasses" | "color">>;
  /** Instead: score the classifier against a network model (runCompare). */
  compare?: CompareRequest;
}

/**
 * A check of the preview classifier against a network model on labels neither learned from:
 * labeled val images, or labeled train images the network's round held out (`heldOut`: the
 * classifier is trained without them too). The network's side is its stored predictions.
 */
export interface CompareRequest {
  modelId: number;
  imageIds: number[];
  heldOut: boolean;
}

export interface CompareResult {
  modelId: number;
  /** images scored (with labels, a readable file and the network's prediction) */
  images: number;
  preview: number;
  network: number;
}

/** The labels a preview classifier learned from. */
export interface PreviewSnapshot {
  images: Array<{ id: number; version: number }>;
  labeledPixels: number;
  classes: string[];
}

export interface PreviewMetrics {
  /** training pixels per class (0: never predicted) */
  perClass: number[];
  images: number;
  /** images read again for this retrain (labels changed, or not cached) */
  readAgain: number;
  trainSeconds: number;
  trees: number;
}

export type PreviewEvent =
  | { type: "preview.waiting"; reason: string }
  | { type: "preview.trained"; model: Uint8Array; snapshot: PreviewSnapshot; metrics: PreviewMetrics }
  | { type: "preview.prediction"; id: number; prediction: EncodedPrediction }
  | { type: "preview.done"; interrupted: boolean }
  | { type: "preview.compared"; result: CompareResult | null }
  | { type: "preview.error"; message: string };

/** The stored form of a classifier: its JSON exchange form (model.ts), deflated. */
export function encodePreviewModel(model: PixelClassifierModel): Uint8Array {
  return deflateSync(Buffer.from(JSON.stringify(modelToJson(model))), { level: 1 });
}

/** A class map and its uncertainty layers from class probabilities, as a network's prediction has them. */
export function predictionFromProbabilities(
  classes: Uint8Array,
  probabilities: Float32Array,
  k: number,
  width: number,
  height: number,
): Prediction {
  const n = width * height;
  const confidence = new Float32Array(n);
  const margin = new Float32Array(n);
  const entropy = new Float32Array(n);
  const norm = k > 1 ? 1 / Math.log(k) : 0;
  for (let p = 0; p < n; p++) {
    let top = 0;
    let second = 0;
    let h = 0;
    for (let c = 0; c < k; c++) {
      const v = probabilities[p * k + c];
      if (v > top) {
        second = top;
        top = v;
      } else if (v > second) second = v;
      if (v > 0) h -= v * Math.log(v);
    }
    confidence[p] = top;
    margin[p] = top - second;
    entropy[p] = Math.min(1, h * norm);
  }
  return { width, height, numClasses: k, classMap: classes, confidence, margin, entropy };
}

/** Every labeled train-split image (the preview learns from what the network learns from). */
function labeledTrainRows(store: ProjectStore): ImageRow[] {
  const out: ImageRow[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = store.listImages({ split: "train", limit: 1000, offset });
    out.push(...page.filter((r) => r.labeledPixels > 0));
    if (page.length < 1000) return out;
  }
}

async function readPixels(store: ProjectStore, row: ImageRow): Promise<RawImage | null> {
  const read = await readStoredImage(store.absolutePath(row.path), row);
  if ("skipped" in read) return null;
  const px = read.pixels;
  return {
    pixels: px.data,
    width: px.width,
    height: px.height,
    channels: px.channels as RawImage["channels"],
  };
}

/** An image's cache key: its id and content (an id can be reused after an image is removed). */
const imageKey = (row: ImageRow) => `${row.id}:${row.sha256}`;

let session: LiveClassifierSession | null = null;
let sessionKey = "";
let backendReady: Promise<unknown> | null = null;

/** The worker's classifier session (its caches), made again when the project or the settings change. */
function sessionFor(
  store: ProjectStore,
  rows: readonly ImageRow[],
  numClasses: number,
  options: PreviewJob["options"],
): LiveClassifierSession {
  const color = rows.some((r) => r.channels !== 1);
  const key = `${store.file}|${numClasses}|${color}|${JSON.stringify(options ?? {})}`;
  if (!session || key !== sessionKey) {
    session = new LiveClassifierSession({ ...options, numClasses, color });
    sessionKey = key;
  }
  return session;
}

/** An image's labels, classes the project no longer has unlabeled. */
function labelsOf(store: ProjectStore, id: number, numClasses: number): Uint8Array {
  const labels = store.mask(id).classes;
  for (let i = 0; i < labels.length; i++) if (labels[i] >= numClasses) labels[i] = UNLABELED;
  return labels;
}

function trainImages(store: ProjectStore, rows: readonly ImageRow[], numClasses: number) {
  return rows.map((row) => ({
    key: imageKey(row),
    version: row.maskVersion,
    read: async () => {
      const image = await readPixels(store, row);
      return image ? { image, labels: labelsOf(store, row.id, numClasses) } : null;
    },
  }));
}

/** Scores the classifier (trained here on the labels it may see) and a network's stored predictions on the same labels. */
async function runCompare(
  store: ProjectStore,
  live: LiveClassifierSession,
  rows: readonly ImageRow[],
  numClasses: number,
  req: CompareRequest,
): Promise<CompareResult | null> {
  const held = new Set(req.heldOut ? req.imageIds : []);
  const learn = rows.filter((r) => !held.has(r.id));
  if (learn.length === 0) return null;
  const { model } = await live.train(trainImages(store, learn, numClasses));
  const preview = new ConfusionMatrix(numClasses);
  const network = new ConfusionMatrix(numClasses);
  let images = 0;
  for (const id of req.imageIds) {
    const row = store.images.get(id);
    const rle = store.predictions.classRle(id, req.modelId);
    if (!row || row.labeledPixels === 0 || !rle) continue;
    const image = await readPixels(store, row);
    if (!image) continue;
    const labels = labelsOf(store, id, numClasses);
    const n = row.width * row.height;
    preview.add(live.predict(model, imageKey(row), image).classes, labels, UNLABELED);
    network.add(decodeRle(rle, n), labels, UNLABELED);
    images++;
  }
  if (images === 0) return null;
  return { modelId: req.modelId, images, preview: preview.metrics().miou, network: network.metrics().miou };
}

/** Runs one preview job; `interrupted` is polled between images (a newer stroke wants a retrain). */
export async function runPreviewJob(
  job: PreviewJob,
  send: (e: PreviewEvent) => void,
  interrupted: () => boolean,
): Promise<void> {
  backendReady ??= initBackend(job.backend ?? "auto");
  await backendReady;
  const store = ProjectStore.open(job.projectFile, { readonly: true });
  try {
    const classes = store.classes();
    const numClasses = Math.max(...classes.map((c) => c.idx)) + 1;
    const rows = labeledTrainRows(store);
    const live = sessionFor(store, rows, numClasses, job.options);
    if (job.compare)
      return send({
        type: "preview.compared",
        result: await runCompare(store, live, rows, numClasses, job.compare),
      });
    if (rows.length === 0) return send({ type: "preview.waiting", reason: "no labels on train images yet" });
    const result = await live.train(trainImages(store, rows, numClasses));
    if (result.perClass.filter((n) => n > 0).length < 2)
      return send({ type: "preview.waiting", reason: "label at least two classes" });
    send({
      type: "preview.trained",
      model: encodePreviewModel(result.model),
      snapshot: {
        images: rows.map((r) => ({ id: r.id, version: r.maskVersion })),
        labeledPixels: rows.reduce((n, r) => n + r.labeledPixels, 0),
        classes: classes.map((c) => c.name),
      },
      metrics: {
        perClass: result.perClass,
        images: result.images,
        readAgain: result.readAgain,
        trainSeconds: result.seconds,
        trees: result.model.forest.trees.length,
      },
    });
    // The first image (the open one) is always predicted: a burst of strokes still refreshes it.
    for (const [i, id] of job.predict.entries()) {
      if (i > 0 && interrupted()) return send({ type: "preview.done", interrupted: true });
      const row = store.images.get(id);
      if (!row) continue;
      const image = await readPixels(store, row);
      if (!image) continue;
      const p = live.predict(result.model, imageKey(row), image);
      const prediction = predictionFromProbabilities(
        p.classes,
        p.probabilities,
        numClasses,
        image.width,
        image.height,
      );
      send({ type: "preview.prediction", id, prediction: encodePrediction(prediction) });
    }
    send({ type: "preview.done", interrupted: false });
  } finally {
    store.close();
  }
}
