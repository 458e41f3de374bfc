/**
 * Data-parallel training steps: a step's batch is cut into slices, one per replica; the training
 * thread computes the gradients of the first slice while helper threads (gradient-helpers.ts, each
 * with its own tensor backend) compute the others from the same weights; the gradients are then
 * averaged, weighted by slice size, and the optimizer takes one step. The training thread draws
 * every crop's plan (augment.ts: the same random draws in the same order as one replica) and
 * sends each helper the parts of the images its crops read: each replica renders its own slice,
 * so the rendering is shared out like the gradients. train.ts draws the next step's plans while
 * it waits for the helpers, and sends them at once, so each helper renders its next slice while
 * it would wait for the next step (GradientHelpers.renderAhead). The single-threaded wasm
 * backend uses one core (docs/ml-engine.md, "wasm threads under Node"), so on a machine with more
 * cores this is how training uses them.
 *
 * What differs from one replica on the whole batch: batch norm normalizes each slice with its own
 * statistics during the step (as in data-parallel training without synchronized BN); its moving
 * averages (what prediction uses) are updated by every replica from the same values and then
 * averaged, so they follow the whole batch's mean (the variance is the slices' mean variance); the
 * partial cross-entropy is a mean per slice, then averaged; a PiXL term's prototypes are kept per
 * replica. The semi-supervised term's teacher pass and strong view: in split mode each replica
 * makes its own slice's (teacher-views.ts), so each slice has weak and strong positions and its
 * CutMix pairs images within the slice; in strong mode the training thread makes them for the
 * whole batch before the cut.
 */
import os from "node:os";
import { tf } from "../engine/tf.ts";
import type { SegmentationNetwork } from "../model/network.ts";
import type { LossTerm } from "../method/losses.ts";
import type { SliceTeacher, TeacherStats } from "./teacher-views.ts";
import { renderCrops, type CropSource } from "./augment.ts";

/**
 * A slice's pixels: the crops its replica renders (augment.ts); the number of a slice its replica
 * rendered ahead (GradientHelpers.renderAhead); or the slice already rendered (when the training
 * thread made the whole batch's views before the cut: strong mode).
 */
export type SlicePixels =
  | { crops: CropSource[]; size: number }
  | { prepared: number }
  | {
      /** [b, h, w, c] */
      shape: [number, number, number, number];
      images: Float32Array;
      labels: Int32Array;
      pseudoLabels?: Int32Array;
      teacherEntropy?: Float32Array;
      anchorLabels?: Int32Array;
    };

/** One replica's share of a step's batch, as plain arrays (it crosses to a helper thread). */
export interface BatchSlice {
  pixels: SlicePixels;
  /** the consistency term's scale this step (LossContext.consistency) */
  consistency?: number;
  /** Split mode: the slice is a weak view, and its replica makes its own views (teacher-views.ts). */
  teacher?: SliceTeacher;
}

/** Gradients of one slice: one array per trainable variable, in the network's order. */
export interface SliceGradients {
  grads: Float32Array[];
  /** the non-trainable variables (batch norm's moving averages) after the step, in order */
  stats: Float32Array[];
  /** each term's value and "total" (the weighted sum) */
  losses: Record<string, number>;
  /** what the replica's teacher pass saw, when it made the slice's views */
  teacherStats?: TeacherStats;
  /** the replica's time on the step, ms: weights in, slice rendered (unless it was ahead), gradients, read back */
  ms?: number;
}

/**
 * Where data-parallel steps' time went, in ms summed over `steps` (TrainOptions.timing): the
 * training thread's phases in order, and the helpers' own time on their slices.
 */
export interface ReplicaTiming {
  steps: number;
  /** the step's crops cut into slices and sent with the weights; this thread's slice made ready */
  send: number;
  /** this thread's slice's gradients */
  ownSlice: number;
  /** the next step's crops drawn and this thread's slice of them rendered */
  nextCrops: number;
  /** waiting for the helpers' gradients */
  wait: number;
  /** gradients and batch-norm statistics averaged */
  average: number;
  optimizer: number;
  /** whole steps */
  total: number;
  /** a helper's time on its slice (SliceGradients.ms), mean over the helpers */
  helperSlice: number;
}

