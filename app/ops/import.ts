/**
 * Import: image files and folders into the project, then (with `labels`) the class-index PNG
 * masks of a folder onto the images this import brought in. The one flow behind `pixelloop
 * import` and the service's images.import.
 */
import type { ProjectStore } from "../store/project-store.ts";
import type { Split } from "../store/types.ts";
import {
  importImages,
  importedImageIds,
  importedImageNames,
  type ImportProgress,
  type ImportSummary,
} from "../images/importer.ts";
import { importIndexMasks, type MaskImportSummary } from "../exchange/mask-files.ts";

export interface ImportRequest {
  /** image files and folders (absolute, or relative to the working folder) */
  paths: string[];
  split: Split;
  /** a folder of class-index PNG masks, matched to the images by name; left out of the images */
  labels?: string;
  /** masks are 0/255 (or 0/1): 0 the first class, any other value the second */
  binary?: boolean;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportOutcome {
  images: ImportSummary;
  /** null without `labels` */
  masks: MaskImportSummary | null;
  /** what the mask files held and added, over every mask imported */
  maskPixels: number;
  addedPixels: number;
}

export async function importWithMasks(store: ProjectStore, req: ImportRequest): Promise<ImportOutcome> {
  const images = await importImages(store, req.paths, {
    split: req.split,
    exclude: req.labels ? [req.labels] : [],
    onProgress: req.onProgress,
  });
  const masks = req.labels
    ? importIndexMasks(store, req.labels, {
        imageIds: importedImageIds(images),
        otherNames: importedImageNames(images),
        binary: req.binary,
      })
    : null;
  return {
    images,
    masks,
    maskPixels: masks?.imported.reduce((n, m) => n + m.maskPixels, 0) ?? 0,
    addedPixels: masks?.imported.reduce((n, m) => n + m.addedPixels, 0) ?? 0,
  };
}
