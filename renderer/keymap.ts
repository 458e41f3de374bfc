/**
 * The one keymap: every shortcut of the app, as data. It drives the key handling (the label
 * screen, the grid, the app), the shortcuts sheet (?), and the Electron menu's items and
 * accelerators (main/menu.ts). Plain TypeScript importing only the pure class-key table, so the
 * main process can read it without pulling in React or the DOM.
 */
import { CLASS_DIGITS, CLASS_KEY_COUNT, CLASS_LETTERS } from "../app/common/class-keys.ts";

/** One key: `key` as KeyboardEvent.key gives it; `mod` is Ctrl (Cmd on macOS). */
export interface KeySpec {
  key: string;
  mod?: boolean;
  shift?: boolean;
}

export type Command =
  | "tool.brush"
  | "tool.eraser"
  | "tool.polygon"
  | "tool.accept"
  | "brush.smaller"
  | "brush.larger"
  | "undo"
  | "redo"
  | "polygon.close"
  | "polygon.cancel"
  | "zoom.fit"
  | "zoom.1"
  | "zoom.in"
  | "zoom.out"
  | "layer.labels"
  | "layer.accepted"
  | "layer.prediction"
  | "layer.uncertainty"
  | "layer.image"
  | "suggestion.next"
  | "region.next"
  | "region.prev"
  | "image.next"
  | "image.prev"
  | "grid"
  | "grid.open"
  | "grid.search"
  | "grid.import"
  | "training"
  | "shortcuts"
  | "class.pick"
  | "pan"
  | "zoom.wheel"
  | "project.new"
  | "project.open"
  | "import"
  | "export";

export type Scope =
  /** the label screen */
  | "label"
  /** the image grid */
  | "grid"
  /** every screen */
  | "app"
  /** only as a menu item of the desktop app (the browser keeps its own Ctrl+N, Ctrl+O…) */
  | "menu";

export interface Binding {
  command: Command;
  scope: Scope;
  keys: KeySpec[];
  /** in the shortcuts sheet: its group and what it does (none: not listed) */
  sheet?: { group: "Labeling" | "View" | "Moving around"; keys?: string; text: string };
  /** in the desktop app's menu: under which menu, as what (accelerator: the first key) */
  menu?: { menu: "File" | "Edit" | "View" | "Help"; label: string; accelerator?: boolean };
}

const k = (key: string, more: Omit<KeySpec, "key"> = {}): KeySpec => ({ key, ...more });

