import fs from "node:fs";
import path from "node:path";
import type { ChangeRecord, ProjectStore } from "../store/project-store.ts";
import { Source, UNLABELED, cloneMask, countLabeled, type LabelMask } from "../common/mask.ts";
import { encodeIndexPng, encodeRgbPng, readIndexPng } from "./index-png.ts";
import type { ClassDef } from "../common/project-types.ts";
import { classMapFor, sourceModelId, type MaskSource } from "./mask-source.ts";
import { ensureFolder } from "./folders.ts";
import { ProtectedFiles } from "./output-guard.ts";
import { MASK_SUFFIXES } from "../labels/mask-names.ts";
import { IMAGE_EXTENSIONS } from "../images/decode.ts";

/** A file in a masks folder that was not imported because no image takes it, and why. */
export interface UnmatchedMask {
  file: string;
  /** names the file: `<file>: matches no image of the project by name` and the like */
  reason: string;
}

export interface MaskImportSummary {
  /**
   * labeledPixels: the image's labeled pixels after the import (its other labels included);
   * maskPixels: the pixels the mask labels; addedPixels: those of them that were unlabeled before
   */
  imported: { image: string; mask: string; labeledPixels: number; maskPixels: number; addedPixels: number }[];
  /** pixels whose value was >= the number of classes (e.g. a void class) or 255: left unlabeled */
  unlabeledValues: number;
  /** images of the project with no mask file of the same name */
  withoutMask: number;
  errors: { file: string; reason: string }[];
  /**
   * Files of the masks folder no image of the project takes (a PNG named after no image, one of
   * two files that fit the same image, an image file that is not a PNG), each named with the
   * reason: never left out silently. Files that are images of the project are not listed.
   */
  unmatched: UnmatchedMask[];
  /**
   * Masks that look binary (only the values 0 and 255, each on at least 5% of the pixels) in a
   * two-class project imported without `binary`: their 255 was left unlabeled, though it most
   * likely marks the second class. 0 when any mask of the import holds the value 1: then the
   * masks are class indices, and 255 is what they leave unlabeled (a scribble of the first class).
   */
  binaryLooking: number;
}

/** A summary of nothing imported yet (index and color mask imports fill it in). */
export function emptyMaskImportSummary(): MaskImportSummary {
  return { imported: [], unlabeledValues: 0, withoutMask: 0, errors: [], unmatched: [], binaryLooking: 0 };
}

/** Share of a mask both 0 and 255 must cover for it to count as binary-looking. */
const BINARY_LOOKING_SHARE = 0.05;

/**
 * Imports class-index PNG masks from a folder, matched to project images by file name
 * (the stem: image a.jpg takes mask a.png). Values >= number of classes become unlabeled.
 * With `binary` (two-class projects: 0/255 or 0/1 masks as most binary datasets ship them), 0 is
 * the first class and every other value the second.
 * Labeled pixels of a mask overwrite the image's labels; its unlabeled pixels keep them.
 * Each image is one transaction; a bad mask is reported and changes nothing.
 */
