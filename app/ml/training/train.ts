/**
 * Training loop: augmented batches -> network -> sum of loss terms -> Adam, with progress events,
 * cancellation (AbortSignal), periodic checkpoints and no tensor leaks.
 */
import { tf } from "../engine/tf.ts";
import type { SegmentationNetwork } from "../model/network.ts";
import { serializeWeights } from "../model/weights.ts";
import { partialCrossEntropy } from "../method/losses.ts";
import {
  cropSource,
  DEFAULT_AUGMENT,
  hasLabels,
  planCrop,
  renderCrops,
  seededRandom,
  type AugmentOptions,
  type CropSource,
} from "./augment.ts";
import { buildLossTerms, resolveMethod } from "../method/method.ts";
import { forestLabeledDataset } from "../method/forest-labels.ts";
import { propagatedDataset } from "../method/relabeled-dataset.ts";
import { WeightAverage } from "../method/weight-average.ts";
import { PlateauDetector } from "../method/plateau.ts";
import { TeacherViews, type TeacherStats } from "./teacher-views.ts";
import { SelfTrainedDataset, selfTrainingRound } from "../method/self-training.ts";
import {
  averageGradients,
  averageStats,
  cutBatch,
  readVariablesShared,
  sliceSizes,
  stepGradients,
  type BatchSlice,
  type ReplicaTiming,
  type SliceGradients,
  type SlicePixels,
  type StepBatch,
} from "./data-parallel.ts";

export type { TrainingSample } from "./augment.ts";
export {
  datasetFromArray,
  type SelfTrainingRound,
  type TrainCheckpoint,
  type TrainingDataset,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  type ValidationEvent,
  type ValidationResult,
} from "./train-options.ts";
import type { TrainingDataset, TrainOptions, TrainResult } from "./train-options.ts";

