/**
 * For training tests: a project file of synthetic scenes (syntheticSample, classes a, b, c):
 * seeds 0-2 in train with their scribbles as labels, seed 3 in val with its dense ground truth,
 * so training has a held-out check.
 */
import fs from "node:fs";
import path from "node:path";
import { ProjectStore } from "../../store/project-store.ts";
import { importImages } from "../../images/importer.ts";
import { importIndexMasks } from "../../exchange/mask-files.ts";
import { encodeIndexPng, encodeRgbPng } from "../../exchange/index-png.ts";
import { syntheticSample } from "./synthetic.ts";

/** Writes the images and masks under `dir` and returns the project file (dir/p.pxl). */
export async function syntheticValProject(dir: string, width: number, height: number, name: string) {
  for (const sub of ["train", "val", "labels"]) fs.mkdirSync(path.join(dir, sub));
  for (let seed = 0; seed < 4; seed++) {
    const s = syntheticSample(width, height, seed, true);
    const split = seed === 3 ? "val" : "train";
    fs.writeFileSync(path.join(dir, split, `s${seed}.png`), encodeRgbPng(s.pixels, width, height, 3));
    // Train images: their scribbles; the val image: its dense ground truth.
    const mask = split === "val" ? s.gt : (s.labels as Uint8Array);
    fs.writeFileSync(path.join(dir, "labels", `s${seed}.png`), encodeIndexPng(mask, width, height));
  }
  const file = path.join(dir, "p.pxl");
  const store = ProjectStore.create(file, {
    name,
    classes: ["a", "b", "c"].map((n, idx) => ({ idx, name: n, color: "#000000" })),
  });
  await importImages(store, [path.join(dir, "train")], { split: "train" });
  await importImages(store, [path.join(dir, "val")], { split: "val" });
  importIndexMasks(store, path.join(dir, "labels"));
  store.close();
  return file;
}
