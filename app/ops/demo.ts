import fs from "node:fs";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { readClassesFile } from "../exchange/classes-file.ts";
import { importImages } from "../images/importer.ts";
import { importIndexMasks } from "../exchange/mask-files.ts";
import { withStore } from "./project-file.ts";

/** The demo's source files: procedural scenes made by resources/demo/generate.ts. */
export const DEMO_SOURCE = path.resolve(import.meta.dirname, "../../resources/demo");
const VAL_COUNT = 6;

/**
 * Creates the demo project in `dir` (images copied beside it, so paths are relative) unless
 * it is already there: train images carry scribbles, val images dense labels for mIoU.
 */
export async function createDemoProject(dir: string): Promise<string> {
  const file = path.join(path.resolve(dir), "demo.pxl");
  if (fs.existsSync(file)) return file;
  const names = fs
    .readdirSync(path.join(DEMO_SOURCE, "images"))
    .filter((f) => f.endsWith(".png"))
    .sort();
  const trainDir = path.join(dir, "images", "train");
  const valDir = path.join(dir, "images", "val");
  fs.mkdirSync(trainDir, { recursive: true });
  fs.mkdirSync(valDir, { recursive: true });
  names.forEach((n, i) => {
    const to = i < names.length - VAL_COUNT ? trainDir : valDir;
    fs.copyFileSync(path.join(DEMO_SOURCE, "images", n), path.join(to, n));
  });
  // Build into a temporary file and rename, so a half-made demo is never mistaken for a ready one.
  const tmp = `${file}.partial`;
  for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) fs.rmSync(f, { force: true });
  const store = ProjectStore.create(tmp, {
    name: "Demo: garden streets",
    classes: readClassesFile(path.join(DEMO_SOURCE, "classes.json")),
  });
  try {
    const train = await importImages(store, [trainDir], { split: "train" });
    importIndexMasks(store, path.join(DEMO_SOURCE, "scribbles"), {
      imageIds: train.imported.map((i) => i.id),
      author: "demo",
    });
    const val = await importImages(store, [valDir], { split: "val" });
    importIndexMasks(store, path.join(DEMO_SOURCE, "gt"), {
      imageIds: val.imported.map((i) => i.id),
      author: "demo",
    });
  } finally {
    store.close();
  }
  fs.renameSync(tmp, file);
  return file;
}

export interface DemoProject {
  file: string;
  images: number;
  labeledImages: number;
  labeledPixels: number;
  classNames: string[];
}

/** The demo project in `dir`, made first when it is not there, and what it holds. */
export async function openDemoProject(dir: string): Promise<DemoProject> {
  const file = await createDemoProject(dir);
  return withStore(file, { readonly: true }, (store) => {
    const s = store.summary();
    return {
      file,
      images: s.images,
      labeledImages: s.labeledImages,
      labeledPixels: s.labeledPixels,
      classNames: store.classes().map((c) => c.name),
    };
  });
}