/** Yield to the event loop so cancel messages and timers get a turn between steps. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function train(
  net: SegmentationNetwork,
  trainingData: TrainingDataset,
  options: TrainOptions,
): Promise<TrainResult> {
  let dataset = trainingData;
  const batchSize = options.batchSize ?? 8;
  const inputSize = options.inputSize ?? 256;
  const baseLr = options.learningRate ?? 1e-3;
  const decay = options.lrDecayPower ?? 0.9;
  const progressEvery = Math.max(1, options.progressEvery ?? 1);
  const checkpointEvery = options.checkpointEvery ?? 0;
  const totalSteps = options.steps;
  if (inputSize % net.inputMultiple !== 0)
    throw new Error(`inputSize must be a multiple of ${net.inputMultiple}`);
  const zoom = { ...DEFAULT_AUGMENT, ...options.augment, size: inputSize };
  // Crops are taken at the network's working resolution: the zoom range is relative to it.
  const workScale = net.config.inputScale ?? 1;
  const augment: AugmentOptions = {
    ...zoom,
    minScale: zoom.minScale * workScale,
    maxScale: zoom.maxScale * workScale,
  };
  const method = options.method && !options.lossTerms ? resolveMethod(options.method) : undefined;
  const lossTerms =
    options.lossTerms ??
    (method
      ? buildLossTerms(method, options.classWeights)
      : [partialCrossEntropy({ classWeights: options.classWeights })]);
  const semi = method?.semiSupervised.enabled ? method.semiSupervised : undefined;
  const helpers = options.helpers && options.helpers.count > 0 ? options.helpers : undefined;
  if (helpers && !method)
    throw new Error("data-parallel training takes its loss terms from `method` (not lossTerms)");
  if (helpers && helpers.count + 1 > batchSize)
    throw new Error(`a batch of ${batchSize} cannot feed ${helpers.count + 1} replicas`);
  const rand = seededRandom(options.seed ?? 1);

  const labeled: number[] = [];
  const pool: number[] = [];
  for (let i = 0; i < dataset.size; i++) {
    if (hasLabels(dataset.get(i))) labeled.push(i);
    if (semi || hasLabels(dataset.get(i))) pool.push(i); // unlabeled images feed the semi-supervised term only
  }
  if (labeled.length === 0) throw new Error("no training sample has a labeled pixel");

  const variables = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
  /** batch norm's moving averages (data-parallel: averaged over the replicas each step) */
  const stats = net.model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const optimizer = tf.train.adam(baseLr);
  const average = method?.ema.enabled ? new WeightAverage(variables, method.ema.decay) : undefined;
  const plateau = semi?.start === "plateau" ? new PlateauDetector() : undefined;
  /** The step semi-supervision started at (undefined: not yet). */
  let semiStart: number | undefined = semi && !plateau ? 0 : undefined;
  /** The teacher pass and strong views, and the mean teacher (teacher-views.ts). */
  const teacherViews = semi ? new TeacherViews(net, variables, stats, semi, rand) : undefined;
  const setLr = (lr: number) => {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
  };

  let order: number[] = [];
  let cursor = 0;
  const nextIndices = (): number[] => {
    const out: number[] = [];
    while (out.length < batchSize) {
      if (cursor >= order.length) {
        // Images without labels feed only the consistency term: not drawn before it starts.
        order = semiStart === undefined ? [...labeled] : [...pool];
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

  /** A step's crops: each drawn sample's plan and the part of it the plan reads (augment.ts). */
  const drawCrops = (): CropSource[] =>
    nextIndices().map((i) => {
      const sample = dataset.get(i);
      return cropSource(sample, planCrop(sample, augment, rand));
    });
  /**
   * With helpers: the next step's crops, drawn while they computed this step's slices; when each
   * replica renders its own slice, this thread's slice of them rendered and the number under
   * which the helpers render theirs ahead (GradientHelpers.renderAhead).
   */
  let prefetched: { crops: CropSource[]; first?: StepBatch; prepared?: number } | undefined;
  let preparedCount = 0;
  const discardPrefetched = () => {
    if (prefetched?.first) tf.dispose(prefetched.first);
    prefetched = undefined;
  };

  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  // Part of the time budget: the denser labels are made here, in the training thread.
  if (method?.propagation.enabled) {
    dataset = propagatedDataset(dataset, net.config.numClasses, {
      ...method.propagation,
      regionSize: method.propagation.regionSize / workScale,
    });
  }
  if (method?.forestLabels.enabled) {
    options.onPreparing?.("the pixel classifier learns the strokes and labels what it is sure of");
    dataset = forestLabeledDataset(
      dataset,
      trainingData,
      net.config.numClasses,
      method.forestLabels,
      options.seed ?? 1,
    );
  }
  // Self-training rounds relabel through this layer (over the denser labels, never replacing them).
  const selfTrained = method?.selfTraining.enabled ? new SelfTrainedDataset(dataset) : undefined;
  if (selfTrained) dataset = selfTrained;
  const roundsAt = [...(method?.selfTraining.at ?? [])].sort((a, b) => a - b);
  const maxSeconds = options.maxSeconds;
  /** Fraction of training done: by steps, or by time when there is a budget. */
  const fraction = (step: number) =>
    Math.min(1, Math.max(step / totalSteps, maxSeconds ? elapsed() / maxSeconds : 0));
  /** Total steps as now expected (time budget: extrapolated from the pace so far). */
  const expectedSteps = (step: number) => {
    const f = fraction(step);
    return f > 0 && step > 0 ? Math.max(step, Math.min(totalSteps, Math.round(step / f))) : totalSteps;
  };
  const epochOf = (step: number) => Math.floor((Math.max(0, step - 1) * batchSize) / pool.length);
  let best: TrainResult["best"];
  let lastValidated = -1;
  const validate = () => {
    if (!options.validation || lastValidated === stepsDone) return;
    lastValidated = stepsDone;
    const run = options.validation.run;
    // The weights as they are, and each average kept beside them (the weight average, the
    // semi-supervised term's mean teacher): the best of them is this check's result (and may
    // become the best checkpoint, i.e. the model the project keeps).
    const candidates = [
      { swapIn: <T>(fn: () => T) => fn() },
      ...[average, teacherViews?.average]
        .filter((a) => a !== undefined)
        .map((a) => ({ swapIn: a.withAverage.bind(a) })),
    ];
    let v = run(net);
    let chosen = candidates[0];
    for (const c of candidates.slice(1)) {
      const r = c.swapIn(() => run(net));
      if (r.score > v.score) [v, chosen] = [r, c];
    }
    const isBest = !best || v.score > best.score;
    if (isBest)
      best = {
        step: stepsDone,
        score: v.score,
        metrics: v.metrics,
        weights: chosen.swapIn(() => serializeWeights(net)),
      };
    options.onValidation?.({
      step: stepsDone,
      epoch: epochOf(stepsDone),
      score: v.score,
      metrics: v.metrics,
      best: isBest,
    });
  };
  let stepsDone = 0;
  let lastLosses: Record<string, number> = {};
  let sinceReport = { images: 0, ms: 0 };
  try {
    if (options.validation?.atStart) validate();
    while (stepsDone < totalSteps && !options.signal?.aborted && !(maxSeconds && elapsed() >= maxSeconds)) {
      const stepStart = performance.now();
      let mark = stepStart;
      /** the time since the last lap goes to `phase` of options.timing */
      const lap = (phase: keyof ReplicaTiming) => {
        const t = performance.now();
        if (options.timing) options.timing[phase] += t - mark;
        mark = t;
      };
      const step = stepsDone;
      const stepsExpected = expectedSteps(step);
      const lr = decay > 0 ? baseLr * Math.pow(1 - fraction(step), decay) : baseLr;
      setLr(lr);
      let drawn = prefetched ?? { crops: drawCrops() };
      prefetched = undefined;
      const semiOn = teacherViews !== undefined && semiStart !== undefined;
      // After a late start the term ramps from there (its weight function ramps from step 0);
      // before it, 0: the terms that wait for the teacher (PiXL with it) are off too.
      const consistency =
        teacherViews && plateau
          ? semiOn
            ? Math.min(1, (step - semiStart!) / Math.max(1, semi!.rampFraction * stepsExpected))
            : 0
          : undefined;
      // With replicas each renders its own slice and, in split mode, makes its own views (teacher
      // pass, then strong view); otherwise this thread makes the whole batch's, then cuts it.
      const perSlice = helpers !== undefined && !(semiOn && !teacherViews.perSlice);
      const sizes = helpers ? sliceSizes(batchSize, helpers.count + 1) : [batchSize];
      /** this thread's slice of a step's crops, rendered */
      const renderFirst = (crops: CropSource[]): StepBatch =>
        renderCrops(crops.slice(0, sizes[0]), inputSize);
      /** the helpers' slices of a step's crops */
      const restOf = (crops: CropSource[]) => {
        const pixels: SlicePixels[] = [];
        for (let i = 1, at = sizes[0]; i < sizes.length; at += sizes[i++])
          pixels.push({ crops: crops.slice(at, at + sizes[i]), size: inputSize });
        return pixels;
      };
      if (!perSlice && (drawn.first || drawn.prepared !== undefined)) {
        // Drawn for the other mode (the helpers' crops already sent to them): draw again. The
        // mode changes only where the prefetched crops are discarded, so this is a safeguard.
        if (drawn.first) tf.dispose(drawn.first);
        drawn = { crops: drawCrops() };
      }
      let first: StepBatch | undefined = perSlice ? drawn.first : undefined;
      let batch: StepBatch | undefined;
      /** the replicas' teacher passes this step (split mode with replicas) */
      let teacherStats: (TeacherStats | undefined)[] = [];
      try {
        if (!perSlice) {
          batch = { ...renderCrops(drawn.crops, inputSize), consistency };
          if (semiOn) batch = teacherViews.views(batch);
        }
        let grads: tf.Tensor[];
        if (!helpers) {
          const r = stepGradients(net, variables, lossTerms, batch!, step, stepsExpected);
          grads = r.grads;
          lastLosses = r.losses;
        } else {
          // Data-parallel: the helpers compute their slices from the weights as they are now,
          // while this thread computes the first slice.
          let rest: BatchSlice[];
          if (perSlice) {
            first = { ...(first ?? renderFirst(drawn.crops)), consistency };
            // The helpers rendered theirs ahead when the crops were drawn during the last step.
            const prepared = drawn.prepared;
            rest = (
              prepared === undefined ? restOf(drawn.crops) : sizes.slice(1).map(() => ({ prepared }))
            ).map((pixels) => ({ pixels, consistency }));
            if (semiOn) teacherViews.prepareSlices(rest);
          } else {
            const cut = cutBatch(batch!, sizes);
            first = cut.first;
            rest = cut.rest;
          }
          const pending = helpers.compute(
            readVariablesShared(variables),
            readVariablesShared(stats),
            rest,
            step,
            stepsExpected,
          );
          pending.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
          if (perSlice && semiOn) first = teacherViews.views(first);
          lap("send");
          const local = stepGradients(net, variables, lossTerms, first, step, stepsExpected);
          lap("ownSlice");
          let remote: SliceGradients[];
          try {
            // While the helpers finish their slices, this thread draws the next step's crops and
            // renders its own slice of them, and the helpers will render theirs as soon as they
            // are done with this step (data loading off the critical path; the same draws in the
            // same order).
            const crops = drawCrops();
            prefetched = { crops };
            if (perSlice) {
              prefetched.prepared = ++preparedCount;
              helpers.renderAhead(prefetched.prepared, restOf(crops));
              prefetched.first = renderFirst(crops);
            }
            lap("nextCrops");
            remote = await pending;
            lap("wait");
          } catch (err) {
            tf.dispose(local.grads);
            throw err;
          }
          teacherStats = remote.map((r) => r.teacherStats);
          averageStats(stats, remote, sizes);
          const avg = averageGradients(local, remote, sizes);
          grads = avg.grads;
          lastLosses = avg.losses;
          lap("average");
          if (options.timing)
            options.timing.helperSlice += remote.reduce((sum, r) => sum + (r.ms ?? 0), 0) / remote.length;
        }
        const named: tf.NamedTensorMap = {};
        variables.forEach((v, i) => (named[v.name] = grads[i]));
        try {
          optimizer.applyGradients(named as Parameters<typeof optimizer.applyGradients>[0]);
        } finally {
          tf.dispose(grads);
        }
        if (helpers) lap("optimizer");
        average?.update(step);
        teacherViews?.endStep(step, teacherStats);
        if (
          plateau &&
          semiStart === undefined &&
          plateau.update(step, stepsExpected, lastLosses.ce ?? Number.NaN)
        ) {
          semiStart = step + 1;
          cursor = order.length; // the next batch draws from every image
          discardPrefetched();
        }
      } finally {
        if (batch) tf.dispose(batch);
        if (first) tf.dispose(first);
      }
      if (helpers && options.timing) {
        options.timing.total += performance.now() - stepStart;
        options.timing.steps++;
      }
      stepsDone++;
      sinceReport.images += batchSize;
      sinceReport.ms += performance.now() - stepStart;

      const expectedNow = expectedSteps(stepsDone);
      if (stepsDone % progressEvery === 0 || stepsDone === expectedNow) {
        const imagesPerSec = sinceReport.images / (sinceReport.ms / 1000);
        const secPerStep = sinceReport.ms / 1000 / (sinceReport.images / batchSize);
        options.onProgress?.({
          step: stepsDone,
          epoch: epochOf(stepsDone),
          totalSteps: expectedNow,
          losses: lastLosses,
          learningRate: lr,
          imagesPerSec,
          etaSec: maxSeconds
            ? Math.max(0, Math.min(maxSeconds - elapsed(), (totalSteps - stepsDone) * secPerStep))
            : (totalSteps - stepsDone) * secPerStep,
        });
        sinceReport = { images: 0, ms: 0 };
      }
      if (
        options.onCheckpoint &&
        checkpointEvery > 0 &&
        stepsDone % checkpointEvery === 0 &&
        stepsDone < totalSteps
      ) {
        await options.onCheckpoint({ step: stepsDone, weights: serializeWeights(net) });
      }
      if (options.validation && stepsDone % Math.max(1, options.validation.every) === 0) validate();
      if (selfTrained && roundsAt.length > 0 && fraction(stepsDone) >= roundsAt[0]) {
        while (roundsAt.length > 0 && fraction(stepsDone) >= roundsAt[0]) roundsAt.shift();
        // The mean teacher labels when there is one (its averaged weights and BN statistics).
        const run = () => selfTrainingRound(net, selfTrained, labeled, method!.selfTraining);
        const round = teacherViews ? teacherViews.withTeacher(run) : run();
        options.onSelfTraining?.({ step: stepsDone, ...round });
        discardPrefetched(); // drawn before the round's labels
      }
      await nextTurn();
    }
    if (stepsDone > 0) validate();
    // Without a held-out check to choose, the average is the model (bench:accuracy decides its default).
    if (average && !options.validation && stepsDone > 0) average.swap();
    if (options.onCheckpoint && stepsDone > 0)
      await options.onCheckpoint({ step: stepsDone, weights: serializeWeights(net) });
  } finally {
    discardPrefetched();
    optimizer.dispose();
    average?.dispose();
    teacherViews?.dispose();
  }
  return {
    stepsDone,
    cancelled: options.signal?.aborted === true || (stepsDone < totalSteps && !maxSeconds),
    seconds: (performance.now() - started) / 1000,
    lastLosses,
    best,
  };
}