export function importIndexMasks(
  store: ProjectStore,
  dir: string,
  opts: {
    imageIds?: number[];
    author?: string;
    binary?: boolean;
    /** more file names an image goes by (a file of this import skipped as a duplicate of it) */
    otherNames?: ReadonlyMap<number, readonly string[]>;
    onProgress?: (done: number, total: number) => void;
  } = {},
): MaskImportSummary {
  const numClasses = store.classes().length;
  // A deleted class's value is left unlabeled, as a value past the classes is.
  const gone = new Uint8Array(256);
  for (const c of store.deletedClasses()) gone[c] = 1;
  const summary = emptyMaskImportSummary();
  if (opts.binary && numClasses !== 2) {
    summary.errors.push({
      file: dir,
      reason: `${dir}: binary masks need a project of two classes; this one has ${numClasses}`,
    });
    return summary;
  }
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dir);
  } catch {
    // reported below
  }
  if (!st?.isDirectory()) {
    const reason = !st
      ? "no such folder"
      : st.isFile()
        ? "is a file, not a folder of masks (a COCO file ends in .json)"
        : "is not a folder";
    summary.errors.push({ file: dir, reason: `${dir}: ${reason}` });
    return summary;
  }
  const findMask = maskFinder(dir);
  const ids = opts.imageIds ?? allImageIds(store);
  const taken = new Set<string>();
  let holdsOne = false;
  ids.forEach((id, k) => {
    const img = store.requireImage(id);
    const maskFile = [img.name, ...(opts.otherNames?.get(id) ?? [])]
      .map((n) => findMask(stem(n), store.absolutePath(img.path)))
      .find((f) => f !== undefined);
    opts.onProgress?.(k + 1, ids.length);
    if (maskFile) taken.add(maskFile);
    if (!maskFile) {
      summary.withoutMask++;
      return;
    }
    let decoded;
    try {
      decoded = readIndexPng(maskFile);
    } catch (e) {
      summary.errors.push({ file: maskFile, reason: (e as Error).message });
      return;
    }
    if (decoded.width !== img.width || decoded.height !== img.height) {
      summary.errors.push({
        file: maskFile,
        reason: `${maskFile}: mask is ${decoded.width}x${decoded.height} but image ${store.absolutePath(img.path)} is ${img.width}x${img.height}`,
      });
      return;
    }
    const before = store.mask(id);
    const after: LabelMask = cloneMask(before);
    let dropped = 0;
    let added = 0;
    let zeros = 0;
    let full = 0;
    const v = decoded.values;
    for (let i = 0; i < v.length; i++) {
      const c = opts.binary ? (v[i] === 0 ? 0 : 1) : v[i];
      if (v[i] === 0) zeros++;
      else if (v[i] === 255) full++;
      else if (v[i] === 1) holdsOne = true;
      if (c >= numClasses || gone[c]) {
        dropped++;
        continue;
      }
      if (after.classes[i] === UNLABELED) added++;
      after.classes[i] = c;
      after.sources[i] = Source.human;
    }
    summary.unlabeledValues += dropped;
    const least = BINARY_LOOKING_SHARE * v.length;
    if (!opts.binary && numClasses === 2 && zeros + full === v.length && zeros >= least && full >= least)
      summary.binaryLooking++;
    store.commitDiff(id, before, after, importChange(maskFile, opts.author));
    summary.imported.push({
      image: img.name,
      mask: maskFile,
      labeledPixels: countLabeled(after.classes),
      maskPixels: v.length - dropped,
      addedPixels: added,
    });
  });
  if (holdsOne) summary.binaryLooking = 0;
  summary.unmatched = unmatchedMasks(store, dir, findMask, taken);
  return summary;
}

/**
 * The files of a masks folder that no image of the project takes (`taken`: those this import
 * used; masks of the project's other images count as taken too), each with its reason. PNGs and
 * other image files only (a README or .DS_Store is no mask); the project's own image files are
 * left out (images and masks side by side).
 */
export function unmatchedMasks(
  store: ProjectStore,
  dir: string,
  findMask: (imageStem: string, imageFile?: string) => string | undefined,
  taken: ReadonlySet<string>,
): UnmatchedMask[] {
  const images = store.images.namesAndPaths();
  const used = new Set(taken);
  const imageFiles = new Set<string>();
  /** images by lower-case stem: name and the mask file it takes, if any */
  const stems = new Map<string, { name: string; mask: string | undefined }>();
  for (const img of images) {
    const file = path.resolve(store.absolutePath(img.path));
    imageFiles.add(file);
    const m = findMask(stem(img.name), file);
    stems.set(stem(img.name).toLowerCase(), { name: img.name, mask: m });
    if (m) used.add(m);
  }
  const out: UnmatchedMask[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return out; // the folder itself was reported
  }
  for (const f of names) {
    const ext = path.extname(f).toLowerCase();
    if (!(IMAGE_EXTENSIONS as readonly string[]).includes(ext)) continue;
    const file = path.resolve(dir, f);
    if (used.has(file) || imageFiles.has(file)) continue;
    if (ext !== ".png") {
      out.push({ file, reason: `${file}: not a PNG; masks are read from PNG files only` });
      continue;
    }
    // A file that fits an image by name, but the image took another (a_mask.png before a_gt.png),
    // or two files fit alike (A_mask.png, a_MASK.png) and none was guessed.
    const lower = stem(f).toLowerCase();
    const image = [
      lower,
      ...MASK_SUFFIXES.filter((x) => lower.endsWith(x)).map((x) => lower.slice(0, -x.length)),
    ]
      .map((k) => stems.get(k))
      .find((n) => n !== undefined);
    out.push({
      file,
      reason: !image
        ? `${file}: matches no image of the project by name (a mask is named like its image: a.jpg -> a.png or a_mask.png)`
        : image.mask
          ? `${file}: also fits ${image.name}, which took ${path.basename(image.mask)}`
          : `${file}: could be the mask of ${image.name}, but so could another file in the folder; rename the one that is not`,
    });
  }
  return out;
}

/**
 * The PNG of a folder that is the mask of an image with this stem: the same name, else the same
 * name in other letter case, else the name with a suffix datasets use (a_mask.png, a_gt.png,
 * ISIC_0000000_segmentation.png), in any case; undefined when there is none (or when two files
 * would fit the same fallback: a guess is not made then).
 */
