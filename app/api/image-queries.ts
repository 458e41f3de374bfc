import { storedSuggestions } from "../loop/suggest.ts";
import { START_STRATEGY } from "../loop/start-queue.ts";
import { latestPredictionModelId } from "../loop/prediction-data.ts";
import type { ProjectStore } from "../store/project-store.ts";
import type { ImageStatus, Split } from "../store/types.ts";
import type { ListContext } from "../store/image-list.ts";
import type { ImageItem, ImageList, ImageSort, Suggestion } from "./types.ts";

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

/** The shown model's scores and the shown queue's ranks, for the image list. */
function listContext(store: ProjectStore): ListContext {
  const q = shownQueue(store);
  return {
    model: latestPredictionModelId(store),
    queueModel: q?.model ?? null,
    queueStrategy: q?.strategy ?? null,
  };
}

export interface ImageFilter {
  offset: number;
  limit: number;
  status?: ImageStatus;
  split?: Split;
  search?: string;
  sort: ImageSort;
}

export function listImageItems(store: ProjectStore, q: ImageFilter): ImageList {
  const { total, items } = store.imageList.page(q, listContext(store));
  return { total, offset: q.offset, items };
}

export function imageItem(store: ProjectStore, id: number): ImageItem | undefined {
  return store.imageList.one(id, listContext(store));
}

/** How many images the app's queue suggests after each training. */
export const APP_QUEUE_LENGTH = 30;

/** The latest model with predictions, when it has no stored queue yet (the service then has one picked). */
export function modelWithoutQueue(store: ProjectStore): number | null {
  const latest = latestPredictionModelId(store);
  return latest !== null && storedSuggestions(store, "uncertainty", latest).length === 0 ? latest : null;
}

/**
 * Images to label next: the queue the app shows (shownQueue: the latest model's, uncertainty with
 * diversity and regions per image; before any model, the start queue of varied images).
 */
export function suggestions(store: ProjectStore, limit: number): Suggestion[] {
  const shown = shownQueue(store);
  if (shown === null) return [];
  const rows = store.queue.rows(shown.strategy, shown.model, limit);
  return rows.map((r) => ({
    imageId: r.image_id,
    name: r.name,
    score: r.score,
    rank: r.rank,
    regions: JSON.parse(r.regions) as Suggestion["regions"],
    status: r.status,
    // Worked on since the queue was picked: a stroke (drawn, erased, accepted) not undone.
    worked: store.masks.workedOnSince(r.image_id, r.created_at),
  }));
}

/** One image's suggested regions in the queue the app shows (none when it is not in it). */
export function suggestedRegions(store: ProjectStore, imageId: number): Suggestion["regions"] {
  const shown = shownQueue(store);
  if (shown === null) return [];
  const regions = store.queue.regions(shown.strategy, shown.model, imageId);
  return regions !== undefined ? (JSON.parse(regions) as Suggestion["regions"]) : [];
}

export function imageNeighbors(
  store: ProjectStore,
  id: number,
): { prev: number | null; next: number | null; index: number; total: number } {
  return store.images.neighbors(id);
}
