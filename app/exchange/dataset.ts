import fs from "node:fs";
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import type { Split } from "../store/types.ts";
import { encodeIndexPng } from "./index-png.ts";
import { allImageIds, stem } from "./mask-files.ts";
import { classMapFor, sourceModelId, type MaskSource } from "./mask-source.ts";
import { ensureFolder } from "./folders.ts";

/**
 * Writes a Pascal-VOC-like dataset folder (docs/exchange.md says how to load it):
 *   JPEGImages/<name>            the original image files, as imported
 *   SegmentationClass/<stem>.png class index per pixel, 255 = unlabeled (ignore_index 255)
 *   ImageSets/Segmentation/{train,val,test,trainval}.txt  one stem per line
 *   labelmap.txt (VOC "name:r,g,b::"), classes.json
 */
export function exportDataset(
  store: ProjectStore,
  outDir: string,
  opts: { source?: MaskSource; onProgress?: (done: number, total: number) => void } = {},
): { images: number; splits: Record<Split, number> } {
  const modelId = sourceModelId(store, opts.source ?? "labels");
  const imgDir = path.join(outDir, "JPEGImages");
  const maskDir = path.join(outDir, "SegmentationClass");
  const setDir = path.join(outDir, "ImageSets", "Segmentation");
  for (const d of [outDir, imgDir, maskDir, setDir]) ensureFolder(d); // outDir first: an error names the folder given
  const lists: Record<Split, string[]> = { train: [], val: [], test: [] };
  const used = new Set<string>();
  const ids = allImageIds(store);
  ids.forEach((id, k) => {
    const img = store.requireImage(id);
    opts.onProgress?.(k + 1, ids.length);
    let s = stem(img.name);
    if (used.has(s)) s = `${s}-${id}`;
    used.add(s);
    const src = store.absolutePath(img.path);
    fs.copyFileSync(src, path.join(imgDir, s + path.extname(img.name).toLowerCase()));
    const map = classMapFor(store, id, opts.source ?? "labels", modelId);
    fs.writeFileSync(path.join(maskDir, `${s}.png`), encodeIndexPng(map, img.width, img.height));
    lists[img.split].push(s);
  });
  for (const split of ["train", "val", "test"] as Split[])
    fs.writeFileSync(path.join(setDir, `${split}.txt`), lists[split].map((l) => l + "\n").join(""));
  fs.writeFileSync(
    path.join(setDir, "trainval.txt"),
    [...lists.train, ...lists.val].map((l) => l + "\n").join(""),
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
    images: ids.length,
    splits: { train: lists.train.length, val: lists.val.length, test: lists.test.length },
  };
}
