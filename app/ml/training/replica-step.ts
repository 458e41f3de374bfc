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
  type StepBatch,
} from "./data-parallel.ts";
import { replicaViews, type TeacherStats } from "./teacher-views.ts";

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
): SliceGradients {
  const started = performance.now();
  writeVariables(variables, request.weights);
  writeVariables(stats, request.stats);
  let batch: StepBatch = sliceTensors(request.slice);
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
