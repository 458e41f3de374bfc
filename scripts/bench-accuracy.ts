/**
 * Accuracy benchmark / ablation of the training method (docs/learning.md).
 *
 *   npm run bench:accuracy                          5 configurations x 5 minutes each
 *   npm run bench:accuracy -- --minutes 3           budget per configuration
 *   npm run -s bench:accuracy -- --json             one JSON object on stdout
 *   options: --configs ce,ssl,pixl,all  --size 128  --scale auto  --lr 0.001  --keep FILE (keep the project)  --method JSON (overrides)  --batch 8  --backend auto  --replicas auto|N  --data DIR
 *
 * Protocol (camvid-dev README): a fresh project with train/images + train/scribbles only (never
 * train/gt); every configuration trains with the same time budget through trainProject (worker
 * thread); the model is evaluated on val/images against val/gt (void ignored: classes.json "void" and values >= the number of classes): mIoU over the
 * classes present, pixel accuracy. Configurations run one after the other.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ProjectStore } from "../app/store/project-store.ts";
import { readClassesFile } from "../app/api/classes-file.ts";
import { importImages } from "../app/images/importer.ts";
import { importIndexMasks } from "../app/exchange/mask-files.ts";
import { readIndexPng } from "../app/exchange/index-png.ts";
import { decodePixels, IMAGE_EXTENSIONS } from "../app/images/decode.ts";
import { initBackend, type BackendPreference } from "../app/ml/backend.ts";
import { trainProject } from "../app/ml/project-training.ts";
import { loadModel, maskName } from "../app/ml/project-prediction.ts";
import { evaluateNetwork, type EvaluationSample } from "../app/ml/evaluate.ts";
import type { PartialMethod } from "../app/ml/method.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    minutes: { type: "string", default: "5" },
    configs: { type: "string", default: "ce,ssl,pixl,all,ce-prop" },
    size: { type: "string", default: "128" },
    scale: { type: "string", default: "auto" },
    lr: { type: "string" },
    keep: { type: "string" },
    method: { type: "string" },
    batch: { type: "string", default: "8" },
    backend: { type: "string", default: "auto" },
    replicas: { type: "string", default: "auto" },
    data: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev") },
  },
});
const log = (line: string) => (args.json ? process.stderr.write(`${line}\n`) : console.log(line));

// Every configuration says which terms it uses, so the table does not depend on the defaults.
const ON = { enabled: true };
const OFF = { enabled: false };
const CONFIGS: Record<string, { label: string; method: PartialMethod }> = {
  ce: {
    label: "partial CE alone",
    method: { semiSupervised: OFF, pixl: OFF, crf: OFF, propagation: OFF },
  },
  ssl: {
    label: "+ semi-supervised (FixMatch)",
    method: { semiSupervised: ON, pixl: OFF, crf: OFF, propagation: OFF },
  },
  pixl: {
    label: "+ PiXL alignment",
    method: { semiSupervised: ON, pixl: ON, crf: OFF, propagation: OFF },
  },
  all: {
    label: "all terms (+ superpixel propagation)",
    method: { semiSupervised: ON, pixl: ON, crf: OFF, propagation: ON },
  },
  "all-crf": {
    label: "all terms + CRF",
    method: { semiSupervised: ON, pixl: ON, crf: ON, propagation: ON },
  },
  "ce-prop": {
    label: "partial CE + superpixel propagation (default)",
    method: { semiSupervised: OFF, pixl: OFF, crf: OFF, propagation: ON },
  },
  "ce-pixl": {
    label: "partial CE + PiXL",
    method: { semiSupervised: OFF, pixl: ON, crf: OFF, propagation: OFF },
  },
  "no-weights": { label: "defaults without class weights", method: { classWeighting: "none" } },
};

/** A configuration with --method overrides (JSON, e.g. '{"semiSupervised":{"tau":0.8}}') on top. */
function mergeMethod(base: PartialMethod, extra: PartialMethod): PartialMethod {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = (base as Record<string, unknown>)[k];
    out[k] = v && typeof v === "object" && b && typeof b === "object" ? { ...b, ...v } : v;
  }
  return out as PartialMethod;
}

