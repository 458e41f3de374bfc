/**
 * Suggest: the images to label next. Shows the queue the app shows while it fits what is asked
 * (same model, no picking option, enough images), else picks it anew: the start queue before any
 * model, else the model's uncertainty queue (at the app's length, so reading a few never shrinks
 * it) or a random pick stored apart. The flow behind `pixelloop suggest`; the app's queue is
 * picked by the same loop functions (api/service.ts ensureQueue).
 */
import type { ProjectStore } from "../store/project-store.ts";
import {
  APP_QUEUE_LENGTH,
  computeSuggestions,
  openTrainImages,
  type Strategy,
  type SuggestOptions,
  type SuggestionItem,
} from "../loop/suggest.ts";
import { pickStartQueue, START_STRATEGY, startQueueStale } from "../loop/start-queue.ts";
import { shownQueue, suggestions, type QueuedImage } from "../loop/shown-queue.ts";
import { latestPredictionModelId, newestModelUnpredicted } from "../loop/prediction-data.ts";

export interface SuggestRequest {
  n: number;
  strategy: Strategy;
  /** how to pick (measure, coverage, class balance, ...; unset: the loop's defaults) */
  picking: Omit<SuggestOptions, "n" | "modelId" | "strategy" | "save" | "seed">;
  /** an option that changes how the queue is picked was given: the stored queue was not picked so */
  pickingGiven: boolean;
  /** pick anew even when the shown queue fits */
  repick: boolean;
}

/** How far the shown queue was worked on. */
export interface QueueProgress {
  worked: number;
  total: number;
}

export type SuggestOutcome =
  /** the newest model has no predictions yet (train --no-predict, import-model): its queue would be an older model's */
  | { kind: "unpredicted"; modelId: number }
  /** no train image has an unlabeled pixel; `trainImages`: how many train images there are */
  | { kind: "nothing"; trainImages: number }
  /** the shown queue as it is: `items` (at most n) leave out images labeled everywhere since */
  | {
      kind: "current";
      modelId: number | null;
      items: QueuedImage[];
      /** images of the queue labeled everywhere now, left out */
      labeledSince: number;
      worked: Set<number>;
      progress: QueueProgress;
    }
  /** a queue picked now: the first n of `picked` */
  | {
      kind: "picked";
      modelId: number | null;
      /** the app's queue (start or uncertainty), which replaced the one it showed; else a random pick stored apart */
      appQueue: boolean;
      items: SuggestionItem[];
      picked: number;
      /** the queue the app showed before, when this one replaced it */
      replaced: { model: number | null; progress: QueueProgress } | null;
    };

export async function suggestNext(store: ProjectStore, req: SuggestRequest): Promise<SuggestOutcome> {
  const unpredicted = newestModelUnpredicted(store);
  if (unpredicted !== null) return { kind: "unpredicted", modelId: unpredicted };
  const modelId = latestPredictionModelId(store);
  const start = modelId === null;
  const open = openTrainImages(store);
  if (open === 0) return { kind: "nothing", trainImages: store.countImages({ split: "train" }) };
  // The queue the app shows (and status counts), with how far it was worked on.
  const queue = shownQueue(store);
  const shown = suggestions(store, Number.MAX_SAFE_INTEGER);
  const current = start
    ? queue?.strategy === START_STRATEGY && !startQueueStale(store)
    : queue?.model === modelId;
  const candidates = start ? store.images.unlabeledTrainCount() : open;
  const fits = req.n <= shown.length || candidates <= shown.length;
  const progress = { worked: shown.filter((x) => x.worked).length, total: shown.length };
  if (current && !req.repick && !req.pickingGiven && fits) {
    // Reading the queue leaves it as it is; images labeled everywhere since are left out.
    const left = shown.filter((x) => !labeledEverywhere(store, x.imageId));
    return {
      kind: "current",
      modelId,
      items: left.slice(0, req.n),
      labeledSince: shown.length - left.length,
      worked: new Set(shown.filter((x) => x.worked).map((x) => x.imageId)),
      progress,
    };
  }
  // The app's queue (uncertainty or start) is picked at the app's length whatever n is, so
  // reading a few suggestions never shrinks the queue a labeler works through.
  const appQueue = start || req.strategy === "uncertainty";
  const length = appQueue ? Math.max(req.n, APP_QUEUE_LENGTH) : req.n;
  const picked = start
    ? await pickStartQueue(store, length)
    : computeSuggestions(store, {
        ...req.picking,
        n: length,
        modelId: modelId as number,
        strategy: req.strategy,
      });
  return {
    kind: "picked",
    modelId,
    appQueue,
    items: picked.slice(0, req.n),
    picked: picked.length,
    // The app shows the uncertainty queue (or the start queue): a random one is stored apart.
    replaced: shown.length > 0 && appQueue ? { model: queue?.model ?? null, progress } : null,
  };
}

function labeledEverywhere(store: ProjectStore, imageId: number): boolean {
  const img = store.requireImage(imageId);
  return img.labeledPixels >= img.width * img.height;
}
