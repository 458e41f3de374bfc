/**
 * Training as the UI drives it: one run at a time per server, on the open project, through
 * app/ops/train.ts (training in a worker thread, then prediction of every image with the new
 * model and the next queue, in workers too: the flow `pixelloop train` runs). Images imported after that model are
 * predicted with it the same way (predictNew, after an import). Progress is pushed as
 * "training.status" events.
 */
import type { ProjectStore } from "../store/project-store.ts";
import {
  keptParentMessage,
  fineTuneBase,
  modelClassCount,
  unlabeledClassesWarning,
  type ProjectTrainOptions,
  type ProjectTrainOutcome,
} from "../jobs/project-training.ts";
import { trainRound, type TrainRoundHandle } from "../ops/train.ts";
import { predictProjectImages } from "../ops/predict.ts";
import { classIouFromMetrics, listRounds } from "../loop/rounds.ts";
import { shownModelId } from "../loop/prediction-data.ts";
import type { BackendInfo } from "../ml/engine/backend.ts";
import type {
  ApiEvent,
  BackgroundStatus,
  TrainingRound,
  TrainingSettings,
  TrainingStatus,
} from "../common/api-types.ts";
import { DEFAULT_TERMS, type MethodTerm } from "../common/method-terms.ts";

/** A self-training round as the panel says it. */
function selfTrainingSentence(r: { step: number; images: number; added: number }): string {
  return `Self-training after step ${r.step} labeled ${r.added.toLocaleString("en")} pixels the model is sure of in ${r.images} images.`;
}

export interface TrainingRequest {
  epochs?: number;
  minutes?: number;
  size?: number;
  batchSize?: number;
  widths?: number[];
  backend?: ProjectTrainOptions["backend"];
  terms?: Partial<Record<MethodTerm, boolean>>;
  predict: boolean;
  fineTune?: boolean;
  /** data-parallel replicas (default: one per core) */
  replicas?: number;
  /** a background round (background.ts): low CPU priority, no prediction after a stop */
  background?: boolean;
  /** labeled train images checked, not trained on (ProjectTrainOptions.holdOut) */
  holdOut?: number[];
}

/** How a run ended, for the background trainer (background.ts). */
export interface RunEnd {
  background: boolean;
  state: TrainingStatus["state"];
  /** the model the run stored (null: none) */
  modelId: number | null;
  /** every image was predicted with it */
  predicted: boolean;
  /** fine-tuning never beat the model it continued from (the stored model keeps its weights) */
  keptParent: boolean;
}

export interface TrainingController {
  start(req: TrainingRequest): TrainingStatus;
  stop(): TrainingStatus;
  status(): TrainingStatus;
  /**
   * Predicts the images that have no prediction from the model the app shows (imported after
   * it), in the background as after training; nothing when there is no model, nothing is
   * missing, or the model cannot predict the project's classes. During a run, once it has ended.
   */
  predictNew(): TrainingStatus;
  /** A run (training, predicting, picking the next queue) is in progress. */
  busy(): boolean;
  /** Cancels a run in progress and waits until it has ended. */
  shutdown(): Promise<void>;
  /**
   * Another project was opened (or none is): the last run's state and message belonged to the
   * one before, so the status starts over, and every front door is told.
   */
  projectSwitched(): void;
  /**
   * The open project's newest model is \`modelId\`, found committed by another process (the CLI):
   * unless this controller made it, the last run's message, which would contradict it, gives way
   * to one that says so (when no run is in progress). Emits nothing; the caller tells the status.
   */
  modelStoredElsewhere(modelId: number): void;
}

export interface TrainingContext {
  project: () => ProjectStore;
  emit: (e: ApiEvent) => void;
  /** A run has ended (training, or predicting new images), its last status told. */
  onRunEnded?: (end: RunEnd) => void;
  /** background training's status, told in every training status */
  background?: () => BackgroundStatus;
}

const BACKGROUND_OFF: BackgroundStatus = {
  enabled: false,
  state: "off",
  message: null,
  rounds: 0,
  roundMinutes: 0,
};

/** Fewer steps than this make a model that has learned little: the message says so. */
const FEW_STEPS = 100;

/** Loss points kept for the chart; older ones are thinned out (every other one dropped). */
const MAX_POINTS = 600;
const EMIT_INTERVAL_MS = 250;

