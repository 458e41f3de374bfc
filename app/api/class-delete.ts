/**
 * Whether a class can be deleted, said as a person reads it. Only an unused class can, and
 * only the last one: deleting another would renumber the classes after it in every mask, undo
 * patch and model; deleting one with labels would need every label and model rewritten.
 */
import type { ProjectStore } from "../store/project-store.ts";
import { modelClassCount } from "../jobs/project-training.ts";

export interface ClassDeleteCheck {
  name: string;
  pixels: number;
  images: number;
  /** why it cannot be deleted (null: it can) */
  refused: string | null;
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
    };
  const use = store.classUse(idx);
  const base = { name: c.name, pixels: use.pixels, images: use.images };
  const refuse = (refused: string) => ({ ...base, refused });
  if (classes.length <= 1) return refuse("a project needs at least one class");
  if (use.pixels > 0)
    return refuse(
      `"${c.name}" has ${use.pixels.toLocaleString("en")} labeled pixels on ${use.images} image${use.images === 1 ? "" : "s"}: deleting a class with labels is not supported yet; erase them first`,
    );
  if (use.historyChanges > 0)
    return refuse(
      `"${c.name}" is in ${use.historyChanges} change${use.historyChanges === 1 ? "" : "s"} of the undo history, which undo or redo could bring back`,
    );
  if (idx !== classes.length - 1)
    return refuse(
      `only the last class (${classes.at(-1)?.name}) can be deleted: deleting "${c.name}" would renumber the classes after it`,
    );
  for (const m of store.models.metricsNewestFirst())
    if (modelClassCount(store, m.id) > idx)
      return refuse(
        `model ${m.id} was trained with "${c.name}" and predicts it; its predictions would show a class that is gone`,
      );
  return { ...base, refused: null };
}
