/**
 * npm run bench:loop [-- --minutes N] [-- --rounds N] [-- --budget PX] [-- --seed N] [-- --json]
 *
 * Simulates an annotator on camvid-dev. Start: scribbles of a few train images. Each round:
 * train (fixed time budget), predict the train images, take the top suggestions and, inside
 * each suggested region, draw scribbles of the true class (train/gt plays the annotator's
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
import { readClassesFile } from "../app/api/classes-file.ts";
import { trainProject } from "../app/ml/project-training.ts";
import { predictProject } from "../app/ml/project-prediction.ts";
import { computeSuggestions, type Strategy } from "../app/loop/suggest.ts";
import { readStoredPrediction } from "../app/loop/prediction-data.ts";
import { listRounds } from "../app/loop/rounds.ts";
import { Source, UNLABELED, cloneMask } from "../app/labels/mask.ts";
import type { RegionScore } from "../app/loop/scoring.ts";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "2" },
    rounds: { type: "string", default: "4" },
    budget: { type: "string", default: "6000" },
    start: { type: "string", default: "8" },
    suggestions: { type: "string", default: "4" },
    json: { type: "boolean", default: false },
    "from-scratch": { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
  },
});
/** Each round fine-tunes the previous round's model (as the app does), unless --from-scratch. */
const FINE_TUNE = !args["from-scratch"];
const MINUTES = Number(args.minutes);
const ROUNDS = Number(args.rounds);
const BUDGET = Number(args.budget);
const START_IMAGES = Number(args.start);
const N_SUGGEST = Number(args.suggestions);
/** Training seed, and the random strategy's seed is (SEED - 1) * 1000 + round (repeat runs: --seed 2, 3...). */
const SEED = Number(args.seed);
const CAMVID = path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev");
const log = (s: string) => process.stderr.write(s + "\n");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-loop-"));
const gtCache = new Map<string, Uint8Array>();
function gtOf(split: "train" | "val", name: string): Uint8Array {
  const key = `${split}/${name}`;
  if (!gtCache.has(key))
    gtCache.set(key, readIndexPng(path.join(CAMVID, split, "gt", name)).values as Uint8Array);
  return gtCache.get(key) as Uint8Array;
}

/** The simulated annotator: inside a region, one 3-px horizontal scribble per true class. */
function annotateRegion(
  store: ProjectStore,
  imageId: number,
  region: RegionScore,
  budgetLeft: number,
): number {
  const img = store.requireImage(imageId);
  const gt = gtOf("train", img.name);
  const numClasses = store.classes().length;
  const before = store.mask(imageId);
  const after = cloneMask(before);
  let used = 0;
  const w = img.width;
  for (let c = 0; c < numClasses && used < budgetLeft; c++) {
    // Rows of the region where class c has an interior run (2 px from its border).
    const rows: { y: number; x0: number; x1: number }[] = [];
    for (let y = region.y + 2; y < region.y + region.height - 2; y++) {
      let run = -1;
      for (let x = region.x; x <= region.x + region.width; x++) {
        const inside =
          x < region.x + region.width &&
          gt[y * w + x] === c &&
          gt[(y - 2) * w + x] === c &&
          gt[(y + 2) * w + x] === c;
        if (inside && run < 0) run = x;
        if (!inside && run >= 0) {
          if (x - run >= 8) rows.push({ y, x0: run + 2, x1: x - 2 });
          run = -1;
        }
      }
    }
    if (rows.length === 0) continue;
    const mid = rows[Math.floor(rows.length / 2)];
    for (let dy = -1; dy <= 1; dy++) {
      for (let x = mid.x0; x < mid.x1 && used < budgetLeft; x++) {
        const i = (mid.y + dy) * w + x;
        if (after.classes[i] !== UNLABELED || gt[i] !== c) continue;
        after.classes[i] = c;
        after.sources[i] = Source.human;
        used++;
      }
    }
  }
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
): Promise<{ modelId: number; miou: number | null }> {
  const t0 = Date.now();
  const outcome = await trainProject(file, {
    minutes: MINUTES,
    seed: SEED,
    fineTuneFrom: fineTune ? "latest" : undefined,
  }).outcome;
  if (outcome.modelId === null) throw new Error("training produced no model");
  const miou = (outcome.validation?.metrics as { miou?: number } | undefined)?.miou ?? null;
  const store = ProjectStore.open(file);
  const trainIds = store.listImages({ split: "train", limit: 10_000 }).map((i) => i.id);
  store.close();
  await predictProject(file, { modelId: outcome.modelId, imageIds: trainIds });
  log(
    `  ${label}: model ${outcome.modelId}, val mIoU ${miou?.toFixed(3) ?? "-"} (${((Date.now() - t0) / 1000).toFixed(0)} s, ${outcome.backend?.name})`,
  );
  return { modelId: outcome.modelId, miou };
}

/**
 * Predicts the val images with a model and correlates, across them, the image's uncertainty score
 * (mean normalized entropy) with its actual error (1 - pixel accuracy against val/gt).
 */
