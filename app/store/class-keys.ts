/**
 * The key that picks each class while labeling, from its index alone (so projects made before a
 * key existed for it get one too). Pure data with no imports: the store fills ClassDef.shortcut
 * with it and the renderer's keymap lists and matches it.
 *
 * 1-9, 0 pick the first ten classes; Shift+1 … Shift+0 the next ten; then the letters the label
 * screen's keymap leaves free, plain and with Shift. A class past those (over 44) has no key: it
 * is picked in the class list.
 */
export const CLASS_DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];
/** Letters no key of the label screen uses (renderer/keymap.test.ts checks it). */
export const CLASS_LETTERS = ["C", "D", "H", "J", "O", "Q", "S", "V", "W", "X", "Y", "Z"];

const KEYS: string[] = [
  ...CLASS_DIGITS,
  ...CLASS_DIGITS.map((d) => `Shift+${d}`),
  ...CLASS_LETTERS,
  ...CLASS_LETTERS.map((l) => `Shift+${l}`),
];

/** How many classes have a key. */
export const CLASS_KEY_COUNT = KEYS.length;

/** The key of class `idx` as the class list shows it ("3", "Shift+1", "C"), or null past the last. */
export function classShortcut(idx: number): string | null {
  return KEYS[idx] ?? null;
}

/** The parts of a key press a class key reads (a KeyboardEvent has them). */
export interface ClassKeyPress {
  key: string;
  code?: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/**
 * The class index a press picks, if any. Digits with Shift are read by their physical key
 * (Shift+1 types "!" on a US keyboard), letters in either case.
 */
export function classIndexForPress(p: ClassKeyPress, classCount: number): number | null {
  if (p.ctrlKey || p.metaKey || p.altKey) return null;
  let base: string | null = null;
  if (p.code && /^Digit\d$/.test(p.code)) base = p.code.slice(5);
  else if (/^\d$/.test(p.key)) base = p.key;
  else if (/^[a-z]$/i.test(p.key)) base = p.key.toUpperCase();
  if (base === null) return null;
  const idx = KEYS.indexOf(p.shiftKey ? `Shift+${base}` : base);
  return idx >= 0 && idx < classCount ? idx : null;
}

/** A class key as a narrow list shows it: "Shift+1" as "⇧1" (tooltips say it in full). */
export function shortKey(shortcut: string): string {
  return shortcut.replace("Shift+", "⇧");
}
