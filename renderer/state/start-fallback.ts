/**
 * N before the first model when the start queue is empty. The start queue holds train images
 * with no labels, then those under a quarter labeled (app/loop/start-queue.ts), so once every
 * train image is labeled past that it is empty, although the images may still be far from
 * labeled. Then N opens the least labeled train image instead of saying there is nothing to do.
 */
import type { ImageItem } from "../../app/common/api-types.ts";
import type { UiApi } from "../api/client.ts";

/** The train image with the fewest labeled pixels, other than `except`; null when there is none. */
export async function leastLabeledTrain(api: UiApi, except: number | null): Promise<ImageItem | null> {
  // Sorted most labeled first: the least labeled are the last two.
  const first = await api.call("images.list", { split: "train", sort: "labeled", limit: 1 });
  if (first.total === 0) return null;
  const last = await api.call("images.list", {
    split: "train",
    sort: "labeled",
    offset: Math.max(0, first.total - 2),
    limit: 2,
  });
  return [...last.items].reverse().find((i) => i.id !== except) ?? null;
}

/** What the toast says on opening it. */
export function leastLabeledText(item: ImageItem): string {
  const share = (100 * item.labeledPixels) / Math.max(1, item.width * item.height);
  return `No model yet, and every train image has some labels: opened ${item.name}, the least labeled (${share < 1 ? share.toFixed(1) : Math.round(share)}%). Label each class a little on a few images, then train (T).`;
}
