/**
 * npm run bench:suggest [-- --images N --width W --height H] [--json]
 *
 * Picking the next round's suggestions in a large project: a project of N images (default 400
 * of 1280x960, a tenth of them with scribbles) with one model's predictions stored, then
 * computeSuggestions as the app runs it after prediction (30 suggestions, default options).
 * Prints the time it takes and the process's peak memory (max RSS) before and after, so the
 * memory it needs can be read off: it should not grow with the number of images.
 * The predictions are synthetic (blobs of classes, smooth uncertainty), stored exactly as
 * predictions are; the images have rows but no files (suggest never reads them).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ProjectStore } from "../app/store/project-store.ts";
import { PredictionRecorder, encodePrediction } from "../app/jobs/project-prediction.ts";
import { computeSuggestions } from "../app/loop/suggest.ts";
import { emptyMask, Source } from "../app/common/mask.ts";
import { seededRandom } from "../app/ml/engine/random.ts";
import { insertFakeImages } from "./fake-images.ts";
import type { Prediction } from "../app/ml/prediction/predict.ts";

const { values: args } = parseArgs({
  options: {
    images: { type: "string", default: "400" },
    width: { type: "string", default: "1280" },
    height: { type: "string", default: "960" },
    json: { type: "boolean", default: false },
  },
});
const N = Number(args.images);
const W = Number(args.width);
const H = Number(args.height);
const K = 5;
const log = (s: string) => {
  if (!args.json) process.stdout.write(s + "\n");
};
const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Blobs of classes with uncertainty highest at their borders, different per image. */
function syntheticPrediction(seed: number): Prediction {
  const rand = seededRandom(seed + 1);
  const centers = Array.from({ length: K * 2 }, (_, i) => ({ x: rand() * W, y: rand() * H, c: i % K }));
  const classMap = new Uint8Array(W * H);
  const confidence = new Float32Array(W * H);
  const entropy = new Float32Array(W * H);
  const margins = new Float32Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let best = Infinity;
      let second = Infinity;
      let c = 0;
      for (const p of centers) {
        const d = (p.x - x) ** 2 + (p.y - y) ** 2;
        if (d < best) {
          second = best;
          best = d;
          c = p.c;
        } else if (d < second) second = d;
      }
      const i = y * W + x;
      const margin = Math.min(1, (Math.sqrt(second) - Math.sqrt(best)) / 80);
      classMap[i] = c;
      entropy[i] = 1 - margin;
      confidence[i] = 0.4 + 0.6 * margin;
      margins[i] = margin;
    }
  return { width: W, height: H, numClasses: K, classMap, confidence, margin: margins, entropy };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-bench-suggest-"));
try {
  const file = path.join(dir, "large.pxl");
  const store = ProjectStore.create(file, {
    name: "Bench suggest",
    classes: Array.from({ length: K }, (_, idx) => ({
      idx,
      name: `c${idx}`,
      color: `#${(idx * 40 + 30).toString(16)}4080`,
    })),
  });
  log(`preparing ${N} images of ${W}x${H} with stored predictions…`);
  const ids = insertFakeImages(store, { count: N, width: W, height: H, dir: path.join(dir, "images") });
  store.models.insert({
    name: "m",
    architecture: {},
    backend: "cpu",
    weights: Buffer.from([0]),
    labelSnapshot: {},
    metrics: null,
    parentId: null,
  });
  const recorder = new PredictionRecorder(store, 1, N, {});
  // A few distinct predictions, reused (encoding 1.2-megapixel layers is what takes the time here).
  const variants = Array.from({ length: 8 }, (_, v) => encodePrediction(syntheticPrediction(v)));
  for (const [i, id] of ids.entries()) {
    recorder.predicted(id, variants[i % variants.length]);
    if (i % 10 === 0) {
      const after = emptyMask(W, H);
      for (let y = 100; y < 140; y++) {
        after.classes.fill(i % K, y * W + 100, y * W + W - 100);
        after.sources.fill(Source.human, y * W + 100, y * W + W - 100);
      }
      store.commitDiff(id, emptyMask(W, H), after, {
        tool: "brush",
        classIdx: i % K,
        width: 40,
        points: [],
        author: "bench",
      });
    }
  }
  const before = maxRssMb();
  const t0 = performance.now();
  const items = computeSuggestions(store, { n: 30 });
  const seconds = (performance.now() - t0) / 1000;
  const after = maxRssMb();
  store.close();
  const result = {
    images: N,
    size: `${W}x${H}`,
    suggestions: items.length,
    seconds: +seconds.toFixed(2),
    msPerImage: +((seconds * 1000) / N).toFixed(1),
    maxRssBeforeMb: Math.round(before),
    maxRssAfterMb: Math.round(after),
    growthMb: Math.round(after - before),
  };
  if (args.json) process.stdout.write(JSON.stringify(result) + "\n");
  else
    log(
      `suggest over ${N} images of ${W}x${H}: ${seconds.toFixed(1)} s (${result.msPerImage} ms per image), ${items.length} suggestions; peak memory ${result.maxRssBeforeMb} MB before, ${result.maxRssAfterMb} MB after (+${result.growthMb} MB)`,
    );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