type Live = Omit<
  TrainingStatus,
  "available" | "reason" | "rounds" | "fineTune" | "unpredicted" | "time" | "background"
> & {
  /** a time-budgeted run: its budget, and when it started training (Date.now()) */
  clock: { budgetSec: number; since: number | null } | null;
};

function idle(): Live {
  return {
    state: "idle",
    job: null,
    backend: null,
    step: 0,
    totalSteps: 0,
    etaSec: null,
    imagesPerSec: null,
    losses: [],
    valMiou: [],
    message: null,
    settings: null,
    clock: null,
    backgroundRun: false,
  };
}

/** A request's settings as the run uses them: unnamed terms at their defaults. */
function settingsOf(req: TrainingRequest): TrainingSettings {
  return {
    minutes: req.epochs === undefined ? (req.minutes ?? 10) : null,
    epochs: req.epochs ?? null,
    size: req.size ?? null,
    widths: req.widths ?? null,
    terms: { ...DEFAULT_TERMS, ...req.terms },
    fineTune: req.fineTune ?? false,
  };
}

function backendName(info: BackendInfo): string {
  const parts: string[] = [];
  if (info.threads > 1) parts.push(`${info.threads} threads`);
  if ((info.replicas ?? 1) > 1) parts.push(`${info.replicas} data-parallel replicas, one core each`);
  if (info.replicasNote) parts.push(info.replicasNote);
  return parts.length > 0 ? `${info.name} (${parts.join(", ")})` : info.name;
}

export function readRounds(store: ProjectStore): TrainingRound[] {
  const rows = store.runs.recentWithMetrics(50);
  const loop = new Map(listRounds(store).map((r) => [r.modelId, r]));
  return rows.map((r) => {
    const round = r.model_id === null ? undefined : loop.get(r.model_id);
    let metrics: { validation?: { miou?: number } | null; stepsDone?: number } = {};
    try {
      metrics = r.metrics ? JSON.parse(r.metrics) : {};
    } catch {
      // unreadable metrics: shown as unknown
    }
    return {
      id: r.id,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      status: r.status,
      modelId: r.model_id,
      valMiou: typeof metrics.validation?.miou === "number" ? metrics.validation.miou : null,
      classIou: classIouFromMetrics(metrics),
      steps: typeof metrics.stepsDone === "number" ? metrics.stepsDone : null,
      labels: round
        ? {
            drawn: round.humanPixels,
            accepted: round.acceptedPixels,
            labelingSeconds: round.labelingSeconds,
            scope: round.labelsScope,
            byPerson: round.labelsByPerson,
          }
        : null,
      fineTuned: round ? round.fineTuned : null,
    };
  });
}

/**
 * The model whose predictions the app shows (the latest that predicted; else the latest model)
 * and the images without its prediction: imported after it, or not reached or unreadable when
 * it predicted. `refused` says why it cannot predict them (a class added after it).
 */
export function unpredictedImages(
  store: ProjectStore,
  classesOf: (modelId: number) => number = (id) => modelClassCount(store, id),
): { modelId: number | null; ids: number[]; refused: string | null } {
  const modelId = shownModelId(store);
  if (modelId === null) return { modelId: null, ids: [], refused: null };
  const ids = store.images.idsWithoutPrediction(modelId);
  const modelClasses = classesOf(modelId);
  const projectClasses = store.classes().length;
  const refused =
    modelClasses === projectClasses
      ? null
      : `model ${modelId} predicts ${modelClasses} classes, the project has ${projectClasses}; train again (T)`;
  return { modelId, ids, refused };
}

function methodFor(terms: TrainingRequest["terms"]): ProjectTrainOptions["method"] {
  if (!terms) return undefined;
  const method: NonNullable<ProjectTrainOptions["method"]> = {};
  // A term the request names is on or off as asked; the others keep the method's default.
  for (const term of Object.keys(DEFAULT_TERMS) as MethodTerm[]) {
    const enabled = terms[term];
    if (enabled !== undefined) method[term] = { enabled };
  }
  return method;
}

