/**
 * Import: image files and folders into the project, then (with `labels`) the class-index PNG
 * masks of a folder onto the images this import brought in: the one flow behind `pixelloop
 * import` and the service's images.import. And labels alone (index, color, COCO).
 */
import type { ProjectStore } from "../store/project-store.ts";
import type { Split } from "../common/project-types.ts";
import {
  importImages,
  importedImageIds,
  importedImageNames,
  type ImportProgress,
  type ImportSummary,
} from "../images/importer.ts";
import { importIndexMasks, type MaskImportSummary } from "../exchange/mask-files.ts";
import { importColorMasks } from "../exchange/color-masks.ts";
import { importCoco, type CocoImportSummary } from "../exchange/coco.ts";
import { readClassesFile } from "../exchange/classes-file.ts";

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

export type LabelFormat = "index" | "color" | "coco";

export type LabelImportOutcome =
  { format: "coco"; coco: CocoImportSummary } | { format: "index" | "color"; masks: MaskImportSummary };

/**
 * Labels for the project's images: a folder of class-index or color PNGs (matched by file name;
 * `colorMapFile`, a classes file, maps colors to classes, default the project's colors) or a COCO JSON file. The flow
 * behind `pixelloop import-masks`.
 */
export async function importLabels(
  store: ProjectStore,
  source: string,
  opts: { format: LabelFormat; colorMapFile?: string; binary?: boolean },
): Promise<LabelImportOutcome> {
  if (opts.format === "coco") return { format: "coco", coco: importCoco(store, source) };
  // A classes file's colors, each to its class index (color masks painted with other colors).
  const colorMap = opts.colorMapFile
    ? new Map(readClassesFile(opts.colorMapFile).map((c) => [parseInt(c.color.slice(1), 16), c.idx]))
    : undefined;
  const masks =
    opts.format === "color"
      ? await importColorMasks(store, source, { colorMap })
      : importIndexMasks(store, source, { binary: opts.binary });
  return { format: opts.format, masks };
}
