/**
 * The queue the app shows: the latest predicting model's uncertainty queue, or before any
 * prediction the start queue; its images with how far they were worked on, and their regions.
 * The CLI's `suggest` and `accept --region` read the same queue.
 */
import { START_STRATEGY } from "./start-queue.ts";
import { latestPredictionModelId } from "./prediction-data.ts";
import { storedSuggestions } from "./suggest.ts";
import type { RegionScore } from "../common/queue-types.ts";
import type { ProjectStore } from "../store/project-store.ts";
import type { ImageStatus } from "../common/project-types.ts";

/** An image of the shown queue (the API's Suggestion). */
export interface QueuedImage {
  imageId: number;
  name: string;
  score: number;
  status: ImageStatus;
  rank: number;
  /** where to look in the image, best first */
  regions: RegionScore[];
  /** labels were drawn, erased or accepted on it since the queue was picked (not undone) */
  worked: boolean;
}

/** The suggestion queue the app shows (see shownQueue). */
export interface ShownQueue {
  model: number | null;
  strategy: string;
}

/**
 * The queue the app shows: the latest model with predictions; while its queue is not picked yet,
 * the newest model queue there is; before any prediction, the start queue (start-queue.ts).
 */
export function shownQueue(store: ProjectStore): ShownQueue | null {
  const latest = latestPredictionModelId(store);
  if (latest === null) {
    return store.queue.hasStrategy(START_STRATEGY) ? { model: null, strategy: START_STRATEGY } : null;
  }
  const model = store.queue.modelWithQueue("uncertainty", latest);
  return model !== null ? { model, strategy: "uncertainty" } : null;
}

/** The latest model with predictions, when it has no stored queue yet (the service then has one picked). */
export function modelWithoutQueue(store: ProjectStore): number | null {
  const latest = latestPredictionModelId(store);
  return latest !== null && storedSuggestions(store, "uncertainty", latest).length === 0 ? latest : null;
}

/**
 * Images to label next: the queue the app shows (shownQueue: the latest model's, uncertainty with
 * diversity and regions per image; before any model, the start queue of varied images).
 */
export function suggestions(store: ProjectStore, limit: number): QueuedImage[] {
  const shown = shownQueue(store);
  if (shown === null) return [];
  const rows = store.queue.rows(shown.strategy, shown.model, limit);
  return rows.map((r) => ({
    imageId: r.image_id,
    name: r.name,
    score: r.score,
    rank: r.rank,
    regions: JSON.parse(r.regions) as QueuedImage["regions"],
    status: r.status,
    // Worked on since the queue was picked: a stroke (drawn, erased, accepted) not undone.
    worked: store.masks.workedOnSince(r.image_id, r.created_at),
  }));
}

/** One image's suggested regions in the queue the app shows (none when it is not in it). */
export function suggestedRegions(store: ProjectStore, imageId: number): QueuedImage["regions"] {
  return shownRegions(store, imageId) ?? [];
}

/** One image's suggested regions in the queue the app shows; null when it is not in it. */
export function shownRegions(store: ProjectStore, imageId: number): QueuedImage["regions"] | null {
  const shown = shownQueue(store);
  if (shown === null) return null;
  const regions = store.queue.regions(shown.strategy, shown.model, imageId);
  return regions !== undefined ? (JSON.parse(regions) as QueuedImage["regions"]) : null;
}