export function maskFinder(dir: string): (imageStem: string, imageFile?: string) => string | undefined {
  const exact = new Map<string, string>();
  const folded = new Map<string, string | null>();
  const add = (key: string, file: string) =>
    folded.set(key, folded.has(key) && folded.get(key) !== file ? null : file);
  for (const f of fs.readdirSync(dir)) {
    if (path.extname(f).toLowerCase() !== ".png") continue;
    const file = path.resolve(dir, f);
    const s = stem(f);
    exact.set(s, file);
    add(s.toLowerCase(), file);
  }
  return (imageStem, imageFile) => {
    // Images and masks side by side (a.png, a_mask.png): an image is not its own mask.
    const own = imageFile === undefined ? undefined : path.resolve(imageFile);
    const found = exact.get(imageStem);
    if (found && found !== own) return found;
    const lower = imageStem.toLowerCase();
    for (const key of [lower, ...MASK_SUFFIXES.map((x) => lower + x)]) {
      const f = folded.get(key);
      if (f && f !== own) return f;
    }
    return undefined;
  };
}

export type MaskFormat = "index" | "color";

/**
 * Writes one PNG per image (stem.png; stem-ID.png for a stem an earlier image has): class indices
 * (255 unlabeled) or class colors. Refuses, before writing anything, when a file would replace an
 * image of the project. Yields to the event loop between images, so the app keeps saving strokes
 * while a large project is exported.
 */
export async function exportMasks(
  store: ProjectStore,
  outDir: string,
  opts: {
    format: MaskFormat;
    source?: MaskSource;
    onlyLabeled?: boolean;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<{ written: string[] }> {
  const source = opts.source ?? "labels";
  const modelId = sourceModelId(store, source);
  const classes = store.classes();
  const images = allImageIds(store)
    .map((id) => store.requireImage(id))
    .filter((img) => !opts.onlyLabeled || img.labeledPixels > 0);
  const names = maskFileStems(images);
  const files = images.map((img) => path.join(outDir, `${names.get(img.id)}.png`));
  const legendFile = path.join(outDir, "legend.json");
  ProtectedFiles.ofProject(store).check(opts.format === "color" ? [...files, legendFile] : files, outDir);
  ensureFolder(outDir);
  for (const [k, img] of images.entries()) {
    opts.onProgress?.(k + 1, images.length);
    const map = classMapFor(store, img.id, source, modelId);
    const png =
      opts.format === "index"
        ? encodeIndexPng(map, img.width, img.height)
        : encodeRgbPng(colorize(map, classes), img.width, img.height, 4);
    fs.writeFileSync(files[k], png);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (opts.format === "color") {
    const legend = {
      unlabeled: "transparent",
      classes: classes.filter((c) => !c.deleted).map((c) => ({ index: c.idx, name: c.name, color: c.color })),
    };
    fs.writeFileSync(legendFile, JSON.stringify(legend, null, 2) + "\n");
  }
  return { written: files };
}

/**
 * Output stems of images by id, one each: the image's stem, or stem-ID when an earlier image has
 * the same stem (a.jpg and a.png; letter case aside, as on macOS and Windows disks).
 */
export function maskFileStems(images: { id: number; name: string }[]): Map<number, string> {
  const used = new Set<string>();
  const out = new Map<number, string>();
  for (const img of images) {
    let s = stem(img.name);
    if (used.has(s.toLowerCase())) s = `${s}-${img.id}`;
    used.add(s.toLowerCase());
    out.set(img.id, s);
  }
  return out;
}

/** RGBA: class color, fully transparent where unlabeled. */
export function colorize(classes: Uint8Array, defs: ClassDef[]): Uint8Array {
  const lut = new Uint8Array(256 * 4);
  for (const c of defs) {
    const n = parseInt(c.color.slice(1), 16);
    lut.set([(n >> 16) & 255, (n >> 8) & 255, n & 255, 255], c.idx * 4);
  }
  const out = new Uint8Array(classes.length * 4);
  for (let i = 0; i < classes.length; i++) {
    const o = classes[i] * 4;
    out[i * 4] = lut[o];
    out[i * 4 + 1] = lut[o + 1];
    out[i * 4 + 2] = lut[o + 2];
    out[i * 4 + 3] = classes[i] === UNLABELED ? 0 : lut[o + 3];
  }
  return out;
}

/** The change record of a mask imported from `file` (one per image; undo stops at it). */
export function importChange(file: string, author?: string): ChangeRecord {
  return {
    tool: "import",
    classIdx: null,
    width: 0,
    points: [],
    author: author ?? `import:${path.basename(file)}`,
  };
}

export function allImageIds(store: ProjectStore): number[] {
  return store.images.ids();
}

export function stem(file: string): string {
  const base = path.basename(file);
  const ext = path.extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}
