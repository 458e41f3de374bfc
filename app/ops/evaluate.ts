/**
 * Evaluation: the project's latest model on a folder of images with ground-truth class-index PNG
 * masks of the same names: per-class IoU, mean IoU, pixel accuracy. The flow behind `pixelloop eval`.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../store/errors.ts";
import type { ClassDef } from "../common/project-types.ts";
import { readIndexPng } from "../exchange/index-png.ts";
import { initBackend, type BackendPreference } from "../ml/engine/backend.ts";
import { ConfusionMatrix, type SegmentationMetrics } from "../ml/prediction/metrics.ts";
import { imageFilesIn, loadModel, maskName } from "../jobs/project-prediction.ts";
import { noImagesError, predictFile } from "./predict.ts";
import { requireProjectFile, withStore } from "./project-file.ts";

export interface EvaluationRequest {
  /** the folder of images */
  images: string;
  /** the folder of their ground-truth masks (NAME.png) */
  gt: string;
  /** a ground-truth value to ignore (values >= the number of classes always are) */
  ignore?: number;
  /** binary ground truth of a two-class model: 0 the first class, any other value the second */
  binary?: boolean;
  backend: BackendPreference;
  onProgress?: (done: number, total: number, name: string) => void;
}

export type EvaluationOutcome =
  | {
      kind: "evaluated";
      modelId: number;
      images: number;
      classes: ClassDef[];
      metrics: SegmentationMetrics;
      /** masks of a two-class model holding only 0 and 255 (binary masks read as indices?) */
      binaryLooking: number;
    }
  /** `binary` asked of a model that does not predict two classes */
  | { kind: "not-two-classes"; numClasses: number };

export async function evaluateFolder(project: string, req: EvaluationRequest): Promise<EvaluationOutcome> {
  requireProjectFile(project);
  await initBackend(req.backend);
  const { classes, model } = withStore(project, { readonly: true }, (store) => ({
    classes: store.classes(),
    model: loadModel(store, undefined),
  }));
  const numClasses = model.net.config.numClasses;
  if (req.binary && numClasses !== 2) {
    model.net.dispose();
    return { kind: "not-two-classes", numClasses };
  }
  let binaryLooking = 0;
  const cm = new ConfusionMatrix(numClasses);
  let files: string[];
  try {
    files = imageFilesIn(req.images);
    if (files.length === 0) throw noImagesError(req.images);
    for (const [i, file] of files.entries()) {
      const gtFile = path.join(req.gt, maskName(file));
      if (!fs.existsSync(gtFile)) throw new UserError(`${gtFile}: no ground-truth mask for ${file}`);
      let gt;
      try {
        gt = readIndexPng(gtFile);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const p = await predictFile(model.net, file);
      if (gt.width !== p.width || gt.height !== p.height) {
        throw new UserError(
          `${gtFile}: mask is ${gt.width}x${gt.height}, image ${file} is ${p.width}x${p.height}`,
        );
      }
      if (req.binary) binaryGroundTruth(gt.values, req.ignore);
      else if (numClasses === 2 && looksBinary(gt.values)) binaryLooking++;
      cm.add(p.classMap, gt.values, req.ignore);
      req.onProgress?.(i + 1, files.length, path.basename(file));
    }
  } finally {
    model.net.dispose();
  }
  return {
    kind: "evaluated",
    modelId: model.id,
    images: files.length,
    classes,
    metrics: cm.metrics(),
    binaryLooking,
  };
}

/** Binary ground truth in place: 0 stays the first class, any other value (but `ignore`) the second. */
function binaryGroundTruth(values: Uint8Array | Uint16Array, ignore: number | undefined): void {
  for (let i = 0; i < values.length; i++) if (values[i] !== 0 && values[i] !== ignore) values[i] = 1;
}

/** Only 0 and 255, both present: a binary mask read as class indices loses its second class. */
function looksBinary(values: Uint8Array | Uint16Array): boolean {
  let zeros = 0;
  let full = 0;
  for (const v of values) {
    if (v === 0) zeros++;
    else if (v === 255) full++;
    else return false;
  }
  return zeros > 0 && full > 0;
}
