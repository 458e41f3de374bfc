/**
 * Predicting a project's images in a worker (the app's path: the thread that serves the UI only
 * stores each result as it arrives, so strokes keep saving while a large project is predicted).
 * Same results, storage and skip rules as predictProject (project-prediction.ts), which runs on
 * the calling thread for the CLI. With `suggest`, the same worker then picks the next round's
 * queue from the stored predictions (reading every prediction takes seconds in a large project);
 * this thread only stores it.
 */
import { ProjectStore } from "../store/project-store.ts";
import {
  imagesToPredict,
  loadModelRow,
  PredictionRecorder,
  type PredictProjectOptions,
  type PredictProjectResult,
} from "./project-prediction.ts";
import { createWorkerHost, type WorkerEvent } from "./worker.ts";
import { saveSuggestions, type SuggestionItem } from "../loop/suggest.ts";

/** The raw predictions stay in the worker (only their stored form crosses), so there is no onPrediction. */
export interface PredictInWorkerOptions extends Omit<PredictProjectOptions, "onPrediction"> {
  /** After predicting (unless cancelled or nothing was predicted), store a queue of this many suggestions. */
  suggest?: number;
  /** Called when prediction is over and the queue is being picked. */
  onSuggesting?: () => void;
}

export async function predictProjectInWorker(
  projectFile: string,
  options: PredictInWorkerOptions = {},
): Promise<PredictProjectResult & { suggested: number | null }> {
  const store = ProjectStore.open(projectFile);
  try {
    const model = loadModelRow(store, options.modelId);
    const ids = imagesToPredict(store, options);
    const recorder = new PredictionRecorder(store, model.id, ids.length, options);
    const images = ids.map((id) => {
      const row = store.requireImage(id);
      return { id, file: store.absolutePath(row.path), width: row.width, height: row.height };
    });
    const host = createWorkerHost();
    let suggested: number | null = null;
    let suggesting = false;
    let finished: boolean | undefined;
    // Picking the queue is one computation the worker cannot interrupt: stopping then ends the
    // worker (every prediction is stored already; the queue stays the previous one).
    const cancel = () => {
      if (!suggesting) return host.postMessage({ type: "cancel" });
      finished = true;
      void host.terminate();
    };
    try {
      const cancelled = await new Promise<boolean>((resolve, reject) => {
        let failure: Error | undefined;
        host.onMessage((event: WorkerEvent) => {
          try {
            if (event.type === "backend") options.onBackend?.(event.info);
            else if (event.type === "prediction") recorder.predicted(event.id, event.prediction);
            else if (event.type === "skipped") recorder.skip(event.id, event.skipped);
            else if (event.type === "predicted") {
              finished = event.cancelled;
              const { predicted } = recorder.result(event.cancelled);
              if (options.suggest && !event.cancelled && predicted > 0) {
                suggesting = true;
                host.postMessage({
                  type: "suggest",
                  job: { projectFile: store.file, modelId: model.id, n: options.suggest },
                });
                options.onSuggesting?.();
              } else void host.terminate();
            } else if (event.type === "suggestions" && suggesting) {
              suggesting = false;
              saveSuggestions(store, model.id, "uncertainty", event.items);
              suggested = event.items.length;
              void host.terminate();
            } else if (event.type === "error") {
              failure = new Error(`prediction worker failed: ${event.message}`);
              void host.terminate();
            }
          } catch (err) {
            // Storing failed (e.g. the disk is full): stop the worker and report it.
            failure = err instanceof Error ? err : new Error(String(err));
            void host.terminate();
          }
        });
        host.onError((err) => {
          failure ??= err;
        });
        host.onExit((code) => {
          if (finished !== undefined && !failure) resolve(finished);
          else reject(failure ?? new Error(`prediction worker exited with code ${code} before finishing`));
        });
        if (options.signal?.aborted) cancel();
        else options.signal?.addEventListener("abort", cancel, { once: true });
        host.postMessage({
          type: "predict",
          job: { backend: options.backend, weights: model.weights, images },
        });
      });
      return { ...recorder.result(cancelled), suggested };
    } finally {
      options.signal?.removeEventListener("abort", cancel);
    }
  } finally {
    store.close();
  }
}

/**
 * Picks a model's suggestion queue in a worker and returns it, for the caller to store (the
 * app's path when a model has no queue yet: predicted by the CLI, or stopped before its queue
 * was picked). Reading every prediction of a large project takes a while.
 */
export async function pickSuggestionsInWorker(
  projectFile: string,
  modelId: number,
  n: number,
): Promise<SuggestionItem[]> {
  const host = createWorkerHost();
  return new Promise<SuggestionItem[]>((resolve, reject) => {
    let done: SuggestionItem[] | undefined;
    let failure: Error | undefined;
    host.onMessage((event: WorkerEvent) => {
      if (event.type === "suggestions") done = event.items;
      else if (event.type === "error") failure = new Error(`suggestion worker failed: ${event.message}`);
      else return;
      void host.terminate();
    });
    host.onError((err) => {
      failure ??= err;
    });
    host.onExit((code) => {
      if (done && !failure) resolve(done);
      else reject(failure ?? new Error(`suggestion worker exited with code ${code} before finishing`));
    });
    host.postMessage({ type: "suggest", job: { projectFile, modelId, n } });
  });
}
