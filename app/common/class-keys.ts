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
 * The class index a press picks, if any. A digit as typed picks among the first ten, Shift or
 * not (some layouts, e.g. AZERTY, type digits with Shift, as before); Shift on a digit key that
 * types something else (Shift+1 types "!" on a US keyboard) picks among the next ten, read by
 * the physical key; letters in either case. A digit key that types a symbol without Shift
 * (AZERTY's "-" on 6) keeps its own meaning.
 */
export function classIndexForPress(p: ClassKeyPress, classCount: number): number | null {
  if (p.ctrlKey || p.metaKey || p.altKey) return null;
  let key: string | null = null;
  if (/^\d$/.test(p.key)) key = p.key;
  else if (p.shiftKey && p.code && /^Digit\d$/.test(p.code)) key = `Shift+${p.code.slice(5)}`;
  else if (/^[a-z]$/i.test(p.key)) key = `${p.shiftKey ? "Shift+" : ""}${p.key.toUpperCase()}`;
  if (key === null) return null;
  const idx = KEYS.indexOf(key);
  return idx >= 0 && idx < classCount ? idx : null;
}

/** A class key as a narrow list shows it: "Shift+1" as "⇧1" (tooltips say it in full). */
export function shortKey(shortcut: string): string {
  return shortcut.replace("Shift+", "⇧");
}
