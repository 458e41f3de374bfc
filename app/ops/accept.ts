/**
 * Accept: turn the latest prediction into labels on one image (provenance: accepted), inside a
 * suggested region or above a confidence, or clear the accepted labels again. The flow behind
 * `pixelloop accept`; the app's suggestions.acceptRegion takes its region the same way.
 */
import type { ProjectStore } from "../store/project-store.ts";
import { acceptAboveConfidence, acceptInRect, clearAccepted, type AcceptResult } from "../loop/accept.ts";
import { shownRegions, type QueuedImage } from "../loop/shown-queue.ts";
import { storedSuggestions } from "../loop/suggest.ts";
import { latestPredictionModelId, newestModelUnpredicted } from "../loop/prediction-data.ts";

type Region = QueuedImage["regions"][number];

export type RegionAcceptOutcome =
  | { kind: "accepted"; result: AcceptResult }
  /** the image is in no queue looked in */
  | { kind: "not-queued" }
  /** the image is queued without that region: its regions' ids */
  | { kind: "no-region"; regions: number[] };

/**
 * Accepts the prediction inside region `regionId` of the image in the queue the app shows; with
 * `randomQueueToo`, else in the random queue `suggest --strategy random` stored for the latest model.
 */
export function acceptSuggestedRegion(
  store: ProjectStore,
  imageId: number,
  regionId: number,
  opts: { person?: string; randomQueueToo?: boolean } = {},
): RegionAcceptOutcome {
  const regions = queueRegions(store, imageId, opts.randomQueueToo ?? false);
  if (regions === null) return { kind: "not-queued" };
  const region = regions.find((x) => x.id === regionId);
  if (!region) return { kind: "no-region", regions: regions.map((x) => x.id) };
  return { kind: "accepted", result: acceptInRect(store, imageId, region, 0, opts.person) };
}

export type AcceptHow = { clear: true } | { regionId: number } | { minConfidence: number };

export type AcceptOutcome =
  | { kind: "cleared"; clearedPixels: number }
  /** the newest model has no predictions yet (train --no-predict, import-model) */
  | { kind: "unpredicted"; modelId: number }
  /** no model has predicted: nothing to accept */
  | { kind: "no-model" }
  | RegionAcceptOutcome;

/** One accept of `pixelloop accept`: a region (of the app's or the random queue), a confidence, or clear. */
export function acceptOnImage(
  store: ProjectStore,
  imageId: number,
  how: AcceptHow,
  person?: string,
): AcceptOutcome {
  if ("clear" in how) return { kind: "cleared", clearedPixels: clearAccepted(store, imageId, person) };
  const unpredicted = newestModelUnpredicted(store);
  if (unpredicted !== null) return { kind: "unpredicted", modelId: unpredicted };
  if (latestPredictionModelId(store) === null) return { kind: "no-model" };
  if ("regionId" in how)
    return acceptSuggestedRegion(store, imageId, how.regionId, { person, randomQueueToo: true });
  return { kind: "accepted", result: acceptAboveConfidence(store, imageId, how.minConfidence, person) };
}

/**
 * An image's regions in the queue the app shows, else (randomQueueToo) in a queue `suggest
 * --strategy random` stored for the latest model; null when the image is in neither.
 */
function queueRegions(store: ProjectStore, imageId: number, randomQueueToo: boolean): Region[] | null {
  const shown = shownRegions(store, imageId);
  if (shown) return shown;
  if (!randomQueueToo) return null;
  const model = latestPredictionModelId(store);
  const random = model === null ? [] : storedSuggestions(store, "random", model);
  return random.find((s) => s.imageId === imageId)?.regions ?? null;
}
