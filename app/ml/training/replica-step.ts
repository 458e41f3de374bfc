/**
 * One replica's work on its slice of a data-parallel step (data-parallel.ts): in a helper thread
 * (gradient-worker-main.ts), or in the tests' same-thread stand-in. The weights and batch-norm
 * statistics it is sent; its own views when the slice carries the teacher's part
 * (teacher-views.ts); then the gradients of the loss terms, read back as arrays.
 */
import { tf } from "../engine/tf.ts";
import type { SegmentationNetwork } from "../model/network.ts";
import type { LossTerm } from "../method/losses.ts";
import type { SemiSupervisedOptions } from "../method/method.ts";
import {
  readVariables,
  sliceTensors,
  stepGradients,
  writeVariables,
  type BatchSlice,
  type SliceGradients,
  type SlicePixels,
  type StepBatch,
} from "./data-parallel.ts";
import { replicaViews, type TeacherStats } from "./teacher-views.ts";

/** A replica's next slice, rendered ahead of its step (GradientHelpers.renderAhead). */
export class PreparedSlices {
  private held?: { id: number; batch?: StepBatch; error?: string };

  /** Renders `pixels` now, in place of any slice rendered before; a failure waits for the step. */
  render(id: number, pixels: SlicePixels): void {
    this.drop();
    try {
      this.held = { id, batch: sliceTensors({ pixels }) };
    } catch (err) {
      this.held = { id, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** The slice as tensors: the one rendered ahead when it says so, else rendered now. */
  take(slice: BatchSlice): StepBatch {
    const p = slice.pixels;
    if (!("prepared" in p)) {
      this.drop(); // drawn again after a change of plan (train.ts: the prefetched crops discarded)
      return sliceTensors(slice);
    }
    const held = this.held;
    this.held = undefined;
    if (held?.error !== undefined) throw new Error(`rendering slice ${held.id} failed: ${held.error}`);
    if (!held?.batch || held.id !== p.prepared) {
      if (held?.batch) tf.dispose(held.batch);
      throw new Error(`slice ${p.prepared} was not rendered ahead`);
    }
    return { ...held.batch, consistency: slice.consistency };
  }

  drop(): void {
    if (this.held?.batch) tf.dispose(this.held.batch);
    this.held = undefined;
  }
}

export interface SliceRequest {
  weights: Float32Array[];
  stats: Float32Array[];
  slice: BatchSlice;
  step: number;
  totalSteps: number;
}

export function computeSlice(
  net: SegmentationNetwork,
  variables: readonly tf.Variable[],
  stats: readonly tf.Variable[],
  lossTerms: readonly LossTerm[],
  semi: SemiSupervisedOptions | undefined,
  request: SliceRequest,
  prepared: PreparedSlices,
): SliceGradients {
  const started = performance.now();
  writeVariables(variables, request.weights);
  writeVariables(stats, request.stats);
  let batch: StepBatch = prepared.take(request.slice);
  let teacherStats: TeacherStats | undefined;
  try {
    if (request.slice.teacher) {
      if (!semi) throw new Error("a slice with the teacher's part while the semi-supervised term is off");
      const made = replicaViews(net, variables, stats, request, batch, request.slice.teacher, semi);
      batch = made.batch;
      teacherStats = made.stats;
    }
    const r = stepGradients(net, [...variables], lossTerms, batch, request.step, request.totalSteps);
    const grads = r.grads.map((g) => (g.dataSync() as Float32Array).slice());
    tf.dispose(r.grads);
    const moving = readVariables(stats);
    return { grads, stats: moving, losses: r.losses, teacherStats, ms: performance.now() - started };
  } finally {
    tf.dispose(batch);
  }
}
