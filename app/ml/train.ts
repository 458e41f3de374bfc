/**
 * Training loop: augmented batches -> network -> sum of loss terms -> Adam, with progress events,
 * cancellation (AbortSignal), periodic checkpoints and no tensor leaks.
 */
import { tf } from "./tf.ts";
import type { SegmentationNetwork } from "./network.ts";
import { serializeWeights } from "./weights.ts";
import { partialCrossEntropy, UNLABELED, type LossTerm } from "./losses.ts";
import { DEFAULT_AUGMENT, makeBatch, seededRandom, type AugmentOptions, type TrainingSample } from "./augment.ts";

export type { TrainingSample } from "./augment.ts";

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
  /** Defaults to [partialCrossEntropy({ classWeights })]. */
  lossTerms?: LossTerm[];
  classWeights?: readonly number[];
  seed?: number;
  /** Emit a progress event every n steps (and at the last step). */
  progressEvery?: number;
  /** Call onCheckpoint every n steps (and at the end); 0 = only at the end. */
  checkpointEvery?: number;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onCheckpoint?: (c: TrainCheckpoint) => void | Promise<void>;
}

export interface TrainResult {
  stepsDone: number;
  cancelled: boolean;
  seconds: number;
  lastLosses: Record<string, number>;
}

function hasLabels(s: TrainingSample): boolean {
  return s.labels != null && s.labels.some((v) => v !== UNLABELED);
}

/** Yield to the event loop so cancel messages and timers get a turn between steps. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function train(net: SegmentationNetwork, dataset: TrainingDataset, options: TrainOptions): Promise<TrainResult> {
  const batchSize = options.batchSize ?? 8;
  const inputSize = options.inputSize ?? 256;
  const baseLr = options.learningRate ?? 1e-3;
  const decay = options.lrDecayPower ?? 0.9;
  const progressEvery = Math.max(1, options.progressEvery ?? 1);
  const checkpointEvery = options.checkpointEvery ?? 0;
  const totalSteps = options.steps;
  if (inputSize % net.inputMultiple !== 0) throw new Error(`inputSize must be a multiple of ${net.inputMultiple}`);
  const augment: AugmentOptions = { ...DEFAULT_AUGMENT, ...options.augment, size: inputSize };
  const lossTerms = options.lossTerms ?? [partialCrossEntropy({ classWeights: options.classWeights })];
  const rand = seededRandom(options.seed ?? 1);

  const labeled: number[] = [];
  for (let i = 0; i < dataset.size; i++) if (hasLabels(dataset.get(i))) labeled.push(i);
  if (labeled.length === 0) throw new Error("no training sample has a labeled pixel");

  const variables = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(baseLr);
  const setLr = (lr: number) => {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
  };

  let order: number[] = [];
  let cursor = 0;
  const nextIndices = (): number[] => {
    const out: number[] = [];
    while (out.length < batchSize) {
      if (cursor >= order.length) {
        order = [...labeled];
        for (let i = order.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [order[i], order[j]] = [order[j], order[i]];
        }
        cursor = 0;
      }
      out.push(order[cursor++]);
    }
    return out;
  };

  const started = performance.now();
  let stepsDone = 0;
  let lastLosses: Record<string, number> = {};
  let sinceReport = { images: 0, ms: 0 };
  try {
    while (stepsDone < totalSteps && !options.signal?.aborted) {
      const stepStart = performance.now();
      const step = stepsDone;
      const lr = decay > 0 ? baseLr * Math.pow(1 - step / totalSteps, decay) : baseLr;
      setLr(lr);
      const batch = makeBatch(nextIndices().map((i) => dataset.get(i)), augment, rand);
      const termValues: Record<string, tf.Scalar> = {};
      let total: tf.Scalar | undefined;
      let grads: tf.NamedTensorMap | undefined;
      try {
        const result = tf.variableGrads(() => {
          const outputs = net.forward(batch.images, true);
          const ctx = { outputs, images: batch.images, labels: batch.labels, numClasses: net.config.numClasses, step, totalSteps };
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
        grads = result.grads;
        optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
        lastLosses = { total: total.dataSync()[0] };
        for (const [name, value] of Object.entries(termValues)) lastLosses[name] = value.dataSync()[0];
      } finally {
        tf.dispose([batch.images, batch.labels, ...Object.values(termValues)]);
        if (total) total.dispose();
        if (grads) tf.dispose(grads);
      }
      stepsDone++;
      sinceReport.images += batchSize;
      sinceReport.ms += performance.now() - stepStart;

      if (stepsDone % progressEvery === 0 || stepsDone === totalSteps) {
        const imagesPerSec = sinceReport.images / (sinceReport.ms / 1000);
        const secPerStep = sinceReport.ms / 1000 / (sinceReport.images / batchSize);
        options.onProgress?.({
          step: stepsDone,
          epoch: Math.floor(((stepsDone - 1) * batchSize) / labeled.length),
          totalSteps,
          losses: lastLosses,
          learningRate: lr,
          imagesPerSec,
          etaSec: (totalSteps - stepsDone) * secPerStep,
        });
        sinceReport = { images: 0, ms: 0 };
      }
      if (options.onCheckpoint && checkpointEvery > 0 && stepsDone % checkpointEvery === 0 && stepsDone < totalSteps) {
        await options.onCheckpoint({ step: stepsDone, weights: serializeWeights(net) });
      }
      await nextTurn();
    }
    if (options.onCheckpoint && stepsDone > 0) await options.onCheckpoint({ step: stepsDone, weights: serializeWeights(net) });
  } finally {
    optimizer.dispose();
  }
  return {
    stepsDone,
    cancelled: stepsDone < totalSteps,
    seconds: (performance.now() - started) / 1000,
    lastLosses,
  };
}