export const KEYMAP: Binding[] = [
  // File (desktop menu only)
  {
    command: "project.new",
    scope: "menu",
    keys: [k("n", { mod: true })],
    menu: { menu: "File", label: "New Project…", accelerator: true },
  },
  {
    command: "project.open",
    scope: "menu",
    keys: [k("o", { mod: true })],
    menu: { menu: "File", label: "Open Project…", accelerator: true },
  },
  {
    command: "import",
    scope: "menu",
    keys: [k("i", { mod: true })],
    menu: { menu: "File", label: "Import Images…", accelerator: true },
  },
  {
    command: "export",
    scope: "menu",
    keys: [k("e", { mod: true })],
    menu: { menu: "File", label: "Export…", accelerator: true },
  },
  // Labeling
  { command: "tool.brush", scope: "label", keys: [k("b")], sheet: { group: "Labeling", text: "Brush" } },
  { command: "tool.eraser", scope: "label", keys: [k("e")], sheet: { group: "Labeling", text: "Eraser" } },
  {
    command: "tool.polygon",
    scope: "label",
    keys: [k("p")],
    sheet: { group: "Labeling", text: "Polygon fill (click points, double-click or Enter to fill)" },
  },
  {
    command: "tool.accept",
    scope: "label",
    keys: [k("a")],
    sheet: { group: "Labeling", text: "Accept a predicted region (click it)" },
  },
  {
    command: "brush.smaller",
    scope: "label",
    keys: [k("[")],
    sheet: { group: "Labeling", keys: "[  ]", text: "Smaller / larger brush" },
  },
  { command: "brush.larger", scope: "label", keys: [k("]")] },
  // Class keys come from the project's classes (ClassDef.shortcut, app/common/class-keys.ts):
  // listed, not matched here.
  {
    command: "class.pick",
    scope: "label",
    keys: [],
    sheet: {
      group: "Labeling",
      keys: "1 … 9, 0 · ⇧1 … ⇧0 · letters",
      text: `Pick class (${CLASS_DIGITS.length} by digits, ${CLASS_DIGITS.length} by Shift+digits, then ${CLASS_LETTERS.join(" ")} and ⇧ with them: ${CLASS_KEY_COUNT} in all; the class list shows each key)`,
    },
  },
  {
    command: "undo",
    scope: "label",
    keys: [k("z", { mod: true })],
    sheet: { group: "Labeling", text: "Undo" },
    menu: { menu: "Edit", label: "Undo", accelerator: true },
  },
  {
    command: "redo",
    scope: "label",
    keys: [k("z", { mod: true, shift: true }), k("y", { mod: true })],
    sheet: { group: "Labeling", text: "Redo" },
    menu: { menu: "Edit", label: "Redo", accelerator: true },
  },
  { command: "polygon.close", scope: "label", keys: [k("Enter")] },
  {
    command: "polygon.cancel",
    scope: "label",
    keys: [k("Escape")],
    sheet: { group: "Labeling", text: "Cancel the polygon / close a dialog" },
  },
  // View (the pointer's part is listed too)
  {
    command: "pan",
    scope: "label",
    keys: [],
    sheet: { group: "View", keys: "Space + drag", text: "Pan (or middle mouse button)" },
  },
  {
    command: "zoom.wheel",
    scope: "label",
    keys: [],
    sheet: { group: "View", keys: "Wheel", text: "Zoom around the pointer" },
  },
  {
    command: "zoom.fit",
    scope: "label",
    keys: [k("0", { mod: true }), k("f")],
    sheet: { group: "View", keys: "F, Ctrl+0", text: "Fit to window" },
    menu: { menu: "View", label: "Zoom to Fit", accelerator: true },
  },
  {
    command: "zoom.1",
    scope: "label",
    keys: [k("1", { mod: true })],
    sheet: { group: "View", text: "Actual pixels (1:1)" },
    menu: { menu: "View", label: "Actual Size", accelerator: true },
  },
  {
    command: "zoom.in",
    scope: "label",
    keys: [k("+"), k("=")],
    sheet: { group: "View", keys: "+  −", text: "Zoom in / out" },
  },
  { command: "zoom.out", scope: "label", keys: [k("-")] },
  {
    command: "layer.labels",
    scope: "label",
    keys: [k("l")],
    sheet: {
      group: "View",
      keys: "L  M  K  U  I",
      text: "Show/hide labels, accepted hatching, prediction, uncertainty, image",
    },
  },
  { command: "layer.accepted", scope: "label", keys: [k("m")] },
  {
    command: "layer.prediction",
    scope: "label",
    keys: [k("k")],
    menu: { menu: "View", label: "Toggle Prediction Layer" },
  },
  {
    command: "layer.uncertainty",
    scope: "label",
    keys: [k("u")],
    menu: { menu: "View", label: "Toggle Uncertainty Layer" },
  },
  { command: "layer.image", scope: "label", keys: [k("i")] },
  // Moving around
  {
    command: "suggestion.next",
    scope: "label",
    keys: [k("n")],
    sheet: {
      group: "Moving around",
      text: "Next suggested image not done yet (unsure, and unlike what is labeled)",
    },
  },
  {
    command: "region.next",
    scope: "label",
    keys: [k("r")],
    sheet: {
      group: "Moving around",
      keys: "R / Shift+R",
      text: "Zoom to the image's next / previous suggested region",
    },
  },
  { command: "region.prev", scope: "label", keys: [k("R")] },
  {
    command: "image.prev",
    scope: "label",
    keys: [k("ArrowLeft"), k("PageUp")],
    sheet: { group: "Moving around", keys: "←  →", text: "Previous / next image" },
  },
  { command: "image.next", scope: "label", keys: [k("ArrowRight"), k("PageDown")] },
  {
    command: "grid",
    scope: "label",
    keys: [k("g")],
    sheet: { group: "Moving around", text: "Back to the image grid" },
  },
  {
    command: "grid.open",
    scope: "grid",
    keys: [k("Enter")],
    sheet: { group: "Moving around", text: "Open the focused image (grid)" },
  },
  {
    command: "grid.search",
    scope: "grid",
    keys: [k("/")],
    sheet: { group: "Moving around", text: "Search image names (grid)" },
  },
  { command: "grid.import", scope: "grid", keys: [k("i")] },
  { command: "suggestion.next", scope: "grid", keys: [k("n")] },
  {
    command: "training",
    scope: "label",
    keys: [k("t")],
    sheet: { group: "Moving around", text: "Training panel" },
  },
  { command: "training", scope: "grid", keys: [k("t")] },
  {
    command: "shortcuts",
    scope: "app",
    keys: [k("?")],
    sheet: { group: "Moving around", text: "This sheet" },
    menu: { menu: "Help", label: "Keyboard Shortcuts", accelerator: true },
  },
];

