/**
 * What a training run is given and gives back: its options, its events (progress, held-out
 * checks, self-training rounds, checkpoints), its result, and the dataset it reads.
 */
import type { SegmentationNetwork } from "../model/network.ts";
import type { LossTerm } from "../method/losses.ts";
import type { PartialMethod } from "../method/method.ts";
import type { AugmentOptions, TrainingSample } from "./augment.ts";
import type { GradientHelpers, ReplicaTiming } from "./data-parallel.ts";

/** Samples by index, so a caller can decode lazily; arrays work via datasetFromArray. */
export interface TrainingDataset {
  readonly size: number;
  get(index: number): TrainingSample;
}

export function datasetFromArray(samples: readonly TrainingSample[]): TrainingDataset {
  return { size: samples.length, get: (i) => samples[i] };
}

export interface TrainProgress {
  step: number;
  epoch: number;
  totalSteps: number;
  /** Value of each loss term at this step, plus "total" (weighted sum). */
  losses: Record<string, number>;
  learningRate: number;
  imagesPerSec: number;
  etaSec: number;
}

/** Result of a held-out check: `score` (e.g. mIoU) decides the best checkpoint. */
export interface ValidationResult {
  score: number;
  metrics: Record<string, unknown>;
}

export interface ValidationEvent {
  step: number;
  epoch: number;
  score: number;
  metrics: Record<string, unknown>;
  /** Whether this is the best score so far (its weights are kept). */
  best: boolean;
}

/** One self-training round: after `step`, it labeled `added` pixels in `images` labeled images. */
export interface SelfTrainingRound {
  step: number;
  images: number;
  added: number;
}

export interface TrainCheckpoint {
  step: number;
  weights: Uint8Array;
}

export interface TrainOptions {
  steps: number;
  batchSize?: number;
  /** Side of the square training crops (multiple of the network's input multiple). */
  inputSize?: number;
  learningRate?: number;
  /** Polynomial decay power of the learning rate to 0 at the last step; 0 = constant. */
  lrDecayPower?: number;
  augment?: Partial<Omit<AugmentOptions, "size">>;
  /**
   * The method (method.ts): loss terms and, with the semi-supervised term on, the weak/strong views
   * and teacher pass. Ignored when lossTerms is given. Without both: partial CE only.
   */
  method?: PartialMethod;
  /** Defaults to the method's terms, else [partialCrossEntropy({ classWeights })]. */
  lossTerms?: LossTerm[];
  classWeights?: readonly number[];
  seed?: number;
  /** Emit a progress event every n steps (and at the last step). */
  progressEvery?: number;
  /** Call onCheckpoint every n steps (and at the end); 0 = only at the end. */
  checkpointEvery?: number;
  /** Wall-clock budget: stop after this many seconds (LR schedule and ramps follow elapsed time). */
  maxSeconds?: number;
  /**
   * Held-out check, run every `every` steps and at the end; the best-scoring weights are kept.
   * `atStart`: also check the weights training starts from (step 0; fine-tuning), so a run
   * that only makes them worse keeps them.
   */
  validation?: { every: number; atStart?: boolean; run: (net: SegmentationNetwork) => ValidationResult };
  onValidation?: (v: ValidationEvent) => void;
  /** A self-training round relabeled the labeled images (method.selfTraining): pixels it labeled. */
  onSelfTraining?: (r: SelfTrainingRound) => void;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  /** Work before the first step that takes a while (e.g. the pixel classifier's labels), said once. */
  onPreparing?: (what: string) => void;
  onCheckpoint?: (c: TrainCheckpoint) => void | Promise<void>;
  /**
   * Data-parallel training (data-parallel.ts): threads that compute the gradients of the batch's
   * other slices each step. Their loss terms come from `method`, so not with custom `lossTerms`.
   */
  helpers?: GradientHelpers;
  /** With helpers: where each step's time goes is added here (bench:train --profile). */
  timing?: ReplicaTiming;
}

export interface TrainResult {
  stepsDone: number;
  cancelled: boolean;
  seconds: number;
  lastLosses: Record<string, number>;
  /** Best held-out check, with its weights (only when validation was given and ran). */
  best?: { step: number; score: number; metrics: Record<string, unknown>; weights: Uint8Array };
}