export const emptyReplicaTiming = (): ReplicaTiming => ({
  steps: 0,
  send: 0,
  ownSlice: 0,
  nextCrops: 0,
  wait: 0,
  average: 0,
  optimizer: 0,
  total: 0,
  helperSlice: 0,
});

/** Threads that compute the gradients of the slices after the first, one slice each. */
export interface GradientHelpers {
  readonly count: number;
  /**
   * Sets each helper's variables to `weights` (trainable, in order) and `stats` (non-trainable, in
   * order) and returns its slice's gradients and its stats after the step. Give them in shared
   * memory (readVariablesShared) so the helpers read one copy; other arrays are cloned for each.
   */
  compute(
    weights: Float32Array[],
    stats: Float32Array[],
    slices: BatchSlice[],
    step: number,
    totalSteps: number,
  ): Promise<SliceGradients[]>;
  /**
   * Gives each helper the pixels of its next slice, one per helper, to render while it would
   * otherwise wait for its next step; that step's slice then says `{ prepared: id }`. No answer:
   * a failure is told by the step.
   */
  renderAhead(id: number, pixels: SlicePixels[]): void;
  dispose(): Promise<void>;
}

/** Sizes of `parts` slices of a batch of `batch` images, as equal as possible, larger first. */
export function sliceSizes(batch: number, parts: number): number[] {
  if (!(parts >= 1 && parts <= batch)) throw new Error(`cannot cut a batch of ${batch} into ${parts} slices`);
  const base = Math.floor(batch / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < batch % parts ? 1 : 0));
}

/**
 * Fewest images of a batch a replica is given. Batch norm normalizes each slice by its own
 * statistics: on the synthetic scenes of working-resolution.test.ts, 60 steps at batch 4 in two
 * slices of 2 ended below one replica in 8 of 8 seeds (pixel accuracy 0.55-0.97 against 0.86-0.98),
 * while batch 8 in two slices of 4 matched it (mIoU within 0.02 in 5 of 6 seeds, mean +0.006).
 */
export const MIN_SLICE = 4;

/** "auto" never takes more replicas than this (each is a thread with its own copy of the network). */
export const MAX_AUTO_REPLICAS = 4;

/** The replicas (or prediction workers) "auto" gives on this machine: one per core, at most MAX_AUTO_REPLICAS. */
export function autoReplicas(): number {
  return Math.max(1, Math.min(MAX_AUTO_REPLICAS, os.availableParallelism()));
}

/** How many replicas to train with: `wanted`, as long as each gets at least MIN_SLICE images. */
export function replicaCount(wanted: number, batchSize: number): number {
  return Math.max(1, Math.min(Math.floor(wanted), Math.floor(batchSize / MIN_SLICE)));
}

/** One step's batch (or slice) as tensors: what the loss context is built from. */
export type StepBatch = {
  images: tf.Tensor4D;
  labels: tf.Tensor3D;
  pseudoLabels?: tf.Tensor3D;
  teacherEntropy?: tf.Tensor3D;
  anchorLabels?: tf.Tensor3D;
  consistency?: number;
};

export interface StepGradients {
  /** one per trainable variable, in order (zeros for a variable no term reaches) */
  grads: tf.Tensor[];
  losses: Record<string, number>;
}

/**
 * The gradients of the loss terms' weighted sum on one batch (or slice) with respect to
 * `variables`. Runs the network in training mode (BN uses batch statistics and updates its moving
 * averages). The caller disposes the gradients.
 */
