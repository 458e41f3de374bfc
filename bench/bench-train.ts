/**
 * Training / prediction benchmark per tensor backend (docs/ml-engine.md).
 *
 *   npm run bench:train                 human-readable report
 *   npm run -s bench:train -- --json    exactly one JSON object on stdout (-s: no npm banner)
 *   options: --backends wasm,cpu  --steps 6  --batch 8  --size 256  --cpu-steps 1  --cpu-batch 1
 *            --replicas 1,2   wasm training also with 2 data-parallel replicas (data-parallel.ts):
 *                             one row per count; default 1 and the machine's cores (at most 4)
 *            --profile        instead: where one wasm training step's time goes, by phase and by
 *                             kernel (train-profile.ts), over --steps steps
 *
 * Prediction is timed on a camvid frame (360x480) and, on backends other than the plain cpu, on a
 * 4000x3000 photo at the working scale `--scale auto` gives it (0.064): the network sees 256x192
 * pixels, everything after it (softmax, class map, confidence, entropy) runs at full size.
 *
 * Data: the first images of shared/datasets/camvid-dev (train images + scribbles) when present,
 * synthetic images otherwise. GFLOP/s counts convolution FLOPs of whole training steps as
 * 3x the forward pass (forward + ~2x for backward). The plain cpu backend is measured with a
 * smaller budget (it is ~2 orders of magnitude slower); throughput is per image, so the ratio
 * is comparable.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { tf } from "../app/ml/engine/tf.ts";
import { initBackend, type BackendName } from "../app/ml/engine/backend.ts";
import { createNetwork } from "../app/ml/model/network.ts";
import { predict } from "../app/ml/prediction/predict.ts";
import { datasetFromArray, train, type TrainingSample } from "../app/ml/training/train.ts";
import {
  autoReplicas,
  replicaCount,
  type GradientHelpers,
  type ReplicaTiming,
} from "../app/ml/training/data-parallel.ts";
import { startGradientHelpers } from "../app/ml/training/gradient-helpers.ts";
import {
  ENGINE_METHOD,
  formatProfile,
  formatReplicaTiming,
  profileReplicas,
  profileSteps,
} from "./train-profile.ts";
import { loadCamvid } from "./camvid-samples.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    backends: { type: "string", default: "wasm,cpu" },
    steps: { type: "string", default: "6" },
    batch: { type: "string", default: "8" },
    size: { type: "string", default: "256" },
    "cpu-steps": { type: "string", default: "1" },
    "cpu-batch": { type: "string", default: "1" },
    replicas: { type: "string", default: "" },
    profile: { type: "boolean", default: false },
    data: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev") },
  },
});
const log = (line: string) => {
  if (!args.json) console.log(line);
  else process.stderr.write(`${line}\n`);
};

const NUM_CLASSES = 11;

function syntheticData(count: number): TrainingSample[] {
  return Array.from({ length: count }, (_, s) => {
    const width = 480;
    const height = 360;
    const pixels = new Uint8Array(width * height * 3).map((_, i) => (i * 2654435761 + s) >>> 24);
    const labels = new Uint8Array(width * height).map((_, i) => (i % 37 === 0 ? i % NUM_CLASSES : 255));
    return { pixels, width, height, channels: 3 as const, labels };
  });
}

interface BackendResult {
  backend: string;
  threads: number;
  /** data-parallel replicas training (each one thread) */
  replicas: number;
  inputSize: number;
  batch: number;
  steps: number;
  trainImagesPerSec: number;
  trainSecPerStep: number;
  gflops: number;
  predictMs360x480: number;
  /** At working scale 0.064 (null on the plain cpu backend: not measured). */
  predictMs4000x3000: number | null;
  forwardGflopPerImage: number;
}

async function benchBackend(
  name: BackendName,
  samples: TrainingSample[],
  replicas = 1,
): Promise<BackendResult> {
  const info = await initBackend(name);
  const isCpu = name === "cpu";
  const size = Number(args.size);
  const batch = Number(isCpu ? args["cpu-batch"] : args.batch);
  const steps = Number(isCpu ? args["cpu-steps"] : args.steps);
  const net = createNetwork({ numClasses: NUM_CLASSES });
  const dataset = datasetFromArray(samples);
  const method = ENGINE_METHOD;
  let helpers: GradientHelpers | undefined;
  if (replicas > 1)
    helpers = await startGradientHelpers(replicas - 1, { backend: name, network: net.config, method });
  const base = { batchSize: batch, inputSize: size, seed: 7, method, helpers };
  if (!isCpu) await train(net, dataset, { ...base, steps: 1 }); // warm-up: wasm operator caches, JIT
  let stepMs = 0;
  let images = 0;
  await train(net, dataset, {
    ...base,
    steps,
    onProgress: (p) => {
      stepMs += (batch / p.imagesPerSec) * 1000;
      images += batch;
      log(
        `  ${name} step ${p.step}/${steps}: loss ${p.losses.ce.toFixed(3)}, ${p.imagesPerSec.toFixed(2)} img/s`,
      );
    },
  });
  await helpers?.dispose();
  const trainImagesPerSec = images / (stepMs / 1000);
  const forward = net.forwardFlops(size, size);

  const image = samples[0];
  const runs = isCpu ? 1 : 5;
  if (!isCpu) predict(net, image);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) predict(net, image);
  const predictMs = (performance.now() - t0) / runs;
  net.dispose();
  let predictMsLarge: number | null = null;
  if (!isCpu) {
    const large = createNetwork({ numClasses: NUM_CLASSES, inputScale: 0.064 });
    const W = 4000;
    const H = 3000;
    const pixels = new Uint8Array(W * H * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
    const photo = { pixels, width: W, height: H, channels: 3 as const };
    const t1 = performance.now();
    predict(large, photo);
    predictMsLarge = performance.now() - t1;
    large.dispose();
  }
  return {
    backend: name,
    threads: info.threads,
    replicas,
    inputSize: size,
    batch,
    steps,
    trainImagesPerSec,
    trainSecPerStep: stepMs / 1000 / steps,
    gflops: (trainImagesPerSec * 3 * forward) / 1e9,
    predictMs360x480: predictMs,
    predictMs4000x3000: predictMsLarge,
    forwardGflopPerImage: forward / 1e9,
  };
}

