/**
 * Status: what a project holds (images by split, classes, labels by provenance and split,
 * strokes, models) and how far the current round's queue is worked on. The flow behind
 * `pixelloop status`.
 */
import type { ProjectStore } from "../store/project-store.ts";
import type { Split } from "../common/project-types.ts";
import type { SplitLabelCounts } from "../store/summary.ts";
import type { PersonLabels } from "../store/labels-by-person.ts";
import { suggestions } from "../loop/shown-queue.ts";
import { newestModelUnpredicted } from "../loop/prediction-data.ts";

export interface ProjectStatus {
  project: string;
  name: string;
  images: number;
  splits: Record<Split, number>;
  classes: number;
  classNames: string[];
  labeledImages: number;
  labeledPixels: number;
  humanPixels: number;
  acceptedPixels: number;
  totalPixels: number;
  labeledFraction: number;
  strokes: number;
  models: number;
  /** the app's suggestion queue and how much of it is done this round (null before one is picked) */
  queue: { images: number; worked: number } | null;
  /** per split with images: what training learns from (train) apart from the held-out check (val) */
  labelsBySplit: Partial<Record<Split, SplitLabelCounts>>;
  /** labeled pixels by person, every split (#34) */
  labelsByPerson: PersonLabels[];
}

/** Labeled pixels by person over every image: the status's and the UI's (people.labels). */
export function labelsByPerson(store: ProjectStore): PersonLabels[] {
  return store.people.bySplit();
}

/**
 * The project's status, and the newest model when it has no predictions yet (train --no-predict,
 * import-model: the queue belongs to the newest predictions), else null.
 */
export function projectStatus(store: ProjectStore): {
  status: ProjectStatus;
  unpredictedModel: number | null;
} {
  const s = store.summary();
  const classes = store.classes();
  const q = suggestions(store, Number.MAX_SAFE_INTEGER);
  const status: ProjectStatus = {
    project: store.file,
    name: store.name,
    images: s.images,
    splits: s.bySplit,
    classes: classes.length,
    classNames: classes.map((c) => c.name),
    labeledImages: s.labeledImages,
    labeledPixels: s.labeledPixels,
    humanPixels: s.humanPixels,
    acceptedPixels: s.acceptedPixels,
    totalPixels: s.totalPixels,
    labeledFraction: s.totalPixels ? s.labeledPixels / s.totalPixels : 0,
    strokes: s.strokes,
    models: s.models,
    queue: q.length ? { images: q.length, worked: q.filter((x) => x.worked).length } : null,
    labelsBySplit: Object.fromEntries(
      (["train", "val", "test"] as const)
        .filter((split) => s.bySplit[split] > 0)
        .map((split) => [split, store.labelCounts(split)]),
    ),
    labelsByPerson: labelsByPerson(store),
  };
  return { status, unpredictedModel: newestModelUnpredicted(store) };
}
