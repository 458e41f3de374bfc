import { latestPredictionModelId } from "../loop/prediction-data.ts";
import { shownQueue } from "../loop/shown-queue.ts";
import type { ProjectStore } from "../store/project-store.ts";
import type { ImageStatus, Split } from "../common/project-types.ts";
import type { ListContext } from "../store/image-list.ts";
import type { ImageItem, ImageList, ImageSort } from "../common/api-types.ts";

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

export function imageNeighbors(
  store: ProjectStore,
  id: number,
): { prev: number | null; next: number | null; index: number; total: number } {
  return store.images.neighbors(id);
}