export function stepGradients(
  net: SegmentationNetwork,
  variables: tf.Variable[],
  lossTerms: readonly LossTerm[],
  batch: StepBatch,
  step: number,
  totalSteps: number,
): StepGradients {
  const termValues: Record<string, tf.Scalar> = {};
  let total: tf.Scalar | undefined;
  let named: tf.NamedTensorMap | undefined;
  try {
    // The projection head only runs while a term that reads embeddings has a weight, and then
    // only on the grid cells the term asks for.
    const withEmbeddings = lossTerms.some((t) => t.usesEmbeddings && t.weight(step, totalSteps) !== 0);
    const result = tf.variableGrads(() => {
      const outputs = withEmbeddings
        ? net.forwardEmbeddingGrid(batch.images, true)
        : { logits: net.forwardLogits(batch.images, true) };
      const ctx = {
        outputs,
        images: batch.images,
        labels: batch.labels,
        pseudoLabels: batch.pseudoLabels,
        teacherEntropy: batch.teacherEntropy,
        anchorLabels: batch.anchorLabels,
        consistency: batch.consistency,
        numClasses: net.config.numClasses,
        step,
        totalSteps,
      };
      let sum = tf.scalar(0);
      for (const term of lossTerms) {
        const w = term.weight(step, totalSteps);
        if (w === 0) continue;
        const value = term.compute(ctx);
        termValues[term.name] = tf.keep(value);
        sum = tf.add(sum, tf.mul(value, w));
      }
      return sum;
    }, variables);
    total = result.value;
    named = result.grads;
    // Adam keeps its moments by position in the gradient list, and variableGrads drops variables
    // without a gradient (e.g. the projection head while only CE is on): give every variable one,
    // in a fixed order, so terms that switch on later (ramps) cannot misalign the moments.
    const grads = variables.map((v) => (named as tf.NamedTensorMap)[v.name] ?? tf.zerosLike(v));
    named = undefined; // now owned by `grads`
    const losses: Record<string, number> = { total: total.dataSync()[0] };
    for (const [name, value] of Object.entries(termValues)) losses[name] = value.dataSync()[0];
    return { grads, losses };
  } finally {
    tf.dispose(Object.values(termValues));
    if (total) total.dispose();
    if (named) tf.dispose(named);
  }
}

/** Cuts a batch into slices of `sizes` images: the first as tensors (kept here), the rest as arrays. */
export function cutBatch(batch: StepBatch, sizes: number[]): { first: StepBatch; rest: BatchSlice[] } {
  const split = <T extends tf.Tensor>(t: T | undefined) => (t ? (tf.split(t, sizes, 0) as T[]) : undefined);
  const images = split(batch.images)!;
  const labels = split(batch.labels)!;
  const pseudo = split(batch.pseudoLabels);
  const entropy = split(batch.teacherEntropy);
  const anchors = split(batch.anchorLabels);
  const rest: BatchSlice[] = [];
  for (let i = 1; i < sizes.length; i++) {
    rest.push({
      pixels: {
        shape: images[i].shape,
        images: images[i].dataSync() as Float32Array,
        labels: labels[i].dataSync() as Int32Array,
        pseudoLabels: pseudo ? (pseudo[i].dataSync() as Int32Array) : undefined,
        teacherEntropy: entropy ? (entropy[i].dataSync() as Float32Array) : undefined,
        anchorLabels: anchors ? (anchors[i].dataSync() as Int32Array) : undefined,
      },
      consistency: batch.consistency,
    });
  }
  tf.dispose(
    ([images, labels, pseudo ?? [], entropy ?? [], anchors ?? []] as tf.Tensor[][]).flatMap((parts) =>
      parts.slice(1),
    ),
  );
  return {
    first: {
      images: images[0],
      labels: labels[0],
      pseudoLabels: pseudo?.[0],
      teacherEntropy: entropy?.[0],
      anchorLabels: anchors?.[0],
      consistency: batch.consistency,
    },
    rest,
  };
}

