import type { ClassDef } from "../../../app/common/api-types.ts";
import { classIndexForPress } from "../../../app/common/class-keys.ts";
import { commandFor, type Command } from "../../keymap.ts";
import { useCommands } from "../../state/commands.ts";
import { isTyping, useKeydown } from "../../state/keys.ts";

/**
 * The label screen's keys: a class's own key picks it; every other key is looked up in the
 * keymap (renderer/keymap.ts) and runs what `actions` does for its command, as the desktop
 * menu's items do.
 */
export function useLabelKeys(
  classes: ClassDef[],
  pickClass: (idx: number) => void,
  actions: Partial<Record<Command, () => void>>,
): void {
  useKeydown((e) => {
    if (isTyping(e)) return;
    const mod = e.ctrlKey || e.metaKey;
    const picked = classIndexForPress(e, classes.length);
    if (picked !== null) {
      // Shift+1 would type "!" into nothing, Shift+C nothing at all: the page keeps neither.
      e.preventDefault();
      return pickClass(picked);
    }
    const c = commandFor(e, ["label"]);
    if (!c) return;
    if (mod) e.preventDefault();
    actions[c]?.();
  });
  useCommands((c) => actions[c]?.());
}
