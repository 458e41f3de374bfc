import sharp, { type OutputInfo } from "sharp";
import { FILE_LIMITS, FileCheckError, readFileChecked } from "../store/safe-read.ts";
import { MAX_PIXELS } from "../common/limits.ts";
import type { ProjectStore } from "../store/project-store.ts";
import { Source, UNLABELED, cloneMask, countLabeled } from "../common/mask.ts";
import {
  allImageIds,
  emptyMaskImportSummary,
  importChange,
  maskFinder,
  stem,
  unmatchedMasks,
} from "./mask-files.ts";
import type { MaskImportSummary } from "./mask-files.ts";

/**
 * Imports color PNG masks (one color per class) matched to images by file name. The color
 * map defaults to the project's class colors; colors not in it, and transparent pixels,
 * stay unlabeled and are counted.
 */
export async function importColorMasks(
  store: ProjectStore,
  dir: string,
  opts: { colorMap?: Map<number, number>; author?: string } = {},
): Promise<MaskImportSummary> {
  const summary = emptyMaskImportSummary();
  const map =
    opts.colorMap ??
    new Map(
      store
        .classes()
        .filter((c) => !c.deleted)
        .map((c) => [parseInt(c.color.slice(1), 16), c.idx]),
    );
  const findMask = maskFinder(dir);
  const taken = new Set<string>();
  for (const id of allImageIds(store)) {
    const img = store.requireImage(id);
    const file = findMask(stem(img.name), store.absolutePath(img.path));
    if (file) taken.add(file);
    if (!file) {
      summary.withoutMask++;
      continue;
    }
    let raw: { data: Buffer; info: OutputInfo };
    try {
      // Read through the checks (a regular file within the size limit), never opened by the
      // decoder itself; the pixel limit is checked against the header before decoding.
      const bytes = await readFileChecked(file, FILE_LIMITS.mask, "a mask file");
      raw = await sharp(bytes, { limitInputPixels: MAX_PIXELS })
        .ensureAlpha()
        .toColourspace("srgb")
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (e) {
      summary.errors.push({
        file,
        reason:
          e instanceof FileCheckError
            ? e.message
            : `${file}: not a readable PNG (${(e as Error).message.split("\n")[0]})`,
      });
      continue;
    }
    if (raw.info.width !== img.width || raw.info.height !== img.height) {
      summary.errors.push({
        file,
        reason: `${file}: mask is ${raw.info.width}x${raw.info.height} but image ${store.absolutePath(img.path)} is ${img.width}x${img.height}`,
      });
      continue;
    }
    const before = store.mask(id);
    const after = cloneMask(before);
    const d = raw.data;
    let unknown = 0;
    let added = 0;
    for (let i = 0; i < img.width * img.height; i++) {
      if (d[i * 4 + 3] === 0) {
        unknown++;
        continue;
      }
      const c = map.get((d[i * 4] << 16) | (d[i * 4 + 1] << 8) | d[i * 4 + 2]);
      if (c === undefined) {
        unknown++;
        continue;
      }
      if (after.classes[i] === UNLABELED) added++;
      after.classes[i] = c;
      after.sources[i] = Source.human;
    }
    summary.unlabeledValues += unknown;
    store.commitDiff(id, before, after, importChange(file, opts.author));
    summary.imported.push({
      image: img.name,
      mask: file,
      labeledPixels: countLabeled(after.classes),
      maskPixels: img.width * img.height - unknown,
      addedPixels: added,
    });
  }
  summary.unmatched = unmatchedMasks(store, dir, findMask, taken);
  return summary;
}
