/**
 * The accuracy benchmark's domains (docs/learning.md, "Benchmark protocol"): each one a folder
 * laid out like camvid-dev (classes.json; train/images + train/scribbles; val/images + val/gt).
 *
 *   camvid-dev  street scenes, 11 classes, RGB 480x360 (../shared/datasets/camvid-dev)
 *   membranes   gray EM-like cell-membrane networks 1-6 px wide (npm run synthetic:membranes)
 *   cells       12-bit gray frames of bright discs on a noisy shaded field (npm run synthetic:cells)
 *
 * The synthetic ones are generated once, with a fixed data seed, into a cache folder; the
 * training seed of the benchmark never changes the data.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ProjectStore } from "../app/store/project-store.ts";
import { readClassesFile } from "../app/exchange/classes-file.ts";
import { importImages } from "../app/images/importer.ts";
import { importIndexMasks } from "../app/exchange/mask-files.ts";
import { readIndexPng } from "../app/exchange/index-png.ts";
import { decodePixels, IMAGE_EXTENSIONS } from "../app/images/decode.ts";
import { maskName } from "../app/jobs/project-prediction.ts";
import type { EvaluationSample } from "../app/ml/training/evaluate.ts";
import type { RawImage } from "../app/ml/model/image.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

/** How each synthetic domain is generated: its npm script file and arguments (fixed data seed). */
const GENERATED: Record<string, { script: string; args: string[] }> = {
  membranes: {
    script: "bench/synthetic-membranes.ts",
    args: ["--train", "20", "--val", "8", "--seed", "5"],
  },
  cells: { script: "bench/synthetic-cells.ts", args: ["--train", "40", "--val", "12", "--seed", "11"] },
};

export const DEFAULT_DOMAINS = ["camvid-dev", "membranes", "cells"];

/** The dataset folder of a domain: camvid-dev from shared/datasets, the others generated (cached). */
export function domainFolder(name: string, cache: string): string {
  if (name === "camvid-dev") {
    const dir = path.resolve(ROOT, "../shared/datasets/camvid-dev");
    if (!fs.existsSync(path.join(dir, "train/images")))
      throw new Error(`${dir}: no camvid-dev dataset (train/images missing)`);
    return dir;
  }
  if (fs.existsSync(path.join(name, "classes.json"))) return path.resolve(name); // a folder given by path
  const gen = GENERATED[name];
  if (!gen) throw new Error(`unknown domain ${name} (known: ${DEFAULT_DOMAINS.join(", ")}, or a folder)`);
  const dir = path.join(cache, `${name}-${gen.args.join("_").replace(/-/g, "")}`);
  if (!fs.existsSync(path.join(dir, "classes.json"))) {
    fs.rmSync(dir, { recursive: true, force: true });
    execFileSync(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, gen.script), "--out", dir, ...gen.args],
      {
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
  }
  return dir;
}

export function defaultCache(): string {
  return path.join(os.tmpdir(), "pixelloop-bench-data");
}

export interface Domain {
  name: string;
  folder: string;
  classNames: string[];
  /** the project file with train/images and train/scribbles imported (never train/gt) */
  project: string;
  /** the train images with their scribbles (the classical baseline), and their dense ground truth when the domain has it (diagnostics only) */
  train: Array<{ image: RawImage; labels: Uint8Array; gt?: Uint8Array }>;
  val: EvaluationSample[];
  voidValue: number | undefined;
  labeledShare: number;
  medianShortSide: number;
}

const imageNames = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((n) => (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(n).toLowerCase()))
    .sort();

async function readRaw(file: string): Promise<RawImage> {
  const px = await decodePixels(file);
  return {
    pixels: px.data,
    width: px.width,
    height: px.height,
    channels: px.channels as RawImage["channels"],
  };
}

/** Imports a domain's train split into a fresh project under `workDir` and reads its val split. */
export async function loadDomain(name: string, cache: string, workDir: string): Promise<Domain> {
  const folder = domainFolder(name, cache);
  const classesFile = readClassesFile(path.join(folder, "classes.json"));
  const voidValue = (
    JSON.parse(fs.readFileSync(path.join(folder, "classes.json"), "utf8")) as { void?: number }
  ).void;
  const project = path.join(workDir, `${path.basename(name)}.pxl`);
  const store = ProjectStore.create(project, { name: `${name} bench`, classes: classesFile });
  const imported = await importImages(store, [path.join(folder, "train/images")], { split: "train" });
  importIndexMasks(store, path.join(folder, "train/scribbles"), {
    imageIds: imported.imported.map((i) => i.id),
  });
  const summary = store.summary();
  store.close();
  const train: Domain["train"] = [];
  const shortSides: number[] = [];
  for (const n of imageNames(path.join(folder, "train/images"))) {
    const image = await readRaw(path.join(folder, "train/images", n));
    const labels = Uint8Array.from(readIndexPng(path.join(folder, "train/scribbles", maskName(n))).values);
    const gtFile = path.join(folder, "train/gt", maskName(n));
    const gt = fs.existsSync(gtFile) ? Uint8Array.from(readIndexPng(gtFile).values) : undefined;
    train.push({ image, labels, gt });
    shortSides.push(Math.min(image.width, image.height));
  }
  shortSides.sort((a, b) => a - b);
  const val: EvaluationSample[] = [];
  for (const n of imageNames(path.join(folder, "val/images"))) {
    const image = await readRaw(path.join(folder, "val/images", n));
    val.push({ image, gt: Uint8Array.from(readIndexPng(path.join(folder, "val/gt", maskName(n))).values) });
  }
  return {
    name,
    folder,
    classNames: classesFile.map((c) => c.name),
    project,
    train,
    val,
    voidValue,
    labeledShare: summary.labeledPixels / summary.totalPixels,
    medianShortSide: shortSides[Math.floor((shortSides.length - 1) / 2)] ?? 0,
  };
}
