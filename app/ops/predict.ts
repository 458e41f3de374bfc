/**
 * Prediction with the project's latest model: of a folder of image files into mask files
 * (`predictFolder`), or of the project's images into the project (`predictProjectImages`, in
 * workers as the app does, and also into mask files with `out`). The flows behind `pixelloop
 * predict`; the app's "Predict new images" and a training round predict in the same workers.
 */
import path from "node:path";
import { UserError } from "../store/errors.ts";
import type { SkippedImage } from "../images/decode.ts";
import { initBackend, type BackendPreference } from "../ml/engine/backend.ts";
import { predict } from "../ml/prediction/predict.ts";
import {
  imageFilesIn,
  loadModel,
  predictProject,
  readImagePixels,
  UnreadableImageError,
} from "../jobs/project-prediction.ts";
import { predictProjectInWorker, type PredictInWorkerOptions } from "../jobs/prediction-worker.ts";
import { ensureFolder } from "../exchange/folders.ts";
import { ProtectedFiles } from "../exchange/output-guard.ts";
import { allImageIds } from "../exchange/mask-files.ts";
import {
  planPredictionFiles,
  plannedPaths,
  writePredictionFiles,
  type PredictionFiles,
} from "../exchange/prediction-files.ts";
import { requireProjectFile, withStore } from "./project-file.ts";

type Progress = (done: number, total: number, name: string) => void;

/** A mask named apart from its input's stem (two inputs share it): the input and the mask's name. */
export interface RenamedMask {
  image: string;
  mask: string;
}

export interface FolderPredictionRequest {
  /** the folder of images (its files, not its subfolders) */
  images: string;
  /** where the masks go (NAME.png; never over an image of the project or an input) */
  out: string;
  /** also NAME.entropy.png and NAME.margin.png */
  uncertainty: boolean;
  backend: BackendPreference;
  onProgress?: Progress;
}

export interface FolderPredictionOutcome {
  modelId: number;
  /** masks written */
  written: number;
  /** `out`, resolved */
  out: string;
  renamed: RenamedMask[];
  /** inputs that could not be read: left out, the rest written */
  skipped: SkippedImage[];
}

export function noImagesError(dir: string): UserError {
  return new UserError(`${dir}: no images found (PNG, JPEG, TIFF or WebP; subfolders are not read)`);
}

/** The image files of a folder, refused when it holds none. */
function imagesOf(dir: string): string[] {
  const files = imageFilesIn(dir);
  if (files.length === 0) throw noImagesError(dir);
  return files;
}

/** Predicts one image file with a network (on this thread). */
export async function predictFile(net: Parameters<typeof predict>[0], file: string) {
  const px = await readImagePixels(file);
  return predict(net, { pixels: px.data, width: px.width, height: px.height, channels: px.channels });
}

/** Masks of a folder's images with the project's latest model, written to `out` (nothing stored). */
export async function predictFolder(
  project: string,
  req: FolderPredictionRequest,
): Promise<FolderPredictionOutcome> {
  requireProjectFile(project);
  const files = imagesOf(req.images);
  const plan = planPredictionFiles(files, req.out, req.uncertainty);
  await initBackend(req.backend);
  const model = withStore(project, { readonly: true }, (store) => {
    const keep = ProtectedFiles.ofProject(store);
    for (const f of files) keep.add(f, "one of the input images (--images)");
    keep.check(plannedPaths(plan), req.out);
    return loadModel(store, undefined);
  });
  const skipped: SkippedImage[] = [];
  try {
    ensureFolder(req.out);
    for (const [i, file] of files.entries()) {
      req.onProgress?.(i + 1, files.length, path.basename(file));
      let p;
      try {
        p = await predictFile(model.net, file);
      } catch (e) {
        if (!(e instanceof UnreadableImageError)) throw e;
        skipped.push({ file: e.file, reason: e.reason });
        continue;
      }
      writePredictionFiles(p, plan[i]);
    }
  } finally {
    model.net.dispose();
  }
  return {
    modelId: model.id,
    written: files.length - skipped.length,
    out: path.resolve(req.out),
    renamed: renamedOutputs(plan, skipped),
    skipped,
  };
}

export interface ProjectPredictionRequest {
  /** also write each image's mask files here (predicted on this thread, then) */
  out?: string;
  /** with `out`: also NAME.entropy.png and NAME.margin.png */
  uncertainty?: boolean;
  backend: BackendPreference;
  onProgress?: Progress;
  /** the rest of what the workers take (the model, some images, a queue to pick, a stop signal) */
  worker?: Omit<PredictInWorkerOptions, "backend" | "onProgress">;
}

export interface ProjectPredictionOutcome {
  modelId: number;
  predicted: number;
  cancelled: boolean;
  /** `out`, resolved, or null */
  out: string | null;
  /** with `out`: masks written, and those named apart */
  written: number;
  renamed: RenamedMask[];
  skipped: SkippedImage[];
  /** the images of the picked queue (worker.suggest), or null */
  suggested: number | null;
}

/**
 * The project's images predicted with the latest model and stored. Without `out`, the app's path:
 * workers predict (one per core on wasm), this thread stores. With `out`, each image's mask files
 * are written too, planned before anything is predicted (never over an image of the project).
 */
export async function predictProjectImages(
  project: string,
  req: ProjectPredictionRequest,
): Promise<ProjectPredictionOutcome> {
  requireProjectFile(project);
  if (!req.out) {
    const r = await predictProjectInWorker(project, {
      ...req.worker,
      backend: req.backend,
      onProgress: req.onProgress,
    });
    return {
      modelId: r.modelId,
      predicted: r.predicted,
      cancelled: r.cancelled,
      out: null,
      written: 0,
      renamed: [],
      skipped: r.skipped,
      suggested: r.suggested,
    };
  }
  const outDir = req.out;
  let written = 0;
  const renamed: RenamedMask[] = [];
  const plan = withStore(project, { readonly: true }, (store) => {
    const images = allImageIds(store).map((id) => store.requireImage(id));
    const files = planPredictionFiles(
      images.map((img) => img.name),
      outDir,
      req.uncertainty === true,
    );
    ProtectedFiles.ofProject(store).check(plannedPaths(files), outDir);
    return new Map(images.map((img, k) => [img.id, files[k]]));
  });
  ensureFolder(outDir);
  const r = await predictProject(project, {
    modelId: req.worker?.modelId,
    imageIds: req.worker?.imageIds,
    signal: req.worker?.signal,
    backend: req.backend,
    onProgress: req.onProgress,
    onPrediction: (img, p) => {
      const files = plan.get(img.id);
      if (!files) return; // imported while predicting: not planned, not written
      writePredictionFiles(p, files);
      written++;
      if (files.renamed) renamed.push({ image: img.name, mask: path.basename(files.mask) });
    },
  });
  return {
    modelId: r.modelId,
    predicted: r.predicted,
    cancelled: r.cancelled,
    out: path.resolve(outDir),
    written,
    renamed,
    skipped: r.skipped,
    suggested: null,
  };
}

/** The inputs whose masks are named with their extension (or a number), the skipped ones left out. */
function renamedOutputs(plan: PredictionFiles[], skipped: { file: string }[]): RenamedMask[] {
  const left = new Set(skipped.map((s) => s.file));
  return plan
    .filter((f) => f.renamed && !left.has(f.input))
    .map((f) => ({ image: f.input, mask: path.basename(f.mask) }));
}
