/**
 * What the A/B benchmarks between two source trees (ab-train-cpu.ts, train-memory.ts) load from
 * the tree under test, in a child process: its own tensor engine, network and training loop, and
 * a network ready to train one wasm replica on the first 16 camvid-dev train images.
 */
import fs from "node:fs";
import path from "node:path";
import { loadCamvid } from "./camvid-samples.ts";

/** A module where this tree keeps it: app/ml by role since 2026-12-05, flat before. */
export function treeModule<T>(root: string, role: string, file: string): Promise<T> {
  const dir = fs.existsSync(path.join(root, "app/ml", role, file)) ? role : "";
  return import(path.join(root, "app/ml", dir, file)) as Promise<T>;
}

/** The tree's wasm backend started, a seeded network, and a train() over camvid-dev's samples. */
export async function treeTraining(root: string, data: string) {
  const { tf } = await treeModule<typeof import("../app/ml/engine/tf.ts")>(root, "engine", "tf.ts");
  const { initBackend } = await treeModule<typeof import("../app/ml/engine/backend.ts")>(
    root,
    "engine",
    "backend.ts",
  );
  const { createNetwork } = await treeModule<typeof import("../app/ml/model/network.ts")>(
    root,
    "model",
    "network.ts",
  );
  const { train, datasetFromArray } = await treeModule<typeof import("../app/ml/training/train.ts")>(
    root,
    "training",
    "train.ts",
  );
  const samples = await loadCamvid(data, 16);
  if (!samples) throw new Error(`${data}: no camvid-dev train images`);
  await initBackend("wasm");
  const net = createNetwork({ numClasses: 11 }, { seed: 7 });
  const method = { propagation: { enabled: false }, forestLabels: { enabled: false } };
  const run = (options: { batchSize: number; inputSize: number; steps: number }) =>
    train(net, datasetFromArray(samples), { ...options, seed: 7, method });
  return { tf, run };
}