/** A slice as tensors (in its replica): its crops rendered, or its arrays as tensors again. */
export function sliceTensors(slice: BatchSlice): StepBatch {
  const p = slice.pixels;
  if ("prepared" in p)
    throw new Error(`slice ${p.prepared} was rendered ahead: take it from its PreparedSlices`);
  if ("crops" in p) return { ...renderCrops(p.crops, p.size), consistency: slice.consistency };
  const [b, h, w, c] = p.shape;
  return {
    images: tf.tensor4d(p.images, [b, h, w, c], "float32"),
    labels: tf.tensor3d(p.labels, [b, h, w], "int32"),
    pseudoLabels: p.pseudoLabels ? tf.tensor3d(p.pseudoLabels, [b, h, w], "int32") : undefined,
    teacherEntropy: p.teacherEntropy ? tf.tensor3d(p.teacherEntropy, [b, h, w], "float32") : undefined,
    anchorLabels: p.anchorLabels ? tf.tensor3d(p.anchorLabels, [b, h, w], "int32") : undefined,
    consistency: slice.consistency,
  };
}

/**
 * The slices' gradients averaged, each weighted by its share of the batch (`sizes`), as tensors in
 * variable order; and the losses averaged the same way. Disposes `local`'s gradients.
 */
export function averageGradients(
  local: StepGradients,
  remote: SliceGradients[],
  sizes: number[],
): { grads: tf.Tensor[]; losses: Record<string, number> } {
  const total = sizes.reduce((a, b) => a + b, 0);
  const shares = sizes.map((s) => s / total);
  const grads = local.grads.map((g, i) =>
    tf.tidy(() => {
      let sum = tf.mul(g, shares[0]);
      for (let r = 0; r < remote.length; r++)
        sum = tf.add(sum, tf.mul(tf.tensor(remote[r].grads[i], g.shape, "float32"), shares[r + 1]));
      return sum;
    }),
  );
  tf.dispose(local.grads);
  const losses: Record<string, number> = {};
  const all = [local.losses, ...remote.map((r) => r.losses)];
  for (const name of Object.keys(local.losses)) {
    let v = 0;
    for (let r = 0; r < all.length; r++) v += (all[r][name] ?? 0) * shares[r];
    losses[name] = v;
  }
  return { grads, losses };
}

/**
 * Sets `stats` (the non-trainable variables: batch norm's moving averages, updated by this thread's
 * slice) to the share-weighted mean of every replica's values after the step.
 */
export function averageStats(stats: readonly tf.Variable[], remote: SliceGradients[], sizes: number[]): void {
  if (remote.length === 0) return;
  const total = sizes.reduce((a, b) => a + b, 0);
  stats.forEach((v, i) => {
    const mean = tf.tidy(() => {
      let sum = tf.mul(v, sizes[0] / total);
      for (let r = 0; r < remote.length; r++)
        sum = tf.add(sum, tf.mul(tf.tensor(remote[r].stats[i], v.shape, "float32"), sizes[r + 1] / total));
      return sum;
    });
    v.assign(mean);
    mean.dispose();
  });
}

/** Variables' values, in order, as arrays (what a helper is given each step). */
export function readVariables(variables: readonly tf.Variable[]): Float32Array[] {
  return variables.map((v) => (v.dataSync() as Float32Array).slice());
}

/**
 * Variables' values, in order, as views of one new block of shared memory: what the helpers are
 * sent each step, so every helper reads the one copy instead of a structured clone of its own.
 */
export function readVariablesShared(variables: readonly tf.Variable[]): Float32Array[] {
  const memory = new SharedArrayBuffer(4 * variables.reduce((n, v) => n + v.size, 0));
  let offset = 0;
  return variables.map((v) => {
    const view = new Float32Array(memory, offset, v.size);
    view.set(v.dataSync() as Float32Array);
    offset += 4 * v.size;
    return view;
  });
}

/** Sets variables (in order) to `values` (a helper, before computing its slice). */
export function writeVariables(variables: readonly tf.Variable[], values: readonly Float32Array[]): void {
  if (values.length !== variables.length)
    throw new Error(`${values.length} weight arrays for ${variables.length} variables`);
  variables.forEach((v, i) => {
    const t = tf.tensor(values[i], v.shape, "float32");
    v.assign(t);
    t.dispose();
  });
}
