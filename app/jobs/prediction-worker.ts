/**
 * Predicting a project's images in a worker (the app's path: the thread that serves the UI only
 * stores each result as it arrives, so strokes keep saving while a large project is predicted).
 * Same results, storage and skip rules as predictProject (project-prediction.ts), which runs on
 * the calling thread for the CLI. On wasm the images are shared among one worker per core
 * (predictionWorkers). With `suggest`, the first worker then picks the next round's
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
import { nativeBackendInstalled, type BackendPreference } from "../ml/engine/backend.ts";
import { autoReplicas } from "../ml/training/data-parallel.ts";

/** The raw predictions stay in the worker (only their stored form crosses), so there is no onPrediction. */
export interface PredictInWorkerOptions extends Omit<PredictProjectOptions, "onPrediction"> {
  /** After predicting (unless cancelled or nothing was predicted), store a queue of this many suggestions. */
  suggest?: number;
  /** Called when prediction is over and the queue is being picked. */
  onSuggesting?: () => void;
  /**
   * Workers that predict at once, each a share of the images (default: predictionWorkers()).
   * Results are the same whatever the count; only their order of arrival differs.
   */
  workers?: number;
  /** Background work (background training's rounds): one worker, at a lower CPU priority. */
  lowPriority?: boolean;
}

/** Fewest images worth a worker of their own (starting one takes about a second). */
export const MIN_IMAGES_PER_WORKER = 4;

/**
 * How many prediction workers to start for `images` images: on wasm (one core per backend) one
 * per core (at most MAX_AUTO_REPLICAS), each with at least MIN_IMAGES_PER_WORKER images; one when a
 * native TensorFlow backend may be chosen (it has its own threads, and a GPU is shared badly).
 */
export function predictionWorkers(backend: BackendPreference | undefined, images: number): number {
  const pref = backend ?? "auto";
  const singleCore = pref === "wasm" || pref === "cpu" || (pref === "auto" && !nativeBackendInstalled());
  if (!singleCore) return 1;
  return Math.max(1, Math.min(autoReplicas(), Math.floor(images / MIN_IMAGES_PER_WORKER)));
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
    const count = Math.max(
      1,
      Math.min(
        options.workers ?? (options.lowPriority ? 1 : predictionWorkers(options.backend, images.length)),
        images.length,
      ),
    );
    // Interleaved shares, so each worker gets a like mix of early and late (often similar) images.
    const shares = Array.from({ length: count }, (_, k) => images.filter((_, i) => i % count === k));
    const hosts = shares.map(() => createWorkerHost());
    /** the worker that picks the queue once every share is predicted (it stays up until then) */
    const picker = hosts[0];
    let suggested: number | null = null;
    let suggesting = false;
    let finished: boolean | undefined;
    const shareDone = hosts.map(() => false);
    let anyCancelled = false;
    const stopAll = () => hosts.forEach((h) => void h.terminate());
    // Picking the queue is one computation the worker cannot interrupt: stopping then ends the
    // worker (every prediction is stored already; the queue stays the previous one).
    const cancel = () => {
      if (!suggesting) return hosts.forEach((h, k) => shareDone[k] || h.postMessage({ type: "cancel" }));
      finished = true;
      stopAll();
    };
    try {
      const cancelled = await new Promise<boolean>((resolve, reject) => {
        let failure: Error | undefined;
        let exited = 0;
        hosts.forEach((host, k) => {
          host.onMessage((event: WorkerEvent) => {
            try {
              if (event.type === "backend") {
                if (k === 0) options.onBackend?.(event.info);
              } else if (event.type === "prediction") recorder.predicted(event.id, event.prediction);
              else if (event.type === "skipped") recorder.skip(event.id, event.skipped);
              else if (event.type === "predicted") {
                shareDone[k] = true;
                anyCancelled ||= event.cancelled;
                if (!shareDone.every(Boolean)) {
                  if (host !== picker) void host.terminate();
                  return;
                }
                finished = anyCancelled;
                const { predicted } = recorder.result(anyCancelled);
                if (options.suggest && !anyCancelled && predicted > 0) {
                  suggesting = true;
                  picker.postMessage({
                    type: "suggest",
                    job: { projectFile: store.file, modelId: model.id, n: options.suggest },
                  });
                  options.onSuggesting?.();
                  if (host !== picker) void host.terminate();
                } else stopAll();
              } else if (event.type === "suggestions" && suggesting) {
                suggesting = false;
                saveSuggestions(store, model.id, "uncertainty", event.items);
                suggested = event.items.length;
                stopAll();
              } else if (event.type === "error") {
                failure ??= new Error(`prediction worker failed: ${event.message}`);
                stopAll();
              }
            } catch (err) {
              // Storing failed (e.g. the disk is full): stop the workers and report it.
              failure ??= err instanceof Error ? err : new Error(String(err));
              stopAll();
            }
          });
          host.onError((err) => {
            failure ??= err;
          });
          host.onExit((code) => {
            // A worker that ends before every share is predicted (a crash) fails the run.
            if (!shareDone[k] && finished === undefined && !failure) {
              failure = new Error(`prediction worker exited with code ${code} before finishing`);
              stopAll();
            }
            if (++exited < count) return;
            if (finished !== undefined && !failure) resolve(finished);
            else reject(failure ?? new Error(`prediction worker exited with code ${code} before finishing`));
          });
        });
        if (options.signal?.aborted) cancel();
        else options.signal?.addEventListener("abort", cancel, { once: true });
        hosts.forEach((host, k) =>
          host.postMessage({
            type: "predict",
            job: {
              backend: options.backend,
              weights: model.weights,
              images: shares[k],
              lowPriority: options.lowPriority,
            },
          }),
        );
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