async function main(): Promise<void> {
  const minutes = Number(args.minutes);
  const data = args.data;
  if (!fs.existsSync(path.join(data, "train/images")))
    throw new Error(`${data}: no camvid-dev dataset (train/images missing)`);
  const classesFile = readClassesFile(path.join(data, "classes.json"));
  const voidValue = (
    JSON.parse(fs.readFileSync(path.join(data, "classes.json"), "utf8")) as { void?: number }
  ).void;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-bench-"));
  const project = path.join(dir, "camvid.pxl");
  const store = ProjectStore.create(project, { name: "camvid-dev bench", classes: classesFile });
  const imported = await importImages(store, [path.join(data, "train/images")], { split: "train" });
  importIndexMasks(store, path.join(data, "train/scribbles"), {
    imageIds: imported.imported.map((i) => i.id),
  });
  const summary = store.summary();
  store.close();
  log(
    `${path.basename(data)}: ${summary.images} training images, ${summary.labeledPixels} scribbled pixels (${((100 * summary.labeledPixels) / summary.totalPixels).toFixed(2)}%)`,
  );

  const valNames = fs
    .readdirSync(path.join(data, "val/images"))
    .filter((n) => (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(n).toLowerCase()))
    .sort();
  const val: EvaluationSample[] = [];
  for (const name of valNames) {
    const px = await decodePixels(path.join(data, "val/images", name));
    const gt = readIndexPng(path.join(data, "val/gt", maskName(name))).values;
    val.push({
      image: { pixels: px.data, width: px.width, height: px.height, channels: px.channels },
      gt: Uint8Array.from(gt),
    });
  }
  await initBackend(args.backend as BackendPreference);

  const rows: Array<{
    config: string;
    label: string;
    miou: number;
    pixelAccuracy: number;
    perClassIou: (number | null)[];
    steps: number;
    seconds: number;
    backend: string;
    losses: Record<string, number>;
  }> = [];
  for (const key of args.configs.split(",")) {
    const cfg = CONFIGS[key];
    if (!cfg) throw new Error(`unknown config ${key} (known: ${Object.keys(CONFIGS).join(", ")})`);
    log(`training "${cfg.label}" for ${minutes} min...`);
    const handle = trainProject(project, {
      minutes,
      backend: args.backend as BackendPreference,
      size: Number(args.size),
      scale: args.scale === "auto" ? "auto" : Number(args.scale),
      learningRate: args.lr ? Number(args.lr) : undefined,
      batchSize: Number(args.batch),
      replicas: args.replicas === "auto" ? "auto" : Number(args.replicas),
      method: mergeMethod(cfg.method, args.method ? (JSON.parse(args.method) as PartialMethod) : {}),
      name: key,
    });
    const r = await handle.outcome;
    const s = ProjectStore.open(project, { readonly: true });
    const model = loadModel(s, r.modelId ?? undefined);
    s.close();
    const m = evaluateNetwork(model.net, val, voidValue);
    model.net.dispose();
    rows.push({
      config: key,
      label: cfg.label,
      miou: m.miou,
      pixelAccuracy: m.pixelAccuracy,
      perClassIou: m.perClassIou,
      steps: r.stepsDone,
      seconds: r.seconds,
      backend: `${r.backend?.name ?? "?"}${(r.backend?.replicas ?? 1) > 1 ? ` x${r.backend?.replicas}` : ""}`,
      losses: r.lastLosses,
    });
    log(
      `  ${cfg.label}: mIoU ${m.miou.toFixed(3)}, pixel accuracy ${m.pixelAccuracy.toFixed(3)} (${r.stepsDone} steps, ${r.seconds.toFixed(0)} s, ${rows.at(-1)?.backend})`,
    );
    log(
      `    per class: ${m.perClassIou.map((v, c) => `${classesFile[c]?.name ?? c} ${v === null ? "-" : v.toFixed(2)}`).join(", ")}`,
    );
  }
  if (args.keep) fs.copyFileSync(project, args.keep);
  fs.rmSync(dir, { recursive: true, force: true });

  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ minutesPerConfig: minutes, size: Number(args.size), batch: Number(args.batch), valImages: val.length, rows })}\n`,
    );
    return;
  }
  console.log("");
  console.log(`| configuration | mIoU | pixel acc. | steps | wall time | backend |`);
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.miou.toFixed(3)} | ${r.pixelAccuracy.toFixed(3)} | ${r.steps} | ${(r.seconds / 60).toFixed(1)} min | ${r.backend} |`,
    );
  }
  console.log(
    `\nbudget ${minutes} min per configuration, working scale ${args.scale}, crops ${args.size}, batch ${args.batch}; ${val.length} val images, void ignored`,
  );
  if (path.basename(path.resolve(data)) === "camvid-dev")
    console.log(
      "reference (camvid-dev): ilastik-style random forest on the same kind of scribbles ~0.25 mIoU / 0.64 pixel accuracy",
    );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-accuracy: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
