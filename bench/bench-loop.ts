/**
 * npm run bench:loop [-- --steps N --start-steps N | --minutes N] [--rounds N] [--budget PX] [--seed N]
 *                     [--start N] [--start-queue]   (the first N train images' scribbles, or with
 *                                                    --start-queue the N the app's start queue picks)
 *                     [--arms uncertainty,random] [--scale S --size PX --fine-tune-lr LR] [--data DIR] [--json]
 *                     [--replicas N|auto]   (default 1, as in every batch of bench/results/loop.md: the same seed
 *                                            trains the same model only with the same replicas)
 *
 * Simulates an annotator on camvid-dev (or --data DIR laid out the same way: classes.json,
 * train/images, train/scribbles, train/gt, val/images, val/gt; masks are PNGs named after their
 * image, class index per pixel, values >= the number of classes are void). Start: scribbles of a few train images. Each round:
 * train (a fixed number of steps, or a time budget), predict the train images, take the top
 * suggestions and, inside each suggested region, draw scribbles of the true class (train/gt plays the annotator's
 * eyes) within a fixed pixel budget per round; repeat. The uncertainty strategy and the
 * random strategy run in the same process from the same round-0 model, with equal budgets.
 * Also reports, across val images, the correlation between an image's uncertainty score and
 * its actual error (1 - pixel accuracy).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ProjectStore } from "../app/store/project-store.ts";
import { importImages } from "../app/images/importer.ts";
import { importIndexMasks } from "../app/exchange/mask-files.ts";
import { readIndexPng } from "../app/exchange/index-png.ts";
import { readClassesFile } from "../app/exchange/classes-file.ts";
import { trainProject } from "../app/jobs/project-training.ts";
import { maskName, predictProject } from "../app/jobs/project-prediction.ts";
import { computeSuggestions, type Strategy } from "../app/loop/suggest.ts";
import { readStoredPrediction } from "../app/loop/prediction-data.ts";
import { listRounds } from "../app/loop/rounds.ts";
import { pickStartQueue } from "../app/loop/start-queue.ts";
import { cloneMask } from "../app/common/mask.ts";
import { scribbleRegion } from "./sim-annotator.ts";
import type { RegionScore } from "../app/common/queue-types.ts";

/**
 * Defaults (the configuration bench/results/loop.md reports): cheaper training than the app's defaults
 * (working scale 0.4, 96-px crops, 800 steps from scratch then 300 fine-tuning steps at lr 3e-4,
 * a 300-step round with its predictions ~200 s on one wasm core), so a 4-round, 3-strategy run
 * takes ~50 minutes.
 */
