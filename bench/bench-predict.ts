/**
 * npm run bench:predict [-- --workers 1,2] [--data DIR] [--json]
 *
 * Predicting a whole project after a training, as the app does it (predictProjectInWorker:
 * workers that read, predict, encode; this thread stores): the 90 camvid-dev images (train and
 * val) with the standard network (seeded, untrained: the time does not depend on the weights) at
 * the working scale training would pick (0.533x). One line per worker count (default 1 and what
 * the app starts here, predictionWorkers), with the time including the workers' start.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ProjectStore } from "../app/store/project-store.ts";
import { importImages } from "../app/images/importer.ts";
import { initBackend } from "../app/ml/engine/backend.ts";
import { createNetwork } from "../app/ml/model/network.ts";
import { serializeWeights } from "../app/ml/model/weights.ts";
import { predictionWorkers, predictProjectInWorker } from "../app/jobs/prediction-worker.ts";

const { values: args } = parseArgs({
  options: {
    workers: { type: "string" },
    data: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev") },
    json: { type: "boolean", default: false },
  },
});
const log = (line: string) => (args.json ? process.stderr.write(`${line}\n`) : console.log(line));

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-bench-predict-"));
  try {
    const file = path.join(dir, "p.pxl");
    const store = ProjectStore.create(file, {
      name: "bench",
      classes: Array.from({ length: 11 }, (_, idx) => ({ idx, name: `c${idx}`, color: "#808080" })),
    });
    await importImages(store, [path.join(args.data, "train/images")], { split: "train" });
    await importImages(store, [path.join(args.data, "val/images")], { split: "val" });
    const images = store.summary().images;
    await initBackend("wasm");
    const net = createNetwork({ numClasses: 11, inputScale: 0.533 }, { seed: 1 });
    store.models.insert({
      name: "bench",
      architecture: {},
      backend: "wasm",
      weights: Buffer.from(serializeWeights(net)),
      labelSnapshot: {},
      metrics: null,
      parentId: null,
    });
    net.dispose();
    store.close();

    const counts = args.workers
      ? args.workers.split(",").map(Number)
      : [...new Set([1, predictionWorkers("wasm", images)])];
    const rows: { workers: number; seconds: number; imagesPerSec: number }[] = [];
    for (const workers of counts) {
      const t0 = performance.now();
      const r = await predictProjectInWorker(file, { backend: "wasm", workers });
      const seconds = (performance.now() - t0) / 1000;
      if (r.predicted !== images) throw new Error(`predicted ${r.predicted} of ${images} images`);
      rows.push({ workers, seconds, imagesPerSec: images / seconds });
      log(
        `${workers} worker${workers === 1 ? "" : "s"}: ${images} images in ${seconds.toFixed(1)} s (${(images / seconds).toFixed(2)} img/s)`,
      );
    }
    if (rows.length > 1)
      log(
        `${rows.at(-1)?.workers} workers over 1: ${(rows[0].seconds / (rows.at(-1)?.seconds ?? 1)).toFixed(2)}x`,
      );
    if (args.json) process.stdout.write(`${JSON.stringify({ images, rows })}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-predict: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
