import fs from "node:fs";
import path from "node:path";
import sharp, { type FormatEnum } from "sharp";
import type { ProjectStore } from "../store/project-store.ts";
import type { ImageRow, Split } from "../common/project-types.ts";
import { sizeChangedReason, unreadableReason, type SkippedImage } from "../images/decode.ts";
import { encodeIndexPng } from "./index-png.ts";
import { allImageIds, maskFileStems } from "./mask-files.ts";
import { classMapFor, sourceModelId, type MaskSource } from "./mask-source.ts";
import { ensureFolder } from "./folders.ts";
import { ProtectedFiles } from "./output-guard.ts";

/**
 * Writes a Pascal-VOC-like dataset folder (docs/exchange.md says how to load it):
 *   JPEGImages/<name>            the original image files, as imported; re-encoded upright (same
 *                                format) when EXIF orientation turns them, so sizes match the masks
 *   SegmentationClass/<stem>.png class index per pixel, 255 = unlabeled (ignore_index 255)
 *   ImageSets/Segmentation/{train,val,test,trainval}.txt  one stem per line
 *   labelmap.txt (VOC "name:r,g,b::"), classes.json
 * Refuses, before writing anything, when a file would replace an image of the project. An image
 * whose file cannot be read (moved, deleted, damaged) or changed size is left out and listed in
 * `skipped`; the rest are written.
 */
export async function exportDataset(
  store: ProjectStore,
  outDir: string,
  opts: {
    source?: MaskSource;
    /** leave out images without labels (their masks would be all unlabeled) */
    onlyLabeled?: boolean;
    onProgress?: (done: number, total: number) => void;
  } = {},
): Promise<{ images: number; splits: Record<Split, number>; skipped: SkippedImage[] }> {
  const modelId = sourceModelId(store, opts.source ?? "labels");
  const imgDir = path.join(outDir, "JPEGImages");
  const maskDir = path.join(outDir, "SegmentationClass");
  const setDir = path.join(outDir, "ImageSets", "Segmentation");
  const images = allImageIds(store)
    .map((id) => store.requireImage(id))
    .filter((img) => !opts.onlyLabeled || img.labeledPixels > 0);
  const stems = maskFileStems(images);
  const planned = images.map((img) => ({
    img,
    stem: stems.get(img.id) as string,
    image: path.join(imgDir, (stems.get(img.id) as string) + path.extname(img.name).toLowerCase()),
    mask: path.join(maskDir, `${stems.get(img.id)}.png`),
  }));
  const splits: Split[] = ["train", "val", "test"];
  const lists = [...splits, "trainval"].map((s) => path.join(setDir, `${s}.txt`));
  ProtectedFiles.ofProject(store).check(
    [
      ...planned.flatMap((p) => [p.image, p.mask]),
      ...lists,
      path.join(outDir, "labelmap.txt"),
      path.join(outDir, "classes.json"),
    ],
    outDir,
  );
  for (const d of [outDir, imgDir, maskDir, setDir]) ensureFolder(d); // outDir first: an error names the folder given
  const listed: Record<Split, string[]> = { train: [], val: [], test: [] };
  const skipped: SkippedImage[] = [];
  for (const [k, p] of planned.entries()) {
    opts.onProgress?.(k + 1, planned.length);
    const problem = await writeImage(store.absolutePath(p.img.path), p.img, p.image);
    if (problem) {
      skipped.push(problem);
      continue;
    }
    const map = classMapFor(store, p.img.id, opts.source ?? "labels", modelId);
    fs.writeFileSync(p.mask, encodeIndexPng(map, p.img.width, p.img.height));
    listed[p.img.split].push(p.stem);
  }
  for (const split of splits)
    fs.writeFileSync(path.join(setDir, `${split}.txt`), listed[split].map((l) => l + "\n").join(""));
  fs.writeFileSync(
    path.join(setDir, "trainval.txt"),
    [...listed.train, ...listed.val].map((l) => l + "\n").join(""),
  );
  const classes = store.classes();
  const rgb = (hex: string) => [1, 3, 5].map((o) => parseInt(hex.slice(o, o + 2), 16)).join(",");
  fs.writeFileSync(
    path.join(outDir, "labelmap.txt"),
    "# label:color_rgb:parts:actions\n" + classes.map((c) => `${c.name}:${rgb(c.color)}::\n`).join(""),
  );
  fs.writeFileSync(
    path.join(outDir, "classes.json"),
    JSON.stringify(
      { ignoreIndex: 255, classes: classes.map((c) => ({ index: c.idx, name: c.name, color: c.color })) },
      null,
      2,
    ) + "\n",
  );
  return {
    images: planned.length - skipped.length,
    splits: { train: listed.train.length, val: listed.val.length, test: listed.test.length },
    skipped,
  };
}

/**
 * Copies an image file into the dataset, or writes its pixels upright in the same format when its
 * EXIF orientation turns it (loaders such as PIL ignore the tag, and the mask has the upright
 * size). Returns why it was left out, or null.
 */
async function writeImage(src: string, img: ImageRow, dest: string): Promise<SkippedImage | null> {
  try {
    const meta = await sharp(src).metadata();
    const turned = (meta.orientation ?? 1) >= 5;
    const changed = sizeChangedReason(
      { width: turned ? meta.height : meta.width, height: turned ? meta.width : meta.height },
      img,
    );
    if (changed) return { file: src, reason: changed };
    if ((meta.orientation ?? 1) === 1) fs.copyFileSync(src, dest);
    else
      await sharp(src)
        .rotate()
        .toFormat(meta.format as keyof FormatEnum, meta.format === "jpeg" ? { quality: 95 } : {})
        .toFile(dest);
    return null;
  } catch (e) {
    return { file: src, reason: unreadableReason(e) };
  }
}
