/**
 * Whether and how a class can be deleted, said as a person reads it (the confirmation shows it).
 * Any class but the last one in use can go:
 *
 * - "remove": the last class, unused (no label, no undo step that holds it, no model that
 *   predicts it): its row goes, and the next class added takes its index again;
 * - "clear": otherwise: its labels become unlabeled in every mask and undo patch and the class is
 *   marked deleted with its index kept (a tombstone, docs/schema.md), so the classes after it,
 *   the models and their predictions keep their meaning. One transaction
 *   (ProjectStore.deleteClass).
 */
import type { ProjectStore } from "../store/project-store.ts";
import { modelClassCount } from "../jobs/project-training.ts";

export interface ClassDeleteCheck {
  name: string;
  /** labeled pixels of the class, and the images they are on: what deleting it clears */
  pixels: number;
  images: number;
  /** why it cannot be deleted (null: it can) */
  refused: string | null;
  /** how it would go (null when refused) */
  mode: "remove" | "clear" | null;
}

export function classDeleteCheck(store: ProjectStore, idx: number): ClassDeleteCheck {
  const classes = store.classes();
  const c = classes[idx];
  if (!c)
    return {
      name: String(idx),
      pixels: 0,
      images: 0,
      refused: `no class ${idx} (the project has ${classes.length})`,
      mode: null,
    };
  const refuse = (refused: string, pixels = 0, images = 0) => ({
    name: c.name,
    pixels,
    images,
    refused,
    mode: null,
  });
  if (c.deleted) return refuse(`"${c.name}" was deleted already`);
  if (classes.filter((o) => !o.deleted).length <= 1) return refuse("a project needs at least one class");
  const use = store.classUse(idx);
  const unused =
    idx === classes.length - 1 &&
    use.pixels === 0 &&
    use.historyChanges === 0 &&
    ![...store.models.metricsNewestFirst()].some((m) => modelClassCount(store, m.id) > idx);
  return {
    name: c.name,
    pixels: use.pixels,
    images: use.images,
    refused: null,
    mode: unused ? "remove" : "clear",
  };
}
