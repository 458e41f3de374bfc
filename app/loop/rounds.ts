/**
 * Rounds of the loop. A round is recorded when a model is made: labeled pixels of the train
 * images (what the model learns from; val labels are the held-out check) by provenance at that
 * moment, the time spent labeling since the previous round (from stroke timestamps: gaps between
 * consecutive strokes, each capped at IDLE_CAP_SEC so breaks don't count), and the model's
 * validation mIoU when val labels exist.
 */
import type { ProjectStore } from "../store/project-store.ts";
import type { PersonLabels } from "../store/labels-by-person.ts";

export const IDLE_CAP_SEC = 60;

export interface Round {
  round: number;
  modelId: number | null;
  createdAt: string;
  labeledPixels: number;
  humanPixels: number;
  acceptedPixels: number;
  labeledImages: number;
  labelingSeconds: number;
  valMiou: number | null;
  fineTuned: boolean;
  /** which images the label counts cover: "train", or "all" splits for rounds recorded before project format 7 */
  labelsScope: "train" | "all";
  /** the labels counted by person (#34); null for rounds recorded before project format 10 */
  labelsByPerson: PersonLabels[] | null;
}

/** Seconds of labeling in strokes made after `since` (ISO time), idle gaps capped. */
export function labelingSeconds(store: ProjectStore, since: string | null): number {
  const times = store.masks.labelingTimesAfter(since);
  let total = 0;
  for (let i = 1; i < times.length; i++) {
    const gap = (Date.parse(times[i]) - Date.parse(times[i - 1])) / 1000;
    total += Math.min(Math.max(0, gap), IDLE_CAP_SEC);
  }
  return total;
}

export function recordRound(
  store: ProjectStore,
  modelId: number | null,
  opts: { fineTuned?: boolean } = {},
): Round {
  const prev = store.rounds.lastCreatedAt();
  const s = store.labelCounts("train");
  let valMiou: number | null = null;
  if (modelId !== null) {
    const metrics = store.models.metrics(modelId);
    valMiou = metrics !== undefined ? extractMiou(JSON.parse(metrics)) : null;
  }
  store.rounds.insert({
    modelId,
    labeledPixels: s.labeledPixels,
    humanPixels: s.humanPixels,
    acceptedPixels: s.acceptedPixels,
    labeledImages: s.labeledImages,
    labelingSeconds: labelingSeconds(store, prev),
    valMiou,
    fineTuned: opts.fineTuned ?? false,
    labelsByPerson: store.people.bySplit("train"),
  });
  return listRounds(store).at(-1) as Round;
}

function extractMiou(metrics: unknown): number | null {
  const m = metrics as { validation?: { miou?: number } | null; miou?: number } | null;
  const v = m?.validation?.miou ?? m?.miou;
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * Val IoU per class index from a model's stored metrics. Null entries: the class has no val labels
 * (its IoU would only count the pixels predicted as it, always 0: not a measure of how well it is
 * learned), or, for models stored before per-class pixel counts were kept, is in neither the
 * labels nor the prediction.
 */
export function classIouFromMetrics(metrics: unknown): (number | null)[] | null {
  const validation = (
    metrics as { validation?: { perClassIou?: unknown; perClassPixels?: unknown } | null } | null
  )?.validation;
  const v = validation?.perClassIou;
  if (!Array.isArray(v)) return null;
  const pixels = Array.isArray(validation?.perClassPixels) ? validation.perClassPixels : null;
  return v.map((x, k) =>
    typeof x === "number" && Number.isFinite(x) && (pixels === null || Number(pixels[k]) > 0) ? x : null,
  );
}

/** The newest model that has val IoU per class, with it (the loop's "which class to label next"). */
export function latestClassIou(
  store: ProjectStore,
): { modelId: number; classes: { name: string; iou: number | null }[] } | null {
  for (const row of store.models.metricsNewestFirst()) {
    let perClass: (number | null)[] | null = null;
    try {
      perClass = classIouFromMetrics(JSON.parse(row.metrics));
    } catch {
      continue; // unreadable metrics: look further back
    }
    if (!perClass) continue;
    return {
      modelId: row.id,
      classes: store.classes().map((c) => ({ name: c.name, iou: perClass[c.idx] ?? null })),
    };
  }
  return null;
}

export function listRounds(store: ProjectStore): Round[] {
  return store.rounds.all().map((r, i) => ({
    round: i + 1,
    modelId: r.model_id,
    createdAt: r.created_at,
    labeledPixels: r.labeled_pixels,
    humanPixels: r.human_pixels,
    acceptedPixels: r.accepted_pixels,
    labeledImages: r.labeled_images,
    labelingSeconds: r.labeling_seconds,
    valMiou: r.val_miou,
    fineTuned: r.fine_tuned === 1,
    labelsScope: r.labels_scope === "train" ? "train" : "all", // no column: a format <= 6 file opened read-only
    labelsByPerson: parseByPerson(r.labels_by_person),
  }));
}

function parseByPerson(json: string | null | undefined): PersonLabels[] | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as PersonLabels[]) : null;
  } catch {
    return null; // unreadable: shown as not recorded
  }
}
