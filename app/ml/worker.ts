/**
 * Training off the main thread (node:worker_threads).
 *
 * Protocol (structured-clone messages):
 *   host -> worker: { type: "start", job } once, then optionally { type: "cancel" }
 *   worker -> host: "backend" (which tensor backend it got), "progress", "checkpoint" (weights
 *                   bytes), then exactly one of "done" (final weights) or "error".
 * Cancelling finishes the current step, sends a final checkpoint and "done" with cancelled: true.
 */
import { Worker } from "node:worker_threads";
import type { BackendInfo, BackendOptions, BackendPreference } from "./backend.ts";
import type { NetworkConfig } from "./network.ts";
import type {
  TrainCheckpoint,
  TrainingSample,
  TrainOptions,
  TrainProgress,
  TrainResult,
  ValidationEvent,
} from "./train.ts";
import type { EvaluationSample } from "./evaluate.ts";

/** Train options that can cross a thread boundary (no callbacks, signal or custom loss terms). */
export type WorkerTrainOptions = Omit<
  TrainOptions,
  "signal" | "onProgress" | "onCheckpoint" | "lossTerms" | "validation" | "onValidation"
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
  validation?: { samples: EvaluationSample[]; every: number };
}

export type WorkerRequest = { type: "start"; job: TrainingJob } | { type: "cancel" };

export type WorkerEvent =
  | { type: "backend"; info: BackendInfo }
  | { type: "progress"; progress: TrainProgress }
  | { type: "checkpoint"; checkpoint: TrainCheckpoint }
  | { type: "validation"; validation: ValidationEvent }
  | { type: "done"; result: TrainResult; weights: Uint8Array }
  | { type: "error"; message: string };

export interface TrainingWorkerHandlers {
  onBackend?: (info: BackendInfo) => void;
  onProgress?: (progress: TrainProgress) => void;
  onCheckpoint?: (checkpoint: TrainCheckpoint) => void;
  onValidation?: (validation: ValidationEvent) => void;
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

function workerEntry(): { url: URL; execArgv: string[] } {
  const isTs = import.meta.url.endsWith(".ts");
  const url = new URL(isTs ? "./worker-main.ts" : "./worker-main.js", import.meta.url);
  // Under tsx (development, tests) the worker needs the TypeScript loader too.
  return { url, execArgv: isTs ? ["--import", import.meta.resolve("tsx")] : [] };
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
  const entry = workerEntry();
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

/** Replaces where training runs (the Electron shell uses a utility process). */
export function setTrainingHost(factory: TrainingHostFactory): void {
  hostFactory = factory;
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
        case "checkpoint":
          handlers.onCheckpoint?.(event.checkpoint);
          break;
        case "validation":
          handlers.onValidation?.(event.validation);
          break;
        case "done":
          finished = { result: event.result, weights: event.weights, backend };
          void worker.terminate();
          break;
        case "error":
          failure = new Error(`training worker failed: ${event.message}`);
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
