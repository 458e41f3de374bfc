/**
 * Predicting a project's images in a worker (the app's path: the thread that serves the UI only
 * stores each result as it arrives, so strokes keep saving while a large project is predicted).
 * Same results, storage and skip rules as predictProject (project-prediction.ts), which runs on
 * the calling thread for the CLI.
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

export async function predictProjectInWorker(
  projectFile: string,
  options: PredictProjectOptions = {},
): Promise<PredictProjectResult> {
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
    const cancel = () => host.postMessage({ type: "cancel" });
    try {
      const cancelled = await new Promise<boolean>((resolve, reject) => {
        let finished: boolean | undefined;
        let failure: Error | undefined;
        host.onMessage((event: WorkerEvent) => {
          try {
            if (event.type === "backend") options.onBackend?.(event.info);
            else if (event.type === "prediction") recorder.predicted(event.id, event.prediction);
            else if (event.type === "skipped") recorder.skip(event.id, event.skipped);
            else if (event.type === "predicted") {
              finished = event.cancelled;
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
      return recorder.result(cancelled);
    } finally {
      options.signal?.removeEventListener("abort", cancel);
    }
  } finally {
    store.close();
  }
}
