/**
 * Exports: masks (index or color PNGs, or one COCO file), a VOC-like dataset, a model as a
 * TensorFlow.js folder. The one flow behind `pixelloop export` and the service's export.*.
 * Each refuses, before writing, to replace an image of the project (exchange/output-guard.ts).
 */
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import type { Split } from "../common/project-types.ts";
import type { SkippedImage } from "../images/decode.ts";
import { exportMasks, type MaskFormat } from "../exchange/mask-files.ts";
import { exportCoco } from "../exchange/coco.ts";
import { exportDataset } from "../exchange/dataset.ts";
import type { MaskSource } from "../exchange/mask-source.ts";
import type { BackendPreference } from "../ml/engine/backend.ts";

type Progress = (done: number, total: number) => void;

export interface MaskExportOutcome {
  outDir: string;
  format: MaskFormat | "coco";
  source: MaskSource;
  /** masks written: PNG files, or the images of the COCO file */
  written: number;
  /** the COCO file and its annotations (format coco only) */
  file?: string;
  annotations?: number;
}

/** Masks of every image (or only the labeled ones, for PNGs) into `outDir`; COCO as coco.json there. */
export async function exportMaskFiles(
  store: ProjectStore,
  outDir: string,
  opts: { format: MaskFormat | "coco"; source: MaskSource; onlyLabeled?: boolean; onProgress?: Progress },
): Promise<MaskExportOutcome> {
  const { format, source, onProgress } = opts;
  if (format === "coco") {
    const file = path.join(outDir, "coco.json");
    const r = exportCoco(store, file, { source, onProgress });
    return { outDir, written: r.images, format, source, file, annotations: r.annotations };
  }
  const r = await exportMasks(store, outDir, { format, source, onlyLabeled: opts.onlyLabeled, onProgress });
  return { outDir, written: r.written.length, format, source };
}

export interface DatasetExportOutcome {
  outDir: string;
  images: number;
  splits: Record<Split, number>;
  /** images whose file could not be read: left out, the rest written */
  skipped: SkippedImage[];
}

/** A Pascal-VOC-like dataset folder: images, masks, split lists, classes. */
export async function exportDatasetFolder(
  store: ProjectStore,
  outDir: string,
  opts: { source: MaskSource; onlyLabeled?: boolean; onProgress?: Progress },
): Promise<DatasetExportOutcome> {
  const r = await exportDataset(store, outDir, opts);
  return { outDir, images: r.images, splits: r.splits, skipped: r.skipped };
}

/**
 * A model (default: the latest) as a TensorFlow.js layers-model folder + metadata.json. Rebuilding
 * the network needs tensors: `backend` is started first. Loaded when called, so that a process
 * (the app's) does not load TensorFlow.js until a model is exported.
 */
export async function exportModelFolder(
  store: ProjectStore,
  outDir: string,
  opts: { modelId?: number; backend: BackendPreference },
): Promise<{ outDir: string; modelId: number }> {
  const { initBackend } = await import("../ml/engine/backend.ts");
  const { exportModel } = await import("../exchange/model.ts");
  await initBackend(opts.backend);
  const r = await exportModel(store, outDir, opts.modelId);
  return { outDir, modelId: r.modelId };
}
