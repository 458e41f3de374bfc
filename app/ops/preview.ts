/**
 * The live preview classifier from the CLI (docs/live.md): `pixelloop train --preview` trains and
 * stores it on the project's current labels and predicts the project's images with it (the app's
 * worker path, jobs/preview-job.ts); `predict --preview` predicts with the stored one; `export
 * model --preview` writes it in its JSON exchange format (it is not a TF.js model).
 */
import fs from "node:fs";
import path from "node:path";
import { inflateSync } from "node:zlib";
import { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { PreviewWorker, type PreviewRunOutcome } from "../jobs/preview-job.ts";
import { predictionFromProbabilities } from "../jobs/preview-run.ts";
import { encodePrediction } from "../jobs/project-prediction.ts";
import { readStoredImage, type SkippedImage } from "../images/decode.ts";
import { initBackend } from "../ml/engine/backend.ts";
import type { RawImage } from "../ml/model/image.ts";
import type { Prediction } from "../ml/prediction/predict.ts";
import {
  modelFromJson,
  modelToJson,
  predictWithModel,
  type PixelClassifierModel,
} from "../ml/method/pixel-classifier/model.ts";
import { ensureFolder } from "../exchange/folders.ts";
import { ProtectedFiles } from "../exchange/output-guard.ts";

/** Trains the preview classifier on the project's labels and (unless `predict` is false) predicts every image with it. */
export async function trainPreview(
  projectFile: string,
  opts: { predict?: boolean; onPredicted?: (done: number, total: number) => void } = {},
): Promise<PreviewRunOutcome & { total: number }> {
  const store = ProjectStore.open(projectFile);
  const worker = new PreviewWorker();
  try {
    const ids = opts.predict === false ? [] : store.images.ids();
    let done = 0;
    const outcome = await worker.run(
      store,
      { predict: ids },
      { onPredicted: () => opts.onPredicted?.(++done, ids.length) },
    );
    if (outcome.waiting)
      throw new UserError(`${store.file}: no preview classifier trained: ${outcome.waiting}`);
    return { ...outcome, total: ids.length };
  } finally {
    await worker.terminate();
    store.close();
  }
}

/** The stored preview classifier; a UserError names the file when there is none or it cannot be read. */
export function loadPreviewModel(store: ProjectStore): { model: PixelClassifierModel; trainedAt: string } {
  const row = store.preview.classifier();
  if (!row)
    throw new UserError(
      `${store.file}: no preview classifier yet: run pixelloop train --preview (or paint in live mode)`,
    );
  let model: PixelClassifierModel;
  try {
    model = modelFromJson(JSON.parse(inflateSync(row.model).toString("utf8")));
  } catch (e) {
    throw new UserError(
      `${store.file}: the stored preview classifier cannot be read (${(e as Error).message})`,
    );
  }
  const numClasses = Math.max(...store.classes().map((c) => c.idx)) + 1;
  if (model.forest.numClasses !== numClasses)
    throw new UserError(
      `${store.file}: the preview classifier predicts ${model.forest.numClasses} classes, the project has ${numClasses}; train --preview again`,
    );
  return { model, trainedAt: row.created_at };
}

/** One image through the preview classifier, as a network's prediction (class map and uncertainty). */
export function previewPrediction(model: PixelClassifierModel, image: RawImage): Prediction {
  const p = predictWithModel(model, image);
  return predictionFromProbabilities(
    p.classes,
    p.probabilities,
    model.forest.numClasses,
    image.width,
    image.height,
  );
}

async function readRaw(file: string, size?: { width: number; height: number }) {
  const { decodePixels } = await import("../images/decode.ts");
  if (size) {
    const r = await readStoredImage(file, size);
    if ("skipped" in r) return r;
    const px = r.pixels;
    return {
      image: { pixels: px.data, width: px.width, height: px.height, channels: px.channels } as RawImage,
    };
  }
  try {
    const px = await decodePixels(file);
    return {
      image: { pixels: px.data, width: px.width, height: px.height, channels: px.channels } as RawImage,
    };
  } catch (e) {
    return { skipped: { file, reason: `cannot read image (${(e as Error).message.split("\n")[0]})` } };
  }
}

/**
 * Predicts the project's images with the stored preview classifier on this thread and stores the
 * predictions (preview_predictions; the networks' are untouched).
 */
export async function predictProjectWithPreview(
  projectFile: string,
  opts: { onProgress?: (done: number, total: number, name: string) => void } = {},
): Promise<{ predicted: number; skipped: SkippedImage[] }> {
  await initBackend("auto");
  const store = ProjectStore.open(projectFile);
  try {
    const { model, trainedAt } = loadPreviewModel(store);
    const ids = store.images.ids();
    const skipped: SkippedImage[] = [];
    let predicted = 0;
    for (const [i, id] of ids.entries()) {
      const row = store.requireImage(id);
      const r = await readRaw(store.absolutePath(row.path), row);
      opts.onProgress?.(i + 1, ids.length, row.name);
      if ("skipped" in r) {
        skipped.push(r.skipped);
        continue;
      }
      const e = encodePrediction(previewPrediction(model, r.image));
      store.preview.put(id, trainedAt, {
        classRle: Buffer.from(e.classRle),
        confidence: Buffer.from(e.confidencePng),
        margin: Buffer.from(e.marginPng),
        entropy: Buffer.from(e.entropyPng),
        score: e.score,
      });
      predicted++;
    }
    return { predicted, skipped };
  } finally {
    store.close();
  }
}

/** Predicts image files with the stored preview classifier; each result goes to `write`. */
export async function predictFilesWithPreview(
  store: ProjectStore,
  files: string[],
  write: (i: number, p: Prediction) => void,
  onProgress?: (done: number, total: number, name: string) => void,
): Promise<{ written: number; skipped: SkippedImage[] }> {
  const { model } = loadPreviewModel(store);
  await initBackend("auto");
  const skipped: SkippedImage[] = [];
  let written = 0;
  for (const [i, file] of files.entries()) {
    onProgress?.(i + 1, files.length, path.basename(file));
    const r = await readRaw(file);
    if ("skipped" in r) {
      skipped.push(r.skipped);
      continue;
    }
    write(i, previewPrediction(model, r.image));
    written++;
  }
  return { written, skipped };
}

/** The file `export model --preview` writes in its folder. */
export const PREVIEW_MODEL_FILE = "pixel-classifier.json";

/**
 * Writes the stored preview classifier to `outDir/pixel-classifier.json`: its JSON exchange form
 * (docs/pixel-classifier.md) plus the project's class names and when it was trained.
 */
export function exportPreviewModel(store: ProjectStore, outDir: string): { file: string; trainedAt: string } {
  const { model, trainedAt } = loadPreviewModel(store);
  const file = path.join(outDir, PREVIEW_MODEL_FILE);
  ProtectedFiles.ofProject(store).check([file], outDir);
  ensureFolder(outDir);
  const classes = store.classes().map((c) => ({ idx: c.idx, name: c.name, color: c.color }));
  fs.writeFileSync(file, JSON.stringify({ ...modelToJson(model), classes, trainedAt }));
  return { file, trainedAt };
}