const { values: args } = parseArgs({
  options: {
    minutes: { type: "string" },
    steps: { type: "string", default: "300" },
    "start-steps": { type: "string", default: "800" },
    rounds: { type: "string", default: "4" },
    budget: { type: "string", default: "10000" },
    start: { type: "string", default: "8" },
    "start-queue": { type: "boolean", default: false },
    suggestions: { type: "string", default: "4" },
    json: { type: "boolean", default: false },
    "from-scratch": { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
    arms: { type: "string", default: "uncertainty,uncertainty-no-coverage,random" },
    scale: { type: "string", default: "0.4" },
    size: { type: "string", default: "96" },
    lr: { type: "string" },
    "fine-tune-lr": { type: "string", default: "3e-4" },
    replicas: { type: "string", default: "1" },
    data: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev") },
  },
});
/** Each round fine-tunes the previous round's model (as the app does), unless --from-scratch. */
const FINE_TUNE = !args["from-scratch"];
/** Training per round: a time budget (--minutes) or, by default, a fixed step count (reproducible). */
const MINUTES = args.minutes === undefined ? undefined : Number(args.minutes);
const STEPS = Number(args.steps);
const START_STEPS = Number(args["start-steps"]);
const ROUNDS = Number(args.rounds);
const BUDGET = Number(args.budget);
const START_IMAGES = Number(args.start);
/** Start from the images the app's start queue picks (pickStartQueue) instead of the first ones. */
const START_QUEUE = args["start-queue"];
const N_SUGGEST = Number(args.suggestions);
/** Training seed, and the random strategy's seed is (SEED - 1) * 1000 + round (repeat runs: --seed 2, 3...). */
const SEED = Number(args.seed);
/**
 * The strategies compared, each on its own copy of the round-0 project: "uncertainty" (the app's
 * default scoring), "uncertainty-plain" / "uncertainty-balanced" (class balance off / on),
 * "uncertainty-no-coverage" (without representativeness and labeled images as centers),
 * "uncertainty-random-regions" (the uncertainty strategy's images, regions placed at random as the
 * random strategy places them, suggest --random-regions: is it the images or the regions that help?),
 * "uncertainty-diverse-regions" (an image's regions show different predicted-class mixes),
 * "uncertainty-spread" (the queue's regions picked together to spread over predicted classes),
 * "uncertainty-embeddings" (image distances from the network's image embeddings),
 * "uncertainty-typical" (typical regions of uncovered embedding clusters, typical.ts), "random".
 */
const ARM_KINDS: Record<
  string,
  {
    strategy: Strategy;
    classBalance?: boolean;
    coverage?: boolean;
    randomRegions?: boolean;
    regionDiverse?: boolean;
    spreadClasses?: boolean;
    embeddings?: boolean;
    typical?: boolean;
  }
> = {
  uncertainty: { strategy: "uncertainty" },
  "uncertainty-random-regions": { strategy: "uncertainty", randomRegions: true },
  "uncertainty-diverse-regions": { strategy: "uncertainty", regionDiverse: true },
  "uncertainty-spread": { strategy: "uncertainty", spreadClasses: true },
  "uncertainty-embeddings": { strategy: "uncertainty", embeddings: true },
  "uncertainty-typical": { strategy: "uncertainty", typical: true },
  "uncertainty-no-coverage": { strategy: "uncertainty", coverage: false },
  "uncertainty-plain": { strategy: "uncertainty", classBalance: false },
  "uncertainty-balanced": { strategy: "uncertainty", classBalance: true },
  random: { strategy: "random" },
};
const ARMS = args.arms.split(",").map((name) => {
  const kind = ARM_KINDS[name];
  if (!kind) throw new Error(`--arms: unknown strategy "${name}" (${Object.keys(ARM_KINDS).join(", ")})`);
  return { name, ...kind };
});
/** Which simulated annotator drew the labels (runs with different annotators are not comparable). */
const ANNOTATOR = "every class in the region, equal shares, horizontal or vertical strokes";
const DATA = path.resolve(args.data);
for (const sub of ["classes.json", "train/images", "train/scribbles", "train/gt", "val/images", "val/gt"])
  if (!fs.existsSync(path.join(DATA, sub)))
    throw new Error(
      `${path.join(DATA, sub)}: missing (bench:loop needs a camvid-dev style dataset, see --data)`,
    );
const CLASSES = readClassesFile(path.join(DATA, "classes.json"));
/** Ground-truth values at or above this are void: neither drawn by the annotator nor scored. */
const NUM_CLASSES = CLASSES.length; // indices 0..n-1 (readClassesFile checks)
const log = (s: string) => process.stderr.write(s + "\n");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-loop-"));
const gtCache = new Map<string, Uint8Array>();
function gtOf(split: "train" | "val", name: string): Uint8Array {
  const key = `${split}/${name}`;
  if (!gtCache.has(key))
    gtCache.set(key, readIndexPng(path.join(DATA, split, "gt", maskName(name))).values as Uint8Array);
  return gtCache.get(key) as Uint8Array;
}

/** The simulated annotator (sim-annotator.ts) on one suggested region, committed as one stroke. */
function annotateRegion(
  store: ProjectStore,
  imageId: number,
  region: RegionScore,
  allowance: number,
): number {
  const img = store.requireImage(imageId);
  const before = store.mask(imageId);
  const after = cloneMask(before);
  const used = scribbleRegion(
    gtOf("train", img.name),
    after,
    img.width,
    img.height,
    region,
    allowance,
    NUM_CLASSES,
  );
  if (used > 0)
    store.commitDiff(imageId, before, after, {
      tool: "brush",
      classIdx: null,
      width: 3,
      points: [],
      author: "simulated annotator",
    });
  return used;
}

async function trainAndPredict(
  file: string,
  label: string,
  fineTune = false,
): Promise<{ modelId: number; miou: number | null; perClassIou: (number | null)[] | null }> {
  const t0 = Date.now();
  const outcome = await trainProject(file, {
    ...(MINUTES !== undefined ? { minutes: MINUTES } : { steps: fineTune ? STEPS : START_STEPS }),
    seed: SEED,
    replicas: args.replicas === "auto" ? "auto" : Number(args.replicas),
    fineTuneFrom: fineTune ? "latest" : undefined,
    scale: args.scale === "auto" ? "auto" : Number(args.scale),
    size: Number(args.size),
    learningRate: fineTune ? Number(args["fine-tune-lr"]) : args.lr ? Number(args.lr) : undefined,
  }).outcome;
  if (outcome.modelId === null) throw new Error("training produced no model");
  const metrics = outcome.validation?.metrics as
    { miou?: number; perClassIou?: (number | null)[] } | undefined;
  const miou = metrics?.miou ?? null;
  const store = ProjectStore.open(file);
  const trainIds = store.listImages({ split: "train", limit: 10_000 }).map((i) => i.id);
  store.close();
  await predictProject(file, { modelId: outcome.modelId, imageIds: trainIds });
  log(
    `  ${label}: model ${outcome.modelId}, val mIoU ${miou?.toFixed(3) ?? "-"} (${((Date.now() - t0) / 1000).toFixed(0)} s, ${outcome.backend?.name})`,
  );
  return { modelId: outcome.modelId, miou, perClassIou: metrics?.perClassIou ?? null };
}

interface ScoreQuality {
  /** Pearson r across val images: image uncertainty score vs error (1 - pixel accuracy) */
  pearson: number;
  /** Spearman rank correlation of the same pairs (robust to a few outlying images) */
  spearman: number;
  /** pixel level: probability that a wrong pixel is more uncertain than a right one (0.5 = chance) */
  pixelAuroc: number;
  /** the same with 1 - margin (top-1 minus top-2 probability) as the pixel's uncertainty */
  pixelAurocMargin: number;
}

/**
 * Predicts the val images with a model and asks whether its uncertainty means anything: per image,
 * the uncertainty score (mean normalized entropy) against the error (1 - pixel accuracy against
 * val/gt), and per pixel, how well entropy separates wrong pixels from right ones.
 */
async function scoreQuality(file: string, modelId: number): Promise<ScoreQuality> {
  const vs = ProjectStore.open(file, { readonly: true });
  const valIds = vs.listImages({ split: "val", limit: 1000 }).map((i) => i.id);
  vs.close();
  await predictProject(file, { modelId, imageIds: valIds });
  const cs = ProjectStore.open(file, { readonly: true });
  const scores: number[] = [];
  const errors: number[] = [];
  const rightHist = new Float64Array(256);
  const wrongHist = new Float64Array(256);
  const rightMargin = new Float64Array(256);
  const wrongMargin = new Float64Array(256);
  for (const id of valIds) {
    const p = readStoredPrediction(cs, id, modelId);
    if (!p) continue;
    const gt = gtOf("val", cs.requireImage(id).name);
    let right = 0;
    let counted = 0;
    let ent = 0;
    const margin = p.margin ?? new Uint8Array(gt.length);
    for (let i = 0; i < gt.length; i++) {
      ent += p.entropy[i] / 255;
      if (gt[i] >= NUM_CLASSES) continue;
      counted++;
      if (p.classes[i] === gt[i]) {
        right++;
        rightHist[p.entropy[i]]++;
        rightMargin[255 - margin[i]]++;
      } else {
        wrongHist[p.entropy[i]]++;
        wrongMargin[255 - margin[i]]++;
      }
    }
    scores.push(ent / gt.length);
    errors.push(1 - right / counted);
  }
  cs.close();
  return {
    pearson: pearson(scores, errors),
    spearman: pearson(ranks(scores), ranks(errors)),
    pixelAuroc: auroc(rightHist, wrongHist),
    pixelAurocMargin: auroc(rightMargin, wrongMargin),
  };
}

/** AUROC from histograms of an uncertainty (0..255) over right and wrong pixels (ties count half). */
function auroc(right: Float64Array, wrong: Float64Array): number {
  let below = 0;
  let pairs = 0;
  for (let v = 0; v < 256; v++) {
    pairs += wrong[v] * (below + right[v] / 2);
    below += right[v];
  }
  const nWrong = wrong.reduce((a, v) => a + v, 0);
  return pairs / Math.max(1, nWrong * below);
}

function ranks(a: number[]): number[] {
  const order = a.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const r = new Array<number>(a.length);
  order.forEach(([, i], k) => (r[i] = k));
  return r;
}

const fmtQuality = (q: ScoreQuality) =>
  `Pearson r = ${q.pearson.toFixed(3)}, Spearman = ${q.spearman.toFixed(3)}, pixel AUROC (entropy separates wrong from right pixels) = ${q.pixelAuroc.toFixed(3)}, with 1 - margin ${q.pixelAurocMargin.toFixed(3)}`;

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

try {
  const t0 = Date.now();
  log(
    `bench:loop: ${ROUNDS} rounds, training ${MINUTES !== undefined ? `${MINUTES} min per round` : `${START_STEPS} steps, then ${STEPS} per round`}, ${BUDGET} labeled px per round, ${N_SUGGEST} suggested images per round, seed ${SEED}`,
  );
  // Round 0: scribbles on the first few train images; val images with dense gt for mIoU.
  const base = path.join(dir, "base.pxl");
  const store = ProjectStore.create(base, {
    name: "loop bench",
    classes: CLASSES,
  });
  const train = await importImages(store, [path.join(DATA, "train/images")], { split: "train" });
  // The start images: the first ones in folder order (default: frames of one sequence), or with
  // --start-queue the ones the app's start queue asks a new project to label first (varied images).
  const startIds = START_QUEUE
    ? (await pickStartQueue(store, START_IMAGES)).map((s) => s.imageId)
    : train.imported.slice(0, START_IMAGES).map((i) => i.id);
  log(`  start images: ${startIds.map((id) => store.requireImage(id).name).join(", ")}`);
  importIndexMasks(store, path.join(DATA, "train/scribbles"), { imageIds: startIds });
  const val = await importImages(store, [path.join(DATA, "val/images")], { split: "val" });
  importIndexMasks(store, path.join(DATA, "val/gt"), { imageIds: val.imported.map((i) => i.id) });
  store.close();
  const r0 = await trainAndPredict(base, "round 0");
  // Scores mean something? Predict val images, correlate score with error.
  const correlation = await scoreQuality(base, r0.modelId);
  log(`  uncertainty vs error across val images (round-0 model): ${fmtQuality(correlation)}`);

  const files = new Map<string, string>();
  /** Val IoU per class of each round's model, per arm (round 0 shared): where the gains come from. */
  const perClass = new Map<string, ((number | null)[] | null)[]>(ARMS.map((a) => [a.name, [r0.perClassIou]]));
  for (const arm of ARMS) {
    const f = path.join(dir, `${arm.name}.pxl`);
    fs.copyFileSync(base, f);
    files.set(arm.name, f);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const arm of ARMS) {
      const file = files.get(arm.name) as string;
      const st = ProjectStore.open(file);
      const seed = (SEED - 1) * 1000 + round;
      const sugg = computeSuggestions(st, {
        n: N_SUGGEST,
        strategy: arm.strategy,
        classBalance: arm.classBalance,
        coverage: arm.coverage,
        regionDiverse: arm.regionDiverse,
        spreadClasses: arm.spreadClasses,
        embeddings: arm.embeddings,
        typical: arm.typical,
        randomRegions: arm.randomRegions,
        seed,
        regionsPerImage: 3,
      });
      // Spend the budget over the suggested regions: first an equal share each (in rank order,
      // round-robin across images), then what is left, region by region, until it is spent.
      const regions = [0, 1, 2].flatMap((k) =>
        sugg.flatMap((s) => (s.regions[k] ? [{ imageId: s.imageId, region: s.regions[k] }] : [])),
      );
      let left = BUDGET;
      const share = Math.ceil(BUDGET / Math.max(1, regions.length));
      for (const r of regions) left -= annotateRegion(st, r.imageId, r.region, Math.min(left, share));
      for (const r of regions) if (left > 0) left -= annotateRegion(st, r.imageId, r.region, left);
      st.close();
      log(
        `  round ${round} ${arm.name}: ${BUDGET - left} px scribbled in ${regions.length} regions of ${sugg.length} images (${sugg.map((x) => x.image).join(", ")})`,
      );
      const trained = await trainAndPredict(file, `round ${round} ${arm.name}`, FINE_TUNE); // trainProject records the round
      perClass.get(arm.name)?.push(trained.perClassIou);
    }
  }
  const firstArm = files.get(ARMS[0].name) as string;
  const lastModel = (() => {
    const st = ProjectStore.open(firstArm, { readonly: true });
    const id = st.models.latestId();
    st.close();
    if (id === undefined) throw new Error(`${firstArm}: no model after ${ROUNDS} rounds`);
    return id;
  })();
  const finalCorrelation = await scoreQuality(firstArm, lastModel);
  log(
    `  uncertainty vs error across val images (round-${ROUNDS} model of ${ARMS[0].name}): ${fmtQuality(finalCorrelation)}`,
  );
  const table = ARMS.map((arm) => {
    const st = ProjectStore.open(files.get(arm.name) as string, { readonly: true });
    const rounds = listRounds(st); // round 0 was recorded in the base project before copying
    st.close();
    return {
      strategy: arm.name,
      rounds: rounds.map((r, i) => ({
        round: i,
        labeledPixels: r.labeledPixels, // train images only: the val gt is the held-out check
        valMiou: r.valMiou,
        perClassIou: perClass.get(arm.name)?.[i] ?? null,
      })),
    };
  });
  const result = {
    seed: SEED,
    training:
      MINUTES !== undefined ? `${MINUTES} min per round` : `${START_STEPS} steps, then ${STEPS} per round`,
    fineTune: FINE_TUNE,
    scale: args.scale,
    cropSize: args.size,
    learningRate: args.lr ?? "default",
    fineTuneLearningRate: args["fine-tune-lr"],
    rounds: ROUNDS,
    startImages: START_IMAGES,
    startQueue: START_QUEUE,
    budgetPerRound: BUDGET,
    annotator: ANNOTATOR,
    suggestedImagesPerRound: N_SUGGEST,
    classes: CLASSES.map((c) => c.name),
    uncertaintyErrorCorrelation: correlation,
    uncertaintyErrorCorrelationLastRound: finalCorrelation,
    table,
    wallMinutes: (Date.now() - t0) / 60000,
  };
  if (args.json) {
    console.log(JSON.stringify(result));
  } else {
    const cols = table.map((t) => `${t.strategy}: labeled px, val mIoU`);
    console.log(`\nround | ${cols.join(" | ")}`);
    for (let i = 0; i <= ROUNDS; i++) {
      const cells = table.map((t, k) => {
        const r = t.rounds[i];
        return `${String(r?.labeledPixels ?? "-").padStart(cols[k].length - 7)}, ${(r?.valMiou ?? NaN).toFixed(3)}`;
      });
      console.log(`${String(i).padStart(5)} | ${cells.join(" | ")}`);
    }
    console.log(
      `uncertainty vs error across val images, round-0 model: ${fmtQuality(correlation)}\n` +
        `  round-${ROUNDS} model (${ARMS[0].name}): ${fmtQuality(finalCorrelation)}`,
    );
    console.log(`wall time ${result.wallMinutes.toFixed(1)} min`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