export function createTrainingController(ctx: TrainingContext): TrainingController {
  let live: Live = idle();
  let round: TrainRoundHandle | null = null;
  let predictAbort: AbortController | null = null;
  let running: Promise<void> | null = null;
  /** predictNew was asked during a run: images imported meanwhile are predicted when it ends */
  let newAfterRun = false;
  let lastEmit = 0;
  /** models this controller's runs stored, as "file#id" */
  const ownModels = new Set<string>();
  let pendingEmit: ReturnType<typeof setTimeout> | undefined;

  /** class counts of stored models, by project and model id (weights never change) */
  const modelClasses = new WeakMap<ProjectStore, Map<number, number>>();
  const classesOf = (store: ProjectStore) => {
    let known = modelClasses.get(store);
    if (!known) modelClasses.set(store, (known = new Map()));
    const cache = known;
    return (id: number) => {
      let n = cache.get(id);
      if (n === undefined) cache.set(id, (n = modelClassCount(store, id)));
      return n;
    };
  };
  const status = (): TrainingStatus => {
    let rounds: TrainingRound[] = [];
    let fineTune: TrainingStatus["fineTune"] = { modelId: null, modelClasses: null };
    let unpredicted: TrainingStatus["unpredicted"] = { modelId: null, images: 0, refused: null };
    try {
      const store = ctx.project();
      rounds = readRounds(store);
      fineTune = fineTuneBase(store, classesOf(store));
      const u = unpredictedImages(store, classesOf(store));
      unpredicted = { modelId: u.modelId, images: u.ids.length, refused: u.refused };
    } catch {
      // no project open: no rounds to show, nothing to fine-tune or predict
    }
    const { clock, ...shown } = live;
    // Seconds trained, as of this status: grows with every status sent, never goes back.
    const time = clock
      ? {
          budgetSec: clock.budgetSec,
          elapsedSec: clock.since === null ? 0 : Math.min(clock.budgetSec, (Date.now() - clock.since) / 1000),
        }
      : null;
    const background = ctx.background?.() ?? BACKGROUND_OFF;
    return { available: true, reason: null, ...shown, rounds, fineTune, unpredicted, time, background };
  };

  const emitNow = () => {
    clearTimeout(pendingEmit);
    pendingEmit = undefined;
    lastEmit = Date.now();
    ctx.emit({ type: "training.status", status: status() });
  };
  /**
   * Progress is pushed at most every EMIT_INTERVAL_MS; state changes at once, and so does the
   * first step of a phase (step 0 to 1: training's first step, prediction's first image), which a
   * later update would otherwise overwrite before the timer fires when the thread is busy.
   */
  const emitSoon = () => {
    if (pendingEmit) return;
    const wait = Math.max(0, EMIT_INTERVAL_MS - (Date.now() - lastEmit));
    pendingEmit = setTimeout(emitNow, wait);
  };
  const set = (patch: Partial<Live>, now = true) => {
    const firstStep = live.step === 0 && (patch.step ?? 0) > 0;
    live = { ...live, ...patch };
    if (now || firstStep) emitNow();
    else emitSoon();
  };

  const isBusy = () => running !== null;

  async function run(file: string, req: TrainingRequest): Promise<void> {
    const end: RunEnd = {
      background: req.background ?? false,
      state: "failed",
      modelId: null,
      predicted: false,
      keptParent: false,
    };
    try {
      /** what training did, said first in every later message of the run */
      let trained = "";
      /** the data message, put back at the first step after a "before the first step" message */
      let dataMessage: string | null | undefined;
      round = trainRound(
        {
          file,
          train: {
            epochs: req.epochs,
            minutes: req.minutes,
            size: req.size,
            batchSize: req.batchSize,
            backend: req.backend,
            network: req.widths ? { widths: req.widths } : undefined,
            method: methodFor(req.terms),
            fineTuneFrom: req.fineTune ? "latest" : undefined,
            replicas: req.replicas,
            holdOut: req.holdOut,
            lowPriority: req.background,
          },
          predict: req.predict,
          // Stopped during training: the best checkpoint is the model, and the images are predicted
          // with it (stopping is "good enough, finish now"); Stop again to skip the prediction.
          // A background round stopped (paused, or making way) stops there.
          predictAfterStop: !req.background,
          predictLowPriority: req.background,
        },
        {
          onData: (d) =>
            set({
              totalSteps: d.steps ?? 0,
              clock: d.maxSeconds !== undefined ? { budgetSec: d.maxSeconds, since: Date.now() } : null,
              message:
                `${d.labeledImages} labeled + ${d.unlabeledImages} unlabeled train images, ${d.valImages} val images, crops ${d.inputSize}px. ${d.scaleChoice.reason}` +
                (d.unlabeledClasses.length ? `. ${unlabeledClassesWarning(d.unlabeledClasses)}` : ""),
            }),
          onBackend: (info) => set({ backend: backendName(info) }),
          onPreparing: (what) => {
            dataMessage = live.message;
            set({ message: `${live.message ?? ""} Before the first step, ${what}…`.trim() });
          },
          onProgress: (p) => {
            const losses =
              live.losses.length >= MAX_POINTS
                ? live.losses.filter((_, i) => i % 2 === 0)
                : live.losses.slice();
            losses.push({ step: p.step, losses: p.losses });
            set(
              {
                state: live.state === "stopping" ? "stopping" : "training",
                step: p.step,
                totalSteps: p.totalSteps,
                etaSec: Number.isFinite(p.etaSec) ? p.etaSec : null,
                imagesPerSec: p.imagesPerSec,
                losses,
                ...(dataMessage !== undefined ? { message: dataMessage } : {}),
              },
              false,
            );
            dataMessage = undefined;
          },
          onValidation: (v) => set({ valMiou: [...live.valMiou, { step: v.step, miou: v.score }] }, false),
          onSelfTraining: (r) => {
            // Said after the data message, replacing the previous round's sentence.
            const base = (dataMessage ?? live.message ?? "").replace(/ Self-training after step .*$/, "");
            set({ message: `${base} ${selfTrainingSentence(r)}`.trim() });
          },
          onTrained: (outcome, predicting) => {
            live = { ...live, clock: null }; // training is over: its time is no longer told
            if (outcome.modelId === null) return;
            ownModels.add(`${file}#${outcome.modelId}`);
            trained = trainedMessage(outcome, outcome.modelId);
            // In workers, and the next round's queue (most useful images first, with their regions)
            // too: this thread only stores the results, so strokes keep saving meanwhile.
            if (predicting)
              set({
                state: "predicting",
                etaSec: null,
                step: 0,
                totalSteps: 0,
                message: `${trained} Predicting every image…`,
              });
          },
          onPredictProgress: (done, total) =>
            set(
              { step: done, totalSteps: total, message: `${trained} Predicting image ${done} of ${total}…` },
              false,
            ),
          onSuggesting: () => set({ message: `${trained} Picking the next images to label…` }, false),
        },
      );
      const { training: outcome, prediction: pred, unread: notRead } = await round.outcome;
      round = null;
      end.modelId = outcome.modelId;
      end.keptParent = outcome.keptParent !== undefined;
      end.predicted = pred !== null && !pred.cancelled;
      live = { ...live, clock: null }; // training is over: its time is no longer told
      if (outcome.modelId === null) {
        set({ state: "cancelled", etaSec: null, message: "Stopped before the first step: no model stored." });
        return;
      }
      if (!pred) {
        set({
          state: outcome.status === "cancelled" ? "cancelled" : "done",
          etaSec: null,
          message: `${trained} Model ${outcome.modelId} stored.`,
        });
        return;
      }
      const modelId = outcome.modelId;
      ctx.emit({ type: "predictions.changed", modelId });
      // Images training already left out are named once, above.
      const unread = leftOut(notRead, "not predicted");
      set({
        state: pred.cancelled ? "cancelled" : "done",
        message: `${trained} ${images(pred.predicted)} predicted with model ${modelId}${pred.cancelled ? " (prediction stopped)" : ""}.${unread}`,
      });
    } catch (e) {
      set({ state: "failed", etaSec: null, clock: null, message: (e as Error).message });
    } finally {
      round = null;
      predictAbort = null;
      running = null;
      emitNow();
      end.state = live.state;
      afterRun();
      ctx.onRunEnded?.(end);
    }
  }

  /** Images imported during a run that ended well are predicted now. */
  function afterRun(): void {
    if (!newAfterRun) return;
    newAfterRun = false;
    if (live.state !== "done") return;
    try {
      predictNew();
    } catch {
      // the project was closed meanwhile
    }
  }

  /** Prediction of the images without the shown model's prediction (imported after it). */
  async function runPredictNew(file: string, modelId: number, ids: number[]): Promise<void> {
    const n = ids.length;
    const what = `${images(n, "new ")} with model ${modelId}`;
    try {
      predictAbort = new AbortController();
      const pred = await predictProjectImages(file, {
        backend: "auto",
        worker: { modelId, imageIds: ids, signal: predictAbort.signal },
        onProgress: (done, total) =>
          set(
            {
              step: done,
              totalSteps: total,
              message: `Predicting ${what}: image ${done} of ${total}…`,
            },
            false,
          ),
      });
      predictAbort = null;
      if (pred.predicted > 0) ctx.emit({ type: "predictions.changed", modelId });
      set({
        state: pred.cancelled ? "cancelled" : "done",
        message: `${images(pred.predicted, "new ")} predicted with model ${modelId}${pred.cancelled ? " (prediction stopped)" : ""}.${leftOut(pred.skipped, "not predicted")}`,
      });
    } catch (e) {
      set({
        state: "failed",
        etaSec: null,
        clock: null,
        message: `Predicting ${what}: ${(e as Error).message}`,
      });
    } finally {
      predictAbort = null;
      running = null;
      emitNow();
      afterRun();
      ctx.onRunEnded?.({
        background: false,
        state: live.state,
        modelId: null,
        predicted: false,
        keptParent: false,
      });
    }
  }

  function predictNew(): TrainingStatus {
    if (isBusy()) {
      newAfterRun = true;
      return status();
    }
    const store = ctx.project();
    const todo = unpredictedImages(store, classesOf(store));
    if (todo.modelId === null || todo.ids.length === 0 || todo.refused) return status();
    const n = todo.ids.length;
    live = {
      ...idle(),
      backend: live.backend,
      state: "predicting",
      job: "predict-new",
      totalSteps: n,
      message: `Predicting ${images(n, "new ")} with model ${todo.modelId}…`,
    };
    emitNow();
    running = runPredictNew(store.file, todo.modelId, todo.ids);
    return status();
  }

  return {
    start(req) {
      if (isBusy()) return status();
      const store = ctx.project();
      live = {
        ...idle(),
        state: "starting",
        job: "train",
        message: "Reading images and labels…",
        settings: settingsOf(req),
        backgroundRun: req.background ?? false,
      };
      emitNow();
      running = run(store.file, req);
      return status();
    },
    predictNew,
    stop() {
      newAfterRun = false;
      if (!isBusy()) return status();
      set({ state: "stopping" });
      round?.stop();
      predictAbort?.abort();
      return status();
    },
    status,
    busy: isBusy,
    async shutdown() {
      newAfterRun = false;
      if (!running) return;
      round?.stop();
      predictAbort?.abort();
      await running;
    },
    projectSwitched() {
      if (!isBusy()) live = idle();
      emitNow();
    },
    modelStoredElsewhere(modelId) {
      if (isBusy() || ownModels.has(`${ctx.project().file}#${modelId}`)) return;
      live = {
        ...idle(),
        backend: live.backend,
        message: `Model ${modelId} was trained elsewhere (the CLI, or another window on this project); its round is below.`,
      };
    },
  };
}

