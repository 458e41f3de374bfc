/**
 * Where one training step's time goes on a backend (`bench:train --profile`): the phases of a
 * step (data and augmentation, forward, backward, optimizer, tensor disposal) timed one by one,
 * and every kernel the step runs timed by tf.profile (on wasm a kernel runs synchronously, so
 * its time is its own). A kernel is the forward pass's (and the loss's) when it ran before the
 * last loss term finished, else the backward pass's: a marker term after the partial CE notes
 * how many kernels the profile holds at that moment (the engine's active profile, an internal
 * the benchmark may read). Op-level entries (`name__op`) hold kernels and are not counted twice;
 * nor are the kernels that our composite kernels (app/ml/engine/kernels: the conv gradients) run
 * inside themselves: they are wrapped while profiling to note which records they add.
 * One replica, partial CE only, as bench:train trains. Then, with data-parallel replicas
 * (profileReplicas), where the training thread's time goes in each step and how long the helpers
 * spend on their slices: the replicas' synchronisation.
 */
import { tf } from "../app/ml/engine/tf.ts";
import { createNetwork } from "../app/ml/model/network.ts";
import { DEFAULT_AUGMENT, makeBatch, seededRandom, type TrainingSample } from "../app/ml/training/augment.ts";
import { partialCrossEntropy, type LossTerm } from "../app/ml/method/losses.ts";
import { emptyReplicaTiming, stepGradients, type ReplicaTiming } from "../app/ml/training/data-parallel.ts";
import { startGradientHelpers } from "../app/ml/training/gradient-helpers.ts";
import { datasetFromArray, train } from "../app/ml/training/train.ts";

/**
 * The method bench:train trains with: partial CE only (no class weights, no superpixel
 * propagation), the same loss on every replica. No labels from the classical forest either: it
 * trains a forest and predicts each image the first time a batch draws it (~7 s of the first two
 * steps), data preparation, not the engine these benchmarks measure.
 */
export const ENGINE_METHOD = { propagation: { enabled: false }, forestLabels: { enabled: false } };

export interface KernelRow {
  kernel: string;
  calls: number;
  forwardMs: number;
  backwardMs: number;
}

export interface StepProfile {
  steps: number;
  batch: number;
  size: number;
  /** ms per step, by phase */
  phases: Record<string, number>;
  /** ms per step, by kernel, sorted by total time */
  kernels: KernelRow[];
  /** kernels' summed time over the timed gradient computation (the rest is JavaScript and allocation) */
  kernelShare: number;
}

const now = () => performance.now();
const msOf = (k: { kernelTimeMs: unknown }) => (typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0);

