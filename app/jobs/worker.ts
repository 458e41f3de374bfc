/**
 * Training and prediction off the main thread (node:worker_threads; an Electron utility process
 * in the desktop app). One worker runs one job.
 *
 * Protocol (structured-clone messages):
 *   host -> worker: { type: "start", job } (training) or { type: "predict", job } once, then
 *                   optionally { type: "cancel" }
 *   training:   "backend" (which tensor backend it got), "progress", "checkpoint" (weights
 *               bytes), then exactly one of "done" (final weights) or "error".
 *   prediction: "backend", then per image "prediction" or "skipped", then exactly one of
 *               "predicted" or "error". After "predicted" the host may send
 *               { type: "suggest", job }: the worker scores the stored predictions and answers
 *               "suggestions" (the queue, for the host to store) or "error".
 * Cancelling finishes the current step (image) and still ends with "done" ("predicted") with
 * cancelled: true.
 *   live preview: { type: "preview", job } at a time, answered by "preview.trained", then
 *               "preview.prediction" per image and "preview.done" (or "preview.waiting" /
 *               "preview.error"); "preview.interrupt" stops it after the image it is on.
 */
import { Worker } from "node:worker_threads";
import type { BackendInfo, BackendOptions, BackendPreference } from "../ml/engine/backend.ts";
import { workerEntry } from "../ml/engine/worker-entry.ts";
import type { NetworkConfig } from "../ml/model/network.ts";
import type {
  TrainCheckpoint,
  TrainingSample,
  TrainOptions,
  TrainProgress,
  TrainResult,
  ValidationEvent,
  SelfTrainingRound,
} from "../ml/training/train.ts";
import type { EvaluationSample } from "../ml/training/evaluate.ts";
import type { EncodedPrediction } from "./project-prediction.ts";
import type { SkippedImage } from "../images/decode.ts";
import type { SuggestionItem } from "../loop/suggest.ts";
import type { PreviewEvent, PreviewJob } from "./preview-run.ts";

/** Train options that can cross a thread boundary (no callbacks, signal or custom loss terms). */
export type WorkerTrainOptions = Omit<
  TrainOptions,
  "signal" | "onProgress" | "onCheckpoint" | "lossTerms" | "validation" | "onValidation" | "helpers"
>;

export interface TrainingJob {
  backend?: BackendPreference;
  backendOptions?: BackendOptions;
  network: NetworkConfig;
  /** Continue from these weights (serializeWeights format). */
  initialWeights?: Uint8Array;
  samples: TrainingSample[];
  options: WorkerTrainOptions;
  /** Held-out images: mIoU every `every` steps and at the end; the best weights are kept. */
  validation?: { samples: EvaluationSample[]; every: number; atStart?: boolean };
  /**
   * Data-parallel replicas on the wasm backend (data-parallel.ts): this many threads (the worker
   * and replicas - 1 helpers) share each batch; capped by the batch size. Default 1. Other
   * backends use their own threads and train with 1.
   */
  replicas?: number;
  /** Lower this worker's CPU priority (and its helper threads', which inherit it) first. */
  lowPriority?: boolean;
}

/** Predict stored images from their files with the given weights (prediction-worker.ts). */
export interface PredictionJob {
  backend?: BackendPreference;
  backendOptions?: BackendOptions;
  /** serializeWeights format */
  weights: Uint8Array;
  /** each image's file and the size it had at import */
  images: Array<{ id: number; file: string; width: number; height: number }>;
  /** lower this worker's CPU priority first (background work) */
  lowPriority?: boolean;
}

/** The next round's queue from a model's stored predictions (read-only; the host stores it). */
export interface SuggestionJob {
  projectFile: string;
  modelId: number;
  /** queue length */
  n: number;
}

export type WorkerRequest =
  | { type: "start"; job: TrainingJob }
  | { type: "predict"; job: PredictionJob }
  | { type: "suggest"; job: SuggestionJob }
  | { type: "cancel" }
  // the live preview (preview-run.ts, preview-job.ts): one long-lived worker, one job at a time
  | { type: "preview"; job: PreviewJob }
  | { type: "preview.interrupt" };

export type WorkerEvent =
  | { type: "backend"; info: BackendInfo }
  | { type: "progress"; progress: TrainProgress }
  | { type: "preparing"; what: string }
  | { type: "checkpoint"; checkpoint: TrainCheckpoint }
  | { type: "validation"; validation: ValidationEvent }
  | { type: "selfTraining"; round: SelfTrainingRound }
  | { type: "done"; result: TrainResult; weights: Uint8Array }
  | { type: "prediction"; id: number; prediction: EncodedPrediction }
  | { type: "skipped"; id: number; skipped: SkippedImage }
  | { type: "predicted"; cancelled: boolean }
  | { type: "suggestions"; items: SuggestionItem[] }
  | { type: "error"; message: string }
  | PreviewEvent;