async function main(): Promise<void> {
  const samples = (await loadCamvid(args.data, 16)) ?? syntheticData(8);
  log(
    `data: ${samples.length} images ${samples[0].width}x${samples[0].height} (${fs.existsSync(args.data) ? "camvid-dev" : "synthetic"})`,
  );
  if (args.profile) {
    const backend = args.backends.split(",")[0].trim() as BackendName;
    const info = await initBackend(backend);
    log(`profiling ${info.name} (${info.threads} thread${info.threads > 1 ? "s" : ""}), one replica...`);
    const p = await profileSteps(samples, NUM_CLASSES, {
      batch: Number(args.batch),
      size: Number(args.size),
      steps: Number(args.steps),
    });
    if (!args.json) for (const line of formatProfile(p)) log(line);
    // The replicas' synchronisation: the default replicas (wasm, when the batch feeds more than one).
    const replicas = backend === "wasm" ? replicaCount(autoReplicas(), Number(args.batch)) : 1;
    let sync: ReplicaTiming | undefined;
    if (replicas > 1) {
      log("");
      log(`profiling ${replicas} data-parallel replicas...`);
      sync = await profileReplicas(samples, NUM_CLASSES, {
        batch: Number(args.batch),
        size: Number(args.size),
        steps: Number(args.steps),
        replicas,
      });
      if (!args.json) for (const line of formatReplicaTiming(sync, replicas)) log(line);
    }
    if (args.json)
      process.stdout.write(`${JSON.stringify({ backend: info.name, profile: p, replicas: sync })}\n`);
    return;
  }
  const results: Record<string, BackendResult> = {};
  const wasmReplicas = (args.replicas ? args.replicas.split(",").map(Number) : [1, autoReplicas()])
    .map((r) => replicaCount(r, Number(args.batch)))
    .filter((r, i, all) => all.indexOf(r) === i);
  for (const name of args.backends.split(",").map((s) => s.trim()) as BackendName[]) {
    for (const replicas of name === "wasm" ? wasmReplicas : [1]) {
      const key = replicas > 1 ? `${name} x${replicas}` : name;
      log(`benchmarking ${key} ...`);
      try {
        results[key] = await benchBackend(name, samples, replicas);
      } catch (err) {
        log(`  ${key} unavailable: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  const wasmOverCpu =
    results.wasm && results.cpu ? results.wasm.trainImagesPerSec / results.cpu.trainImagesPerSec : null;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ backends: results, wasmOverCpu })}\n`);
    return;
  }
  log("");
  log(
    "backend  threads  replicas  input    batch  steps  train img/s  s/step   GFLOP/s  predict 360x480  predict 4000x3000",
  );
  for (const r of Object.values(results)) {
    log(
      `${r.backend.padEnd(8)} ${String(r.threads).padStart(7)}  ${String(r.replicas).padStart(8)}  ${`${r.inputSize}x${r.inputSize}`.padEnd(8)} ${String(r.batch).padStart(5)}  ${String(r.steps).padStart(5)}  ${r.trainImagesPerSec.toFixed(3).padStart(11)}  ${r.trainSecPerStep.toFixed(2).padStart(6)}  ${r.gflops.toFixed(2).padStart(8)}  ${r.predictMs360x480.toFixed(0).padStart(8)} ms  ${r.predictMs4000x3000 === null ? "       -" : `${r.predictMs4000x3000.toFixed(0).padStart(8)} ms`}`,
    );
  }
  const any = Object.values(results)[0];
  if (any)
    log(
      `forward pass: ${any.forwardGflopPerImage.toFixed(3)} GFLOP per ${any.inputSize}x${any.inputSize} image (training step ~3x)`,
    );
  if (wasmOverCpu != null) log(`wasm over cpu (training images/s): ${wasmOverCpu.toFixed(1)}x`);
  for (const r of Object.values(results))
    if (r.replicas > 1 && results.wasm)
      log(
        `wasm, ${r.replicas} data-parallel replicas over 1 (training images/s): ${(r.trainImagesPerSec / results.wasm.trainImagesPerSec).toFixed(2)}x`,
      );
  tf.disposeVariables();
}

await main();