/** The keys of one binding as the sheet shows them ("Ctrl+Shift+Z, Ctrl+Y"). */
export function keyLabel(keys: KeySpec[]): string {
  const names: Record<string, string> = { Escape: "Esc", ArrowLeft: "←", ArrowRight: "→", PageUp: "Page Up" };
  return keys
    .map((s) => {
      const key = names[s.key] ?? (s.key.length === 1 ? s.key.toUpperCase() : s.key);
      const mods = `${s.mod ? "Ctrl+" : ""}${s.shift || (s.key.length === 1 && s.key !== s.key.toLowerCase()) ? "Shift+" : ""}`;
      return mods + key;
    })
    .join(", ");
}

/** An Electron accelerator for a key ("CmdOrCtrl+Shift+Z"). */
export function accelerator(s: KeySpec): string {
  return `${s.mod ? "CmdOrCtrl+" : ""}${s.shift ? "Shift+" : ""}${s.key.length === 1 ? s.key.toUpperCase() : s.key}`;
}

/** The keys of a press the keymap reads (a KeyboardEvent has them all). */
export interface Press {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/**
 * The command a key press gives in these scopes, if any. With Ctrl/Cmd the letter's case and
 * Shift are read from the spec; without, the key as typed (r and R differ; Shift is how + is
 * typed). Alt never takes part.
 */
export function commandFor(p: Press, scopes: Scope[]): Command | null {
  if (p.altKey) return null;
  const mod = p.ctrlKey || p.metaKey;
  for (const b of KEYMAP) {
    if (!scopes.includes(b.scope)) continue;
    for (const s of b.keys) {
      if (!!s.mod !== mod) continue;
      if (mod) {
        if (s.key.toLowerCase() === p.key.toLowerCase() && !!s.shift === p.shiftKey) return b.command;
      } else if (s.key === p.key) return b.command;
    }
  }
  return null;
}

/** The shortcuts sheet's groups, in the keymap's order. */
export function sheetGroups(): { title: string; items: [string, string][] }[] {
  const groups: { title: string; items: [string, string][] }[] = [];
  for (const b of KEYMAP) {
    if (!b.sheet) continue;
    let g = groups.find((x) => x.title === b.sheet?.group);
    if (!g) groups.push((g = { title: b.sheet.group, items: [] }));
    g.items.push([b.sheet.keys ?? keyLabel(b.keys), b.sheet.text]);
  }
  return groups;
}
