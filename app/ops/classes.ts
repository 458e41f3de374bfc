/**
 * Class edits both doors run: `pixelloop classes add|rename|color` and the API's classes.add /
 * classes.update. A new class gets the palette's next color unless one is given; a class is
 * named by its name or index.
 */
import type { ProjectStore } from "../store/project-store.ts";
import { paletteColor } from "../common/palette.ts";
import type { ClassDef } from "../common/project-types.ts";

export function addClass(store: ProjectStore, name: string, color?: string): ClassDef {
  return store.addClass(name, color ?? paletteColor(store.classes().length));
}

/** Renames or recolors the class `ref` (a name or an index). */
export function editClass(
  store: ProjectStore,
  ref: string | number,
  change: { name?: string; color?: string },
): ClassDef {
  const idx = typeof ref === "number" ? ref : store.findClass(ref).idx;
  return store.updateClass(idx, change);
}
