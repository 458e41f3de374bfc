/**
 * A round of the loop after labeling: train a model on the project's labels (a worker thread),
 * then predict every image with it and pick the next queue (prediction workers). The one flow
 * behind `pixelloop train` and the app's Train button (api/training.ts); each says what happens
 * its own way, through the handlers.
 */
import type { SkippedImage } from "../images/decode.ts";
import type { BackendPreference } from "../ml/engine/backend.ts";
import {
  trainProject,
  type ProjectTrainHandlers,
  type ProjectTrainOptions,
  type ProjectTrainOutcome,
} from "../jobs/project-training.ts";
import { predictProjectImages } from "./predict.ts";
import { APP_QUEUE_LENGTH } from "../loop/suggest.ts";
import { requireProjectFile, withStore } from "./project-file.ts";

export interface TrainRoundRequest {
  /** the project file (training and prediction open their own connections) */
  file: string;
  train: ProjectTrainOptions;
  /** predict the images with the new model and pick the next queue afterwards */
  predict: boolean;
  /**
   * A run stopped during training still predicts with the model it stored: the app's Stop is
   * "good enough, finish now"; the CLI's Ctrl+C means stop.
   */
  predictAfterStop: boolean;
  /** the backend prediction asks for (default: the best there is) */
  predictBackend?: BackendPreference;
  /** predict in one worker at a lower CPU priority (background training) */
  predictLowPriority?: boolean;
}

export interface TrainRoundHandlers extends ProjectTrainHandlers {
  /** Training is over (a model stored unless modelId is null); `predicting`: prediction starts now. */
  onTrained?: (training: ProjectTrainOutcome, predicting: boolean) => void;
  onPredictProgress?: (done: number, total: number, imageName: string) => void;
  /** Every image is predicted; the next queue is being picked. */
  onSuggesting?: () => void;
}

export interface TrainRoundOutcome {
  training: ProjectTrainOutcome;
  /** null when the images were not predicted (not asked, no model, or stopped) */
  prediction: {
    predicted: number;
    cancelled: boolean;
    /** the images of the new queue, or null when none was picked */
    suggested: number | null;
    skipped: SkippedImage[];
  } | null;
  /** images prediction could not read that training had not named already */
  unread: SkippedImage[];
}

export interface TrainRoundHandle {
  readonly outcome: Promise<TrainRoundOutcome>;
  /** Training: stop after the current step (the model so far is stored). Predicting: stop predicting. */
  stop(): void;
  /** Which part runs now. */
  phase(): "training" | "predicting" | "over";
}

/**
 * Checks that the project is there; with `fineTune`, the model training will start from (the
 * latest), null when there is none yet (training starts from scratch) or without `fineTune`.
 */
export function fineTuneStartModel(file: string, fineTune: boolean): number | null {
  requireProjectFile(file);
  if (!fineTune) return null;
  return withStore(file, { readonly: true }, (store) => store.latestModelId() ?? null);
}

export function trainRound(req: TrainRoundRequest, handlers: TrainRoundHandlers = {}): TrainRoundHandle {
  let phase: "training" | "predicting" | "over" = "training";
  let abort: AbortController | null = null;
  const training = trainProject(req.file, req.train, handlers);
  const outcome = (async (): Promise<TrainRoundOutcome> => {
    try {
      const t = await training.outcome;
      const predicting =
        req.predict && t.modelId !== null && (req.predictAfterStop || t.status !== "cancelled");
      handlers.onTrained?.(t, predicting);
      if (!predicting || t.modelId === null) return { training: t, prediction: null, unread: [] };
      phase = "predicting";
      abort = new AbortController();
      // In workers, and the next round's queue (most useful images first, with their regions) too.
      const p = await predictProjectImages(req.file, {
        backend: req.predictBackend ?? "auto",
        onProgress: handlers.onPredictProgress,
        worker: {
          modelId: t.modelId,
          suggest: APP_QUEUE_LENGTH,
          signal: abort.signal,
          onSuggesting: handlers.onSuggesting,
          lowPriority: req.predictLowPriority,
        },
      });
      const named = new Set(t.skipped.map((x) => x.file));
      return {
        training: t,
        prediction: {
          predicted: p.predicted,
          cancelled: p.cancelled,
          suggested: p.suggested,
          skipped: p.skipped,
        },
        unread: p.skipped.filter((x) => !named.has(x.file)),
      };
    } finally {
      phase = "over";
      abort = null;
    }
  })();
  return {
    outcome,
    stop() {
      if (phase === "training") training.cancel();
      else abort?.abort();
    },
    phase: () => phase,
  };
}
