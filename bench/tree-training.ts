/**
 * What the A/B benchmarks between two source trees (ab-train-cpu.ts, train-memory.ts) load from
 * the tree under test, in a child process: its own tensor engine, network and training loop, and
 * a network ready to train one wasm replica on the first 16 camvid-dev train images.
 */
import { spawnSync } from "node:child_process";
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

/**
 * Runs `script` again as a child process in the tree `root` (cwd there, so it loads that tree's
 * modules) with `args`: its exit status, the JSON of the last line it printed (undefined when
 * that is not JSON), and its stderr.
 */
export function runInTree(
  script: string,
  root: string,
  args: string[],
): { ok: boolean; result: unknown; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, ...args, root], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  const result: unknown = line.startsWith("{") ? JSON.parse(line) : undefined;
  return { ok: r.status === 0 && result !== undefined, result, stderr: r.stderr };
}