/** What a run's training did, said first in its status messages. */
function trainedMessage(outcome: ProjectTrainOutcome, modelId: number): string {
  // A few epochs of a project with few labeled images are a few steps: say so, or the model's
  // guesses look like what training gives.
  const short =
    outcome.status === "done" && outcome.stepsDone < FEW_STEPS
      ? ` Only ${outcome.stepsDone} steps: too few to learn much; train for minutes (5 is the default) for a useful model.`
      : "";
  const kept = outcome.keptParent ? ` ${keptParentMessage(modelId, outcome.keptParent)}` : "";
  return `${outcome.status === "cancelled" ? "Stopped" : "Trained"} after ${outcome.stepsDone} steps (${outcome.seconds.toFixed(0)} s)${outcome.validation ? `, val mIoU ${outcome.validation.score.toFixed(3)}` : ""}.${kept}${short}${leftOut(outcome.skipped, "left out of training")}`;
}

/** "1 image", "3 new images" in status messages. */
function images(n: number, adjective = ""): string {
  return `${n} ${adjective}${n === 1 ? "image" : "images"}`;
}

/** " 2 images not predicted (FILE: reason, …)." for a status message; "" when none. */
function leftOut(skipped: { file: string; reason: string }[], what: string): string {
  if (skipped.length === 0) return "";
  const first = `${skipped[0].file}: ${skipped[0].reason}${skipped.length > 1 ? ", …" : ""}`;
  return ` ${images(skipped.length)} ${what} (${first}).`;
}
