/**
 * Corrections that turn predictions into labels, stored with provenance "accepted prediction"
 * (source layer = accepted, stroke tool = accept, model id): accept inside a suggested region,
 * accept a connected component, or accept every pixel above a confidence threshold. Pixels a
 * person labeled are never overwritten.
 */
import type { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { Source, UNLABELED, cloneMask, type LabelMask } from "../common/mask.ts";
import { changedRect } from "../labels/edit.ts";
import { fillRegion } from "../labels/components.ts";
import { readStoredPrediction, type StoredPrediction } from "./prediction-data.ts";
import type { Rect } from "../common/raster.ts";

export interface AcceptResult {
  imageId: number;
  modelId: number;
  acceptedPixels: number;
  maskVersion: number;
  /** the changed rectangle and the stroke that records it (null when nothing changed) */
  rect: Rect | null;
  strokeId: number | null;
}

function requirePrediction(store: ProjectStore, imageId: number): StoredPrediction {
  const p = readStoredPrediction(store, imageId);
  if (!p)
    throw new UserError(
      `${store.file}: image ${store.requireImage(imageId).name} has no prediction yet; run pixelloop predict first`,
    );
  return p;
}

function commit(
  store: ProjectStore,
  imageId: number,
  p: StoredPrediction,
  take: (i: number) => boolean,
  points: [number, number][],
  person: string | null = null,
): AcceptResult {
  const before = store.mask(imageId);
  const after: LabelMask = cloneMask(before);
  // A deleted class is never accepted (models made before the deletion still predict it).
  const gone = new Uint8Array(256);
  for (const c of store.deletedClasses()) gone[c] = 1;
  let n = 0;
  for (let i = 0; i < after.classes.length; i++) {
    if (after.classes[i] !== UNLABELED || !take(i) || gone[p.classes[i]]) continue;
    after.classes[i] = p.classes[i];
    after.sources[i] = Source.accepted;
    n++;
  }
  const rect = changedRect(before, after);
  if (!rect)
    return {
      imageId,
      modelId: p.modelId,
      acceptedPixels: 0,
      maskVersion: store.maskVersion(imageId),
      rect: null,
      strokeId: null,
    };
  const row = store.commitChange(imageId, before, after, rect, {
    tool: "accept",
    classIdx: null,
    width: 0,
    points,
    author: "accept",
    person,
    modelId: p.modelId,
  });
  return {
    imageId,
    modelId: p.modelId,
    acceptedPixels: n,
    maskVersion: row.maskVersion,
    rect,
    strokeId: row.id,
  };
}

/** Accepts the prediction on the unlabeled pixels inside a rectangle (a suggested region). */
export function acceptInRect(
  store: ProjectStore,
  imageId: number,
  r: Rect,
  minConfidence = 0,
  person: string | null = null,
): AcceptResult {
  const p = requirePrediction(store, imageId);
  const minC = Math.round(minConfidence * 255);
  return commit(
    store,
    imageId,
    p,
    (i) => {
      const x = i % p.width;
      const y = (i - x) / p.width;
      return x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height && p.confidence[i] >= minC;
    },
    [
      [r.x, r.y],
      [r.x + r.width, r.y + r.height],
    ],
    person,
  );
}

/** Accepts every unlabeled pixel whose confidence is at least `minConfidence` (0..1). */
export function acceptAboveConfidence(
  store: ProjectStore,
  imageId: number,
  minConfidence: number,
  person: string | null = null,
): AcceptResult {
  if (!(minConfidence >= 0 && minConfidence <= 1))
    throw new UserError(`--min-confidence: expected a number in 0..1, got ${minConfidence}`);
  const p = requirePrediction(store, imageId);
  const minC = Math.round(minConfidence * 255);
  return commit(store, imageId, p, (i) => p.confidence[i] >= minC, [], person);
}

/** Accepts the 4-connected component of the predicted class at (x, y). */
export function acceptComponent(
  store: ProjectStore,
  imageId: number,
  x: number,
  y: number,
  person: string | null = null,
): AcceptResult {
  const p = requirePrediction(store, imageId);
  const { width: w, height: h } = p;
  if (x < 0 || y < 0 || x >= w || y >= h)
    throw new UserError(`point ${x},${y} is outside the image (${w}x${h})`);
  const inside = new Uint8Array(w * h);
  fillRegion(p.classes, w, h, y * w + x, inside);
  return commit(store, imageId, p, (i) => inside[i] === 1, [[x, y]], person);
}

/** Removes all accepted-prediction labels of an image (hand-drawn labels stay). */
export function clearAccepted(store: ProjectStore, imageId: number, person: string | null = null): number {
  const before = store.mask(imageId);
  const after: LabelMask = cloneMask(before);
  let n = 0;
  for (let i = 0; i < after.classes.length; i++) {
    if (after.sources[i] !== Source.accepted) continue;
    after.classes[i] = UNLABELED;
    after.sources[i] = Source.none;
    n++;
  }
  store.commitDiff(imageId, before, after, {
    tool: "eraser",
    classIdx: null,
    width: 0,
    points: [],
    author: "clear-accepted",
    person,
  });
  return n;
}