export async function profileSteps(
  samples: readonly TrainingSample[],
  numClasses: number,
  options: { batch: number; size: number; steps: number },
): Promise<StepProfile> {
  const net = createNetwork({ numClasses }, { seed: 7 });
  const variables = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(1e-3);
  const rand = seededRandom(7);
  let boundary = 0;
  const recorded = () =>
    (tf.engine() as unknown as { state: { activeProfile: { kernels: unknown[] } } }).state.activeProfile
      .kernels.length;
  // Records added while a composite kernel runs are inside it.
  const nested: Array<[number, number]> = [];
  const restore: tf.KernelConfig[] = [];
  const backend = tf.getBackend();
  for (const name of [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput]) {
    const config = tf.getKernel(name, backend);
    if (!config) continue;
    restore.push(config);
    tf.unregisterKernel(name, backend);
    tf.registerKernel({
      ...config,
      kernelFunc: (params) => {
        const from = recorded();
        const out = config.kernelFunc(params);
        nested.push([from, recorded()]);
        return out;
      },
    });
  }
  const marker: LossTerm = {
    name: "marker",
    weight: () => 1,
    compute: () => {
      boundary = recorded();
      return tf.scalar(0);
    },
  };
  const terms = [partialCrossEntropy(), marker];
  const augment = { ...DEFAULT_AUGMENT, size: options.size };
  const pick = (step: number) =>
    Array.from({ length: options.batch }, (_, i) => samples[(step * options.batch + i) % samples.length]);
  const phases = { "data + augmentation": 0, forward: 0, "forward + backward": 0, optimizer: 0, disposal: 0 };
  const byKernel = new Map<string, KernelRow>();
  const row = (kernel: string) => {
    let r = byKernel.get(kernel);
    if (!r) byKernel.set(kernel, (r = { kernel, calls: 0, forwardMs: 0, backwardMs: 0 }));
    return r;
  };
  let kernelMs = 0;
  let gradientMs = 0;
  for (let step = -1; step < options.steps; step++) {
    const warmUp = step < 0; // operator caches, JIT: not counted
    let t = now();
    const batch = makeBatch(pick(step + 1), augment, rand);
    const dataMs = now() - t;

    // Forward alone, timed apart (the phase table); the kernels are attributed below.
    t = now();
    tf.tidy(() => void net.forwardLogits(batch.images, true));
    const forwardMs = now() - t;

    let grads: tf.Tensor[] = [];
    nested.length = 0;
    t = now();
    const prof = await tf.profile(() => {
      grads = stepGradients(net, variables, terms, batch, 0, 1).grads;
    });
    const stepMs = now() - t;

    t = now();
    const named: tf.NamedTensorMap = {};
    variables.forEach((v, i) => (named[v.name] = grads[i]));
    optimizer.applyGradients(named as Parameters<typeof optimizer.applyGradients>[0]);
    const optMs = now() - t;
    t = now();
    tf.dispose([...grads, batch.images, batch.labels]);
    const disposeMs = now() - t;
    if (warmUp) continue;

    phases["data + augmentation"] += dataMs;
    phases.forward += forwardMs;
    phases["forward + backward"] += stepMs;
    phases.optimizer += optMs;
    phases.disposal += disposeMs;
    gradientMs += stepMs;
    const inner = new Set<number>();
    for (const [from, to] of nested) for (let i = from; i < to; i++) inner.add(i);
    prof.kernels.forEach((k, i) => {
      if (k.name.endsWith("__op") || inner.has(i)) return;
      const r = row(k.name);
      r.calls++;
      if (i < boundary) r.forwardMs += msOf(k);
      else r.backwardMs += msOf(k);
      kernelMs += msOf(k);
    });
  }
  optimizer.dispose();
  net.dispose();
  for (const config of restore) {
    tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  const n = options.steps;
  for (const key of Object.keys(phases)) phases[key as keyof typeof phases] /= n;
  const kernels = [...byKernel.values()]
    .map((r) => ({ ...r, calls: r.calls / n, forwardMs: r.forwardMs / n, backwardMs: r.backwardMs / n }))
    .sort((a, b) => b.forwardMs + b.backwardMs - (a.forwardMs + a.backwardMs));
  return {
    steps: n,
    batch: options.batch,
    size: options.size,
    phases: { ...phases, backward: phases["forward + backward"] - phases.forward },
    kernels,
    kernelShare: gradientMs > 0 ? kernelMs / gradientMs : 0,
  };
}

/** The profile as lines of text. */
export function formatProfile(p: StepProfile, top = 15): string[] {
  const lines: string[] = [];
  const step =
    p.phases["data + augmentation"] + p.phases["forward + backward"] + p.phases.optimizer + p.phases.disposal;
  lines.push(
    `one training step, batch ${p.batch} at ${p.size}x${p.size}, mean of ${p.steps} steps: ${step.toFixed(0)} ms`,
  );
  const share = (ms: number) => `${((100 * ms) / step).toFixed(1)}%`.padStart(6);
  for (const key of ["data + augmentation", "forward", "backward", "optimizer", "disposal"])
    lines.push(`  ${key.padEnd(22)} ${p.phases[key].toFixed(1).padStart(8)} ms ${share(p.phases[key])}`);
  lines.push(
    `  (forward alone, timed apart; backward = forward + backward - forward; the kernels are ${(100 * p.kernelShare).toFixed(0)}% of forward + backward)`,
  );
  lines.push("");
  lines.push(`kernels by time per step (top ${top}):`);
  lines.push(
    `  ${"kernel".padEnd(26)} ${"calls".padStart(6)} ${"forward".padStart(10)} ${"backward".padStart(10)}  share`,
  );
  for (const k of p.kernels.slice(0, top))
    lines.push(
      `  ${k.kernel.padEnd(26)} ${k.calls.toFixed(0).padStart(6)} ${k.forwardMs.toFixed(1).padStart(7)} ms ${k.backwardMs.toFixed(1).padStart(7)} ms ${share(k.forwardMs + k.backwardMs)}`,
    );
  return lines;
}

/**
 * Data-parallel steps timed by phase (TrainOptions.timing), ms per step: `replicas` replicas at
 * batch `batch`, partial CE only, one warm-up step first.
 */
export async function profileReplicas(
  samples: readonly TrainingSample[],
  numClasses: number,
  options: { batch: number; size: number; steps: number; replicas: number },
): Promise<ReplicaTiming> {
  const net = createNetwork({ numClasses }, { seed: 7 });
  const method = ENGINE_METHOD;
  const helpers = await startGradientHelpers(options.replicas - 1, {
    backend: tf.getBackend() as "wasm",
    network: net.config,
    method,
  });
  const timing = emptyReplicaTiming();
  try {
    const base = { batchSize: options.batch, inputSize: options.size, seed: 7, method, helpers };
    await train(net, datasetFromArray(samples), { ...base, steps: 1 });
    await train(net, datasetFromArray(samples), { ...base, steps: options.steps, timing });
  } finally {
    await helpers.dispose();
    net.dispose();
  }
  const perStep = emptyReplicaTiming();
  for (const key of Object.keys(timing) as (keyof ReplicaTiming)[])
    perStep[key] = key === "steps" ? timing.steps : timing[key] / timing.steps;
  return perStep;
}

/** The replicas' profile as lines of text. */
export function formatReplicaTiming(t: ReplicaTiming, replicas: number): string[] {
  const share = (ms: number) => `${((100 * ms) / t.total).toFixed(1)}%`.padStart(6);
  const row = (label: string, ms: number) =>
    `  ${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms ${share(ms)}`;
  return [
    `${replicas} data-parallel replicas, mean of ${t.steps} steps: ${t.total.toFixed(0)} ms per step`,
    "  the training thread:",
    row("  slices cut and sent, its own made ready", t.send),
    row("  its own slice's gradients", t.ownSlice),
    row("  the next step's crops, its slice rendered", t.nextCrops),
    row("  waiting for the helpers", t.wait),
    row("  gradients and statistics averaged", t.average),
    row("  optimizer", t.optimizer),
    row(
      "  the rest (events, the loop)",
      t.total - t.send - t.ownSlice - t.nextCrops - t.wait - t.average - t.optimizer,
    ),
    row("a helper: its slice (weights in, gradients, back)", t.helperSlice),
    row("a helper: idle (the step - its slice)", t.total - t.helperSlice),
  ];
}
