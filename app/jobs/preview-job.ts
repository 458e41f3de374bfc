/**
 * The live preview classifier's host side: one long-lived worker (preview-run.ts runs in it, so
 * its feature caches carry over between retrains) and one job at a time. The thread that serves
 * the UI only stores what comes back: the classifier (one row, replaced) and each prediction
 * (preview_predictions, never the networks' table). Used by the app's live mode (app/api/live.ts)
 * and by `pixelloop train --preview` (app/ops/preview.ts).
 */
import type { ProjectStore } from "../store/project-store.ts";
import { createWorkerHost, type TrainingHost, type WorkerEvent } from "./worker.ts";
import type { CompareResult, PreviewJob, PreviewMetrics, PreviewSnapshot } from "./preview-run.ts";

export interface PreviewRunHandlers {
  /** the classifier is stored (trainedAt: its created_at) */
  onTrained?: (trainedAt: string, metrics: PreviewMetrics, snapshot: PreviewSnapshot) => void;
  /** an image's prediction is stored */
  onPredicted?: (imageId: number) => void;
}

export interface PreviewRunOutcome {
  /** the classifier was trained and stored (false: `waiting` says why not) */
  trained: boolean;
  trainedAt: string | null;
  waiting: string | null;
  /** stopped by interrupt() before every image was predicted */
  interrupted: boolean;
  predicted: number;
  metrics: PreviewMetrics | null;
  /** a compare job's result (null: nothing could be scored) */
  compared?: CompareResult | null;
}

const bytes = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

interface Running {
  store: ProjectStore;
  handlers: PreviewRunHandlers;
  outcome: PreviewRunOutcome;
  resolve: (o: PreviewRunOutcome) => void;
  reject: (e: Error) => void;
}

export class PreviewWorker {
  private host: TrainingHost | null = null;
  private running: Running | null = null;

  /** Starts the worker ahead of the first job (loading the tensor backend takes a moment). */
  warm(): void {
    this.ensureHost();
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Retrains on `store`'s labels and predicts `job.predict`, storing each result on this thread. */
  run(
    store: ProjectStore,
    job: Omit<PreviewJob, "projectFile">,
    handlers: PreviewRunHandlers = {},
  ): Promise<PreviewRunOutcome> {
    if (this.running) return Promise.reject(new Error("a preview job is already running"));
    const host = this.ensureHost();
    return new Promise<PreviewRunOutcome>((resolve, reject) => {
      this.running = {
        store,
        handlers,
        resolve,
        reject,
        outcome: {
          trained: false,
          trainedAt: null,
          waiting: null,
          interrupted: false,
          predicted: 0,
          metrics: null,
        },
      };
      host.postMessage({ type: "preview", job: { ...job, projectFile: store.file } });
    });
  }

  /** Asks the job in progress to stop after the image it is predicting (a newer stroke waits). */
  interrupt(): void {
    if (this.running) this.host?.postMessage({ type: "preview.interrupt" });
  }

  /** Ends the worker; a job in progress rejects. */
  async terminate(): Promise<void> {
    const host = this.host;
    this.host = null;
    this.finish(new Error("the preview worker was stopped"));
    if (host) await host.terminate();
  }

  private ensureHost(): TrainingHost {
    if (this.host) return this.host;
    const host = createWorkerHost();
    this.host = host;
    // A worker that was replaced (terminate, then a new one) says nothing about the new one's job.
    host.onMessage((e) => {
      if (this.host === host) this.handle(e);
    });
    host.onError((err) => {
      if (this.host === host) this.finish(err);
    });
    host.onExit((code) => {
      if (this.host !== host) return;
      this.host = null;
      this.finish(new Error(`the preview worker exited (code ${code})`));
    });
    return host;
  }

  private handle(e: WorkerEvent): void {
    const r = this.running;
    if (!r) return;
    try {
      switch (e.type) {
        case "preview.waiting":
          r.outcome.waiting = e.reason;
          this.finish(null);
          break;
        case "preview.trained": {
          const at = r.store.preview.putClassifier(bytes(e.model), e.snapshot, e.metrics);
          r.outcome.trained = true;
          r.outcome.trainedAt = at;
          r.outcome.metrics = e.metrics;
          r.handlers.onTrained?.(at, e.metrics, e.snapshot);
          break;
        }
        case "preview.prediction": {
          const p = e.prediction;
          if (!r.store.images.get(e.id)) break; // removed meanwhile
          r.store.preview.put(e.id, r.outcome.trainedAt ?? "", {
            classRle: bytes(p.classRle),
            confidence: bytes(p.confidencePng),
            margin: bytes(p.marginPng),
            entropy: bytes(p.entropyPng),
            score: p.score,
          });
          r.outcome.predicted++;
          r.handlers.onPredicted?.(e.id);
          break;
        }
        case "preview.compared":
          r.outcome.compared = e.result;
          this.finish(null);
          break;
        case "preview.done":
          r.outcome.interrupted = e.interrupted;
          this.finish(null);
          break;
        case "preview.error":
        case "error":
          this.finish(new Error(`preview classifier: ${e.message}`));
          break;
      }
    } catch (err) {
      // Storing failed (the project was closed, the disk is full): the job ends with the reason.
      this.finish(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private finish(err: Error | null): void {
    const r = this.running;
    if (!r) return;
    this.running = null;
    if (err) r.reject(err);
    else r.resolve(r.outcome);
  }
}