export interface TrainingWorkerHandlers {
  onBackend?: (info: BackendInfo) => void;
  onProgress?: (progress: TrainProgress) => void;
  onPreparing?: (what: string) => void;
  onCheckpoint?: (checkpoint: TrainCheckpoint) => void;
  onValidation?: (validation: ValidationEvent) => void;
  onSelfTraining?: (round: SelfTrainingRound) => void;
}

export interface TrainingWorkerOutcome {
  result: TrainResult;
  weights: Uint8Array;
  backend: BackendInfo | undefined;
}

export interface TrainingWorkerHandle {
  /** Settles once the worker has exited: resolves on "done", rejects on "error" or a crash. */
  readonly outcome: Promise<TrainingWorkerOutcome>;
  /** Ask the worker to stop after the current step (it still reports "done"). */
  cancel(): void;
  /** Kill the worker at once (no final checkpoint). */
  terminate(): Promise<void>;
}

/**
 * Where training runs: by default a worker thread; the desktop shell swaps in an Electron
 * utility process (a crash or a long step there never touches the window's process).
 */
export interface TrainingHost {
  postMessage(message: WorkerRequest): void;
  onMessage(listener: (event: WorkerEvent) => void): void;
  onError(listener: (err: Error) => void): void;
  onExit(listener: (code: number) => void): void;
  terminate(): Promise<void>;
}

export type TrainingHostFactory = () => TrainingHost;

function workerThreadHost(): TrainingHost {
  const entry = workerEntry("worker-main", import.meta.url);
  const worker = new Worker(entry.url, { execArgv: entry.execArgv });
  return {
    postMessage: (m) => worker.postMessage(m),
    onMessage: (l) => worker.on("message", l),
    onError: (l) => worker.on("error", (e) => l(e instanceof Error ? e : new Error(String(e)))),
    onExit: (l) => worker.on("exit", l),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

let hostFactory: TrainingHostFactory = workerThreadHost;

/** Replaces where training and prediction run (the Electron shell uses a utility process). */
export function setTrainingHost(factory: TrainingHostFactory): void {
  hostFactory = factory;
}

/** A new worker (thread or utility process) for one job. */
export function createWorkerHost(): TrainingHost {
  return hostFactory();
}

/**
 * A worker's error as a person reads it. wasm stops with a bare "Aborted()" when its memory (at
 * most 4 GB per thread) runs out, which large training crops and batches do.
 */
export function workerFailure(message: string): string {
  if (!/^Aborted\(/.test(message)) return message;
  return (
    "the wasm backend ran out of memory (at most 4 GB per thread); train with smaller crops " +
    "(--size) or batches (--batch)"
  );
}

export function startTrainingWorker(
  job: TrainingJob,
  handlers: TrainingWorkerHandlers = {},
): TrainingWorkerHandle {
  const worker = hostFactory();
  let backend: BackendInfo | undefined;
  let finished: TrainingWorkerOutcome | undefined;
  let failure: Error | undefined;

  const outcome = new Promise<TrainingWorkerOutcome>((resolve, reject) => {
    worker.onMessage((event: WorkerEvent) => {
      switch (event.type) {
        case "backend":
          backend = event.info;
          handlers.onBackend?.(event.info);
          break;
        case "progress":
          handlers.onProgress?.(event.progress);
          break;
        case "preparing":
          handlers.onPreparing?.(event.what);
          break;
        case "checkpoint":
          handlers.onCheckpoint?.(event.checkpoint);
          break;
        case "validation":
          handlers.onValidation?.(event.validation);
          break;
        case "selfTraining":
          handlers.onSelfTraining?.(event.round);
          break;
        case "done":
          finished = { result: event.result, weights: event.weights, backend };
          void worker.terminate();
          break;
        case "error":
          failure = new Error(`training worker failed: ${workerFailure(event.message)}`);
          void worker.terminate();
          break;
      }
    });
    worker.onError((err) => {
      failure ??= err;
    });
    worker.onExit((code) => {
      if (finished) resolve(finished);
      else reject(failure ?? new Error(`training worker exited with code ${code} before finishing`));
    });
  });

  const post = (message: WorkerRequest) => worker.postMessage(message);
  post({ type: "start", job });
  return {
    outcome,
    cancel: () => post({ type: "cancel" }),
    terminate: async () => {
      await worker.terminate();
    },
  };
}
