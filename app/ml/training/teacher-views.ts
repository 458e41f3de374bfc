/**
 * The semi-supervised term's views of a step's batch (semi-supervised.ts): the teacher pass on the
 * weak view, then the strong view. One replica makes them for the whole batch. With data-parallel
 * replicas in split mode each replica makes its own slice's views: the teacher's weights, the
 * class thresholds and a seed for the strong view go with the slice, so the teacher pass is
 * shared out like the gradients instead of running alone before them. Owns the mean teacher and
 * the adaptive thresholds; the thresholds take one update per step, from every replica's pass.
 */
import { tf } from "../engine/tf.ts";
import type { SegmentationNetwork } from "../model/network.ts";
import type { SemiSupervisedOptions } from "../method/method.ts";
import { AdaptiveThresholds } from "../method/adaptive-thresholds.ts";
import { WeightAverage } from "../method/weight-average.ts";
import {
  splitViews,
  strongView,
  teacherTargets,
  type TeacherPass,
  type TeacherView,
} from "../method/semi-supervised.ts";
import { seededRandom, type Random } from "./augment.ts";
import { readVariablesShared, writeVariables, type BatchSlice, type StepBatch } from "./data-parallel.ts";

/** What one teacher pass saw: the adaptive thresholds' input. */
export type TeacherStats = Pick<TeacherPass, "meanConfidence" | "meanProbabilities">;

/** What a replica needs to make its own slice's views (BatchSlice.teacher). */
export interface SliceTeacher {
  /** the teacher's weights: the trainable variables, then the non-trainable ones, in order */
  weights: Float32Array[];
  /** per class, the confidence a pseudo-label needs */
  thresholds: Float32Array;
  /** seeds the slice's strong view */
  seed: number;
}

const disposeViews = (t: TeacherView) => tf.dispose([t.targets, t.entropy]);

/** Weak batch -> the term's views (split or strong mode), the teacher's pass made by `teach`. */
function makeViews(
  weak: StepBatch,
  teach: (images: tf.Tensor4D, labels: tf.Tensor3D) => TeacherView,
  semi: Pick<SemiSupervisedOptions, "views" | "strong">,
  rand: Random,
): StepBatch {
  if (semi.views === "split") return splitViews(weak.images, weak.labels, teach, semi.strong, rand);
  const teacher = teach(weak.images, weak.labels);
  const view = strongView(weak.images, weak.labels, teacher, semi.strong, rand);
  disposeViews(teacher);
  return view;
}

export class TeacherViews {
  private readonly teacher?: WeightAverage;
  private readonly thresholds?: AdaptiveThresholds;
  private passes: TeacherStats[] = [];

  constructor(
    private readonly net: SegmentationNetwork,
    private readonly variables: readonly tf.Variable[],
    private readonly stats: readonly tf.Variable[],
    private readonly semi: SemiSupervisedOptions,
    private readonly rand: Random,
  ) {
    // The mean teacher: its own average of the weights and of the batch-norm statistics.
    if (semi.teacher === "ema") this.teacher = new WeightAverage([...variables, ...stats], semi.teacherDecay);
    if (semi.adaptive) this.thresholds = new AdaptiveThresholds(net.config.numClasses);
  }

  /** The mean teacher's average (for held-out checks); undefined when the student teaches. */
  get average(): WeightAverage | undefined {
    return this.teacher;
  }

  /** `fn` with the teacher's weights in the network (the live ones when the student teaches). */
  withTeacher<T>(fn: () => T): T {
    return this.teacher ? this.teacher.withAverage(fn) : fn();
  }

  /** Whether data-parallel slices make their own views (split mode). */
  get perSlice(): boolean {
    return this.semi.views === "split";
  }

  private bars(): Float32Array {
    return this.thresholds?.thresholds() ?? new Float32Array(this.net.config.numClasses).fill(this.semi.tau);
  }

  private readonly teach = (images: tf.Tensor4D, labels: tf.Tensor3D): TeacherView => {
    const bars = this.bars();
    const pass = this.withTeacher(() => teacherTargets(this.net, images, labels, bars));
    this.passes.push({ meanConfidence: pass.meanConfidence, meanProbabilities: pass.meanProbabilities });
    return { targets: pass.targets, entropy: pass.entropy };
  };

  /** The views of a weak batch, made here; disposes its images and labels. */
  views(weak: StepBatch): StepBatch {
    const out = makeViews(weak, this.teach, this.semi, this.rand);
    tf.dispose([weak.images, weak.labels]);
    return { ...out, consistency: weak.consistency };
  }

  /**
   * Split mode with replicas: gives each slice of `rest` what its replica needs to make its own
   * views (before this thread makes its own slice's with `views`).
   */
  prepareSlices(rest: BatchSlice[]): void {
    const weights = this.withTeacher(() => readVariablesShared([...this.variables, ...this.stats]));
    const thresholds = this.bars();
    for (const slice of rest)
      slice.teacher = { weights, thresholds, seed: Math.floor(this.rand() * 2 ** 31) };
  }

  /**
   * After the optimizer's step: the step's teacher passes (this thread's, then the replicas' in
   * order) as one update of the thresholds, and the mean teacher follows the weights.
   */
  endStep(step: number, remote: readonly (TeacherStats | undefined)[] = []): void {
    const all = [...this.passes, ...remote.filter((r) => r !== undefined)];
    this.passes = [];
    const seen = all.filter((p) => Number.isFinite(p.meanConfidence));
    if (this.thresholds && seen.length > 0) {
      const k = this.net.config.numClasses;
      const probabilities = new Float32Array(k);
      for (const p of seen)
        for (let c = 0; c < k; c++) probabilities[c] += p.meanProbabilities[c] / seen.length;
      const confidence = seen.reduce((a, p) => a + p.meanConfidence, 0) / seen.length;
      this.thresholds.update(confidence, probabilities);
    }
    this.teacher?.update(step);
  }

  dispose(): void {
    this.teacher?.dispose();
  }
}

/**
 * A replica's own slice views (see SliceTeacher): the teacher's weights are written into `net`
 * for its pass, then `live` (trainable, then non-trainable) again. Disposes `weak`'s images and
 * labels.
 */
export function replicaViews(
  net: SegmentationNetwork,
  variables: readonly tf.Variable[],
  stats: readonly tf.Variable[],
  live: { weights: readonly Float32Array[]; stats: readonly Float32Array[] },
  weak: StepBatch,
  teacher: SliceTeacher,
  semi: Pick<SemiSupervisedOptions, "views" | "strong">,
): { batch: StepBatch; stats: TeacherStats } {
  let seen: TeacherStats = { meanConfidence: Number.NaN, meanProbabilities: new Float32Array(0) };
  const n = variables.length;
  const teach = (images: tf.Tensor4D, labels: tf.Tensor3D): TeacherView => {
    writeVariables(variables, teacher.weights.slice(0, n));
    writeVariables(stats, teacher.weights.slice(n));
    try {
      const pass = teacherTargets(net, images, labels, teacher.thresholds);
      seen = { meanConfidence: pass.meanConfidence, meanProbabilities: pass.meanProbabilities };
      return { targets: pass.targets, entropy: pass.entropy };
    } finally {
      writeVariables(variables, live.weights);
      writeVariables(stats, live.stats);
    }
  };
  const views = makeViews(weak, teach, semi, seededRandom(teacher.seed));
  tf.dispose([weak.images, weak.labels]);
  return { batch: { ...views, consistency: weak.consistency }, stats: seen };
}
