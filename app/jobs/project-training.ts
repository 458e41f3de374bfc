/**
 * Train a model on a project: reads images and label masks from the project file, trains in a
 * worker thread (worker.ts) with the method of method.ts, checks held-out (val-split, labeled)
 * images, and stores the model (best held-out checkpoint, else the last weights) with the label
 * snapshot it was trained on, plus a training_runs row. The CLI (`pixelloop train`) and the
 * app's training panel (app/api/training.ts: start / progress / cancel) call it.
 */
import type { SkippedImage } from "../images/decode.ts";
import { PRESCALE_AT_OR_BELOW } from "../ml/training/working-resolution.ts";
import { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { nowIso } from "../store/db.ts";
import type { BackendInfo, BackendPreference } from "../ml/engine/backend.ts";
import { DEFAULT_NETWORK_CONFIG, type NetworkConfig } from "../ml/model/network.ts";
import {
  classWeightsFromCounts,
  resolveMethod,
  type MethodOptions,
  type PartialMethod,
} from "../ml/method/method.ts";
import type { SelfTrainingRound, TrainProgress, ValidationEvent } from "../ml/training/train.ts";
import { startTrainingWorker, type TrainingWorkerHandle } from "./worker.ts";
import { readWeightsConfig } from "../ml/model/weights.ts";
import { autoReplicas } from "../ml/training/data-parallel.ts";
import { fineTuneRefusal, type FineTuneBase } from "../common/fine-tune.ts";
import { recordRound } from "../loop/rounds.ts";
import { recoverInterruptedRuns, type RecoveredRun } from "./recovery.ts";
import { allImages, autoWorkingScale, loadProjectData, trainSides } from "./training-data.ts";
import type { WorkingScaleChoice } from "../ml/training/working-scale.ts";

/** Default side of the training crops at the working resolution (measured: docs/learning.md). */
export const DEFAULT_CROP = 128;

/**
 * Peak learning rate when fine-tuning (from scratch: train()'s 1e-3): the rate every round of the
 * loop benchmark fine-tuned at (docs/loop.md); 1e-3 was never measured for continuing a model.
 */
export const FINE_TUNE_LEARNING_RATE = 3e-4;

export interface ProjectTrainOptions {
  /** Wall-clock budget in minutes (default 10 when neither minutes nor epochs is given). */
  minutes?: number;
  /** Passes over the training pool (labeled + unlabeled train-split images); overrides minutes. */
  epochs?: number;
  /** Exact number of optimizer steps (reproducible runs, benchmarks); overrides epochs and minutes. */
  steps?: number;
  backend?: BackendPreference;
  /** Side of the square training crops (multiple of 16) at the working resolution; default DEFAULT_CROP, at most the images' working size. */
  size?: number;
  /**
   * Working resolution (network config `inputScale`): images are resized by this factor for
   * training and prediction. "auto" (default): from the image sizes and the widths of the
   * labeled structures (working-scale.ts). Fine-tuning keeps the parent model's.
   */
  scale?: number | "auto";
  batchSize?: number;
  /** Peak learning rate (default 1e-3 from scratch, FINE_TUNE_LEARNING_RATE when fine-tuning). */
  learningRate?: number;
  method?: PartialMethod;
  network?: Partial<Omit<NetworkConfig, "numClasses">>;
  seed?: number;
  /** Model name (default "model N"). */
  name?: string;
  /** Start from a stored model's weights (fine-tune) instead of from scratch: its id, or "latest". */
  fineTuneFrom?: number | "latest";
  /** Steps between checkpoints written to the run row (default 20); a killed run keeps the last. */
  checkpointEvery?: number;
  /**
   * Data-parallel replicas on the wasm backend (data-parallel.ts): "auto" (default) one per core,
   * at most MAX_AUTO_REPLICAS (data-parallel.ts); 1 trains in one thread. The same seed trains the same model only
   * with the same number of replicas.
   */
  replicas?: number | "auto";
  /**
   * Labeled train images held out of training and checked like val images (background
   * training without val labels compares the network and the preview classifier on them).
   */
  holdOut?: readonly number[];
  /** Train at a lower CPU priority (nice 10): background training yields to the UI and saves. */
  lowPriority?: boolean;
}

export interface TrainingDataSummary {
  trainImages: number;
  labeledImages: number;
  unlabeledImages: number;
  valImages: number;
  labeledPixels: number;
  inputSize: number;
  /** Working resolution: images are resized by this factor for the network. */
  inputScale: number;
  /** How the working resolution was chosen, with a line that says why. */
  scaleChoice: WorkingScaleChoice;
  batchSize: number;
  /** Planned steps (epochs) or undefined (time budget). */
  steps: number | undefined;
  maxSeconds: number | undefined;
  validateEvery: number | undefined;
  classWeights: number[] | undefined;
  /** Classes without a labeled train pixel: the model cannot learn them (names, project order). */
  unlabeledClasses: string[];
  /** Images left out because their file cannot be read or changed size since import. */
  skipped: SkippedImage[];
}

export interface ProjectTrainHandlers {
  /** Data read from the project, before the worker starts. */
  onData?: (summary: TrainingDataSummary) => void;
  /** The tensor backend the worker got (and why others were not used). */
  onBackend?: (info: BackendInfo) => void;
  /** Every step: losses per term ("ce", "fixmatch", "pixl", "crf", "total"), rate, ETA. */
  onProgress?: (progress: TrainProgress) => void;
  /** Before the first step, work that takes a while: what it is (e.g. labels from the pixel classifier). */
  onPreparing?: (what: string) => void;
  /** Every held-out check: mIoU (score) and metrics. */
  onValidation?: (validation: ValidationEvent) => void;
  /** Every self-training round (method.selfTraining): the pixels it labeled. */
  onSelfTraining?: (round: SelfTrainingRound) => void;
}

export interface ProjectTrainOutcome {
  /** The stored model; null when cancelled before the first step finished. */
  modelId: number | null;
  runId: number;
  status: "done" | "cancelled";
  stepsDone: number;
  seconds: number;
  backend: BackendInfo | undefined;
  /** Held-out metrics of the stored weights (best check), when the project has labeled val images. */
  validation: { step: number; score: number; metrics: Record<string, unknown> } | undefined;
  lastLosses: Record<string, number>;
  /**
   * Fine-tuning whose checks never beat the model it continued from: the stored model keeps that
   * model's weights (the parent's id and val mIoU). The round and the label snapshot are new.
   */
  keptParent?: { modelId: number; score: number };
  /** runs killed earlier whose last checkpoint was stored as a model before this one started */
  recovered?: RecoveredRun[];
  /** Images left out (unreadable file, size changed since import); the model learned from the rest. */
  skipped: SkippedImage[];
}

/** What a user reads when fine-tuning kept the parent's weights (CLI and app say the same). */
export function keptParentMessage(modelId: number, kept: { modelId: number; score: number }): string {
  return `No check of this run beat model ${kept.modelId}, the model it continued from (val mIoU ${kept.score.toFixed(3)}): model ${modelId} keeps its weights. Train longer or add labels where it is wrong.`;
}

export interface ProjectTrainHandle {
  readonly outcome: Promise<ProjectTrainOutcome>;
  /** Stops after the current step; the best checkpoint so far (or the last weights) becomes the model. */
  cancel(): void;
}

/** Says which classes have no labels to learn from (CLI and the app's training panel). */
export function unlabeledClassesWarning(names: string[]): string {
  const list = names.map((n) => `"${n}"`).join(", ");
  return `warning: no labels yet for ${list}: the model cannot learn ${names.length === 1 ? "it" : "them"} (scribble some first)`;
}

/**
 * Starts training on a project file. Progress arrives through `handlers`; `outcome` settles when
 * the model is stored (or rejects with the reason; the run is then marked failed).
 */
/**
 * What "continue from the last model" would start from: the newest model (null: none yet, so
 * training starts from scratch) and how many classes it predicts. `classesOf` reads a model's
 * class count (callers may cache it: a model's weights never change).
 */
export function fineTuneBase(
  store: ProjectStore,
  classesOf: (modelId: number) => number = (id) => modelClassCount(store, id),
): FineTuneBase {
  const id = store.latestModelId();
  return id === undefined
    ? { modelId: null, modelClasses: null }
    : { modelId: id, modelClasses: classesOf(id) };
}

/** How many classes a stored model predicts (from its weights' header). */
export function modelClassCount(store: ProjectStore, modelId: number): number {
  const weights = store.models.weights(modelId);
  if (!weights) throw new UserError(`${store.file}: no model with id ${modelId}`);
  return readWeightsConfig(new Uint8Array(weights)).numClasses;
}

export function trainProject(
  projectFile: string,
  options: ProjectTrainOptions = {},
  handlers: ProjectTrainHandlers = {},
): ProjectTrainHandle {
  let cancelled = false;
  let worker: TrainingWorkerHandle | undefined;
  const outcome = run();
  return {
    outcome,
    cancel: () => {
      cancelled = true;
      worker?.cancel();
    },
  };

  async function run(): Promise<ProjectTrainOutcome> {
    const store = ProjectStore.open(projectFile);
    let runId: number | undefined;
    const log: unknown[] = [];
    const recovered: RecoveredRun[] = [];
    try {
      const classes = store.classes();
      if (classes.length < 2)
        throw new UserError(
          `${store.file}: training needs at least 2 classes, the project has ${classes.length}`,
        );
      const numClasses = Math.max(...classes.map((c) => c.idx)) + 1;
      // A run killed earlier keeps its last checkpoint as a model.
      recovered.push(...recoverInterruptedRuns(store));
      const rows = allImages(store);
      const sides = trainSides(rows);
      const method: MethodOptions = resolveMethod(options.method);
      const batchSize = options.batchSize ?? 8;
      let network: NetworkConfig = { ...DEFAULT_NETWORK_CONFIG, ...options.network, numClasses };
      let initialWeights: Uint8Array | undefined;
      let parentId: number | null = null;
      if (options.fineTuneFrom !== undefined) {
        const id = options.fineTuneFrom === "latest" ? store.latestModelId() : options.fineTuneFrom;
        const row = store.models.get(id ?? null);
        if (row) {
          const cfg = readWeightsConfig(new Uint8Array(row.weights));
          const refused = fineTuneRefusal(row.id, cfg.numClasses, numClasses);
          if (refused) throw new UserError(`${store.file}: ${refused}`);
          network = cfg;
          initialWeights = new Uint8Array(row.weights);
          parentId = row.id;
        } else if (options.fineTuneFrom !== "latest") {
          throw new UserError(`${store.file}: no model with id ${options.fineTuneFrom} to fine-tune`);
        }
      }
      if (network.inputScale === undefined && initialWeights) network.inputScale = 1; // parent predates scales
      let scaleChoice: WorkingScaleChoice;
      if (network.inputScale !== undefined) {
        scaleChoice =
          parentId !== null
            ? {
                scale: network.inputScale,
                source: "parent",
                reason: `Working resolution ${network.inputScale}x, kept from model ${parentId} (fine-tuning)`,
              }
            : {
                scale: network.inputScale,
                source: "set",
                reason: `Working resolution ${network.inputScale}x (set in the network options)`,
              };
      } else {
        const scale = options.scale ?? "auto";
        if (scale !== "auto" && !(scale > 0 && scale <= 4))
          throw new UserError(`--scale must be a number in (0, 4] or auto, got ${scale}`);
        scaleChoice =
          scale === "auto"
            ? await autoWorkingScale(store, rows, numClasses, sides.medianShortSide)
            : { scale, source: "set", reason: `Working resolution ${scale}x (set by --scale)` };
        network.inputScale = scaleChoice.scale;
      }
      const workScale = scaleChoice.scale;
      // Images far above the working resolution are resized as they are read (working-resolution.ts).
      const data = await loadProjectData(store, rows, numClasses, () => cancelled, {
        withUnlabeled: method.semiSupervised.enabled,
        prescale: workScale <= PRESCALE_AT_OR_BELOW ? workScale : null,
        holdOut: new Set(options.holdOut ?? []),
      });
      if (cancelled) {
        const id = store.runs.insertCancelled({ options });
        return {
          modelId: null,
          runId: id,
          status: "cancelled",
          stepsDone: 0,
          seconds: 0,
          backend: undefined,
          validation: undefined,
          lastLosses: {},
          skipped: data.skipped,
        };
      }
      if (data.labeledImages === 0) {
        const left = data.skipped.length
          ? ` (${data.skipped.length} images left out; ${data.skipped[0].file}: ${data.skipped[0].reason})`
          : "";
        throw new UserError(
          `${store.file}: no train-split image has labels${left}; scribble some pixels (or import masks with --labels) first`,
        );
      }
      const classWeights =
        method.classWeighting === "none" ? undefined : classWeightsFromCounts(data.classCounts);
      const requested = options.size ?? DEFAULT_CROP;
      if (!Number.isInteger(requested) || requested < 16 || requested % 16 !== 0)
        throw new UserError(`--size must be a multiple of 16, got ${requested}`);
      // Crops never exceed the largest image's working short side (rounded up to 16); smaller
      // images are padded with unlabeled pixels (augment.ts).
      const inputSize = Math.max(
        16,
        Math.min(requested, Math.ceil((sides.largestShortSide * workScale) / 16) * 16),
      );
      const pool = method.semiSupervised.enabled ? data.samples.length : data.labeledImages;
      const stepsPerEpoch = Math.max(1, Math.ceil(pool / batchSize));
      const steps =
        options.steps != null
          ? Math.max(1, Math.round(options.steps))
          : options.epochs != null
            ? Math.max(1, Math.ceil(options.epochs * stepsPerEpoch))
            : undefined;
      const maxSeconds = steps == null ? (options.minutes ?? 10) * 60 : undefined;
      // Held-out check each epoch, spaced out so it costs at most ~15% of training time
      // (a full-size forward pass costs ~1/3 of a training step on as many pixels).
      let validateEvery: number | undefined;
      if (data.validation.length) {
        const valPixels = data.validation.reduce(
          (n, v) => n + (workScale / (v.scale ?? 1)) ** 2 * v.image.width * v.image.height,
          0,
        );
        const epochPixels = stepsPerEpoch * batchSize * inputSize * inputSize;
        validateEvery = stepsPerEpoch * Math.max(1, Math.ceil(valPixels / 3 / (0.15 * epochPixels)));
      }
      handlers.onData?.({
        trainImages: data.labeledImages + data.unlabeledImages,
        labeledImages: data.labeledImages,
        unlabeledImages: data.unlabeledImages,
        valImages: data.validation.length,
        labeledPixels: data.snapshot.labeledPixels,
        inputSize,
        inputScale: workScale,
        scaleChoice,
        batchSize,
        steps,
        maxSeconds,
        validateEvery,
        classWeights,
        unlabeledClasses: classes.filter((c) => !data.classCounts[c.idx]).map((c) => c.name),
        skipped: data.skipped,
      });
      const config = {
        options,
        method,
        network,
        inputSize,
        batchSize,
        steps,
        maxSeconds,
        validateEvery,
        classWeights,
        skipped: data.skipped,
        pid: process.pid,
      };
      runId = store.runs.start(config);
      const id = runId;
      const saveLog = () => store.runs.saveLog(id, log);
      let lastLogged = -1;
      worker = startTrainingWorker(
        {
          backend: options.backend ?? "auto",
          network,
          initialWeights,
          samples: data.samples,
          options: {
            steps: steps ?? 1e9,
            maxSeconds,
            batchSize,
            inputSize,
            learningRate: options.learningRate ?? (initialWeights ? FINE_TUNE_LEARNING_RATE : undefined),
            method: options.method ?? {},
            classWeights,
            seed: options.seed,
            checkpointEvery: options.checkpointEvery ?? 20,
          },
          validation: data.validation.length
            ? // Fine-tuning: the parent is checked first, so a run that only makes it worse keeps it.
              {
                samples: data.validation,
                every: validateEvery ?? stepsPerEpoch,
                atStart: initialWeights !== undefined,
              }
            : undefined,
          replicas:
            options.replicas === undefined || options.replicas === "auto" ? autoReplicas() : options.replicas,
          lowPriority: options.lowPriority,
        },
        {
          onBackend: (info) => {
            log.push({ at: nowIso(), backend: info.name, tried: info.tried });
            saveLog();
            handlers.onBackend?.(info);
          },
          onProgress: (p) => {
            if (p.epoch !== lastLogged) {
              lastLogged = p.epoch;
              log.push({
                at: nowIso(),
                step: p.step,
                epoch: p.epoch,
                losses: p.losses,
                imagesPerSec: p.imagesPerSec,
              });
              saveLog();
            }
            handlers.onProgress?.(p);
          },
          onPreparing: (what) => handlers.onPreparing?.(what),
          onCheckpoint: (c) => {
            store.runs.saveCheckpoint(id, Buffer.from(c.weights));
          },
          onValidation: (v) => {
            log.push({ at: nowIso(), step: v.step, epoch: v.epoch, validation: v.metrics, best: v.best });
            saveLog();
            handlers.onValidation?.(v);
          },
          onSelfTraining: (round) => {
            log.push({
              at: nowIso(),
              step: round.step,
              selfTraining: { images: round.images, added: round.added },
            });
            saveLog();
            handlers.onSelfTraining?.(round);
          },
        },
      );
      if (cancelled) worker.cancel();
      const done = await worker.outcome;
      const status = done.result.cancelled || cancelled ? "cancelled" : "done";
      const best = done.result.best;
      const weights = best ? best.weights : done.weights;
      let modelId: number | null = null;
      if (done.result.stepsDone > 0) {
        const count = store.models.count();
        const metrics = {
          validation: best ? { step: best.step, ...best.metrics } : null,
          stepsDone: done.result.stepsDone,
          seconds: done.result.seconds,
          lastLosses: done.result.lastLosses,
          status,
        };
        modelId = store.transaction(() => {
          const made = store.models.insert({
            name: options.name ?? `model ${count + 1}`,
            architecture: { type: "pixelloop-unet", ...network, inputSize },
            backend: done.backend?.name ?? "unknown",
            weights: Buffer.from(weights),
            labelSnapshot: data.snapshot,
            metrics,
            parentId,
          });
          // A model closes a round of the loop (labels by provenance, labeling time, val mIoU).
          recordRound(store, made, { fineTuned: parentId !== null });
          store.runs.finish(id, made, status, Buffer.from(weights), log);
          return made;
        });
      } else {
        store.runs.end(id, "cancelled", log);
      }
      return {
        modelId,
        runId: id,
        status,
        stepsDone: done.result.stepsDone,
        seconds: done.result.seconds,
        backend: done.backend,
        validation: best ? { step: best.step, score: best.score, metrics: best.metrics } : undefined,
        lastLosses: done.result.lastLosses,
        ...(best && best.step === 0 && parentId !== null && modelId !== null
          ? { keptParent: { modelId: parentId, score: best.score } }
          : {}),
        recovered,
        skipped: data.skipped,
      };
    } catch (e) {
      if (runId != null) {
        log.push({ at: nowIso(), error: (e as Error).message });
        store.runs.end(runId, "failed", log);
      }
      throw e;
    } finally {
      store.close();
    }
  }
}
