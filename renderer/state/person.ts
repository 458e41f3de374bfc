/**
 * Who this window acts as (#34). On a loopback server the person types a name once; it is kept
 * in this browser (localStorage, so every tab of this browser profile is the same person and
 * shares their undo) and sent with every API call in the x-pixelloop-person header. With a
 * person's own token (`serve --person`) the server knows the name and the UI only shows it; the
 * desktop app acts as the OS user unless a name is set from the header (sent over IPC).
 */
import { useSyncExternalStore } from "react";
import { PERSON_HEADER } from "../../app/common/person-name.ts";

const KEY = "pixelloop.person";

export interface PersonState {
  /** the name the server acts as, once asked (null before) */
  name: string | null;
  /** the server knows the person (their token) or this is the desktop app: no name to type */
  fixed: boolean;
  /** the name prompt is open */
  asking: boolean;
}

let state: PersonState = { name: null, fixed: false, asking: false };
/** the typed name when the browser keeps no storage for this page */
let typed: string | null = null;
const listeners = new Set<() => void>();

function set(next: Partial<PersonState>): void {
  state = { ...state, ...next };
  listeners.forEach((l) => l());
}

export function usePerson(): PersonState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

/** The name typed in this browser, if any. */
export function storedPersonName(): string | null {
  try {
    return localStorage.getItem(KEY) ?? typed;
  } catch {
    return typed; // storage blocked: the name typed on this page, if any
  }
}

/** The header that names this browser's person on every API call (none before a name is typed). */
export function personHeaders(): Record<string, string> {
  const name = storedPersonName();
  return name ? { [PERSON_HEADER]: encodeURIComponent(name) } : {};
}

/**
 * What the server answered to people.me; opens the prompt when a name is still to be typed
 * (`ask`: not in the desktop app, which acts as the OS user until a name is set from the header).
 */
export function personKnown(name: string, fixed: boolean, ask = true): void {
  set({ name, fixed, asking: ask && !fixed && storedPersonName() === null });
}

/** Keeps a typed (already checked) name for this browser. */
export function rememberPersonName(name: string): void {
  typed = name;
  try {
    localStorage.setItem(KEY, name);
  } catch {
    // storage blocked: the name holds for this page only (`typed`)
  }
  set({ name, asking: false });
}

export function askPersonName(open: boolean): void {
  set({ asking: open });
}