async function scoreErrorCorrelation(file: string, modelId: number): Promise<number> {
  const vs = ProjectStore.open(file, { readonly: true });
  const valIds = vs.listImages({ split: "val", limit: 1000 }).map((i) => i.id);
  vs.close();
  await predictProject(file, { modelId, imageIds: valIds });
  const cs = ProjectStore.open(file, { readonly: true });
  const scores: number[] = [];
  const errors: number[] = [];
  for (const id of valIds) {
    const p = readStoredPrediction(cs, id, modelId);
    if (!p) continue;
    const gt = gtOf("val", cs.requireImage(id).name);
    let right = 0;
    let counted = 0;
    let ent = 0;
    for (let i = 0; i < gt.length; i++) {
      ent += p.entropy[i] / 255;
      if (gt[i] >= 11) continue;
      counted++;
      if (p.classes[i] === gt[i]) right++;
    }
    scores.push(ent / gt.length);
    errors.push(1 - right / counted);
  }
  cs.close();
  return pearson(scores, errors);
}

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
    `bench:loop: ${ROUNDS} rounds, ${MINUTES} min training per round, ${BUDGET} labeled px per round, ${N_SUGGEST} suggested images per round`,
  );
  // Round 0: scribbles on the first few train images; val images with dense gt for mIoU.
  const base = path.join(dir, "base.pxl");
  const store = ProjectStore.create(base, {
    name: "loop bench",
    classes: readClassesFile(path.join(CAMVID, "classes.json")),
  });
  const train = await importImages(store, [path.join(CAMVID, "train/images")], { split: "train" });
  importIndexMasks(store, path.join(CAMVID, "train/scribbles"), {
    imageIds: train.imported.slice(0, START_IMAGES).map((i) => i.id),
  });
  const val = await importImages(store, [path.join(CAMVID, "val/images")], { split: "val" });
  importIndexMasks(store, path.join(CAMVID, "val/gt"), { imageIds: val.imported.map((i) => i.id) });
  store.close();
  const r0 = await trainAndPredict(base, "round 0");
  const vs = ProjectStore.open(base, { readonly: true });
  const valLabeled = vs.listImages({ split: "val", limit: 1000 }).reduce((a, r) => a + r.labeledPixels, 0); // dense val gt, not annotation effort
  vs.close();
  // Scores mean something? Predict val images, correlate score with error.
  const correlation = await scoreErrorCorrelation(base, r0.modelId);
  log(`  uncertainty vs error across val images (round-0 model): Pearson r = ${correlation.toFixed(3)}`);

  const strategies: Strategy[] = ["uncertainty", "random"];
  const files = new Map<Strategy, string>();
  for (const s of strategies) {
    const f = path.join(dir, `${s}.pxl`);
    fs.copyFileSync(base, f);
    files.set(s, f);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const strategy of strategies) {
      const file = files.get(strategy) as string;
      const st = ProjectStore.open(file);
      const sugg = computeSuggestions(st, {
        n: N_SUGGEST,
        strategy,
        seed: (SEED - 1) * 1000 + round,
        regionsPerImage: 3,
      });
      let left = BUDGET;
      // Spend the budget over suggested regions in rank order, round-robin across images.
      for (let k = 0; k < 3 && left > 0; k++) {
        for (const s of sugg) {
          const region = s.regions[k];
          if (!region || left <= 0) continue;
          left -= annotateRegion(st, s.imageId, region, Math.min(left, Math.ceil(BUDGET / (N_SUGGEST * 2))));
        }
      }
      st.close();
      await trainAndPredict(file, `round ${round} ${strategy}`, FINE_TUNE); // trainProject records the round
    }
  }
  const lastModel = (() => {
    const st = ProjectStore.open(files.get("uncertainty") as string, { readonly: true });
    const row = st.db.prepare("SELECT MAX(id) AS id FROM models").get() as { id: number };
    st.close();
    return row.id;
  })();
  const finalCorrelation = await scoreErrorCorrelation(files.get("uncertainty") as string, lastModel);
  log(
    `  uncertainty vs error across val images (round-${ROUNDS} model): Pearson r = ${finalCorrelation.toFixed(3)}`,
  );
  const table = strategies.map((s) => {
    const st = ProjectStore.open(files.get(s) as string, { readonly: true });
    const rounds = listRounds(st); // round 0 was recorded in the base project before copying
    st.close();
    return {
      strategy: s,
      rounds: rounds.map((r, i) => ({
        round: i,
        labeledPixels: r.labeledPixels - valLabeled,
        valMiou: r.valMiou,
      })),
    };
  });
  const result = {
    minutesPerRound: MINUTES,
    rounds: ROUNDS,
    budgetPerRound: BUDGET,
    uncertaintyErrorCorrelation: correlation,
    uncertaintyErrorCorrelationLastRound: finalCorrelation,
    table,
    wallMinutes: (Date.now() - t0) / 60000,
  };
  if (args.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `\nround | labeled px (uncertainty) | val mIoU (uncertainty) | labeled px (random) | val mIoU (random)`,
    );
    for (let i = 0; i <= ROUNDS; i++) {
      const u = table[0].rounds[i];
      const r = table[1].rounds[i];
      console.log(
        `${String(i).padStart(5)} | ${String(u.labeledPixels).padStart(24)} | ${(u.valMiou ?? NaN).toFixed(3).padStart(22)} | ${String(r.labeledPixels).padStart(19)} | ${(r.valMiou ?? NaN).toFixed(3).padStart(16)}`,
      );
    }
    console.log(
      `uncertainty score vs error (1 - pixel accuracy) across val images: Pearson r = ${correlation.toFixed(3)} (round-0 model), ${finalCorrelation.toFixed(3)} (round-${ROUNDS} model, uncertainty strategy)`,
    );
    console.log(`wall time ${result.wallMinutes.toFixed(1)} min`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
