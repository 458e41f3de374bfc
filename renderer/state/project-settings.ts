/**
 * Settings a person keeps per project in this browser (localStorage, keyed by the project file):
 * the brush, the classes hidden and locked. Not carried to another project; a browser's storage
 * is its person's, so two people on one server keep their own. Storage that cannot be read or
 * written (private mode, full) leaves the defaults: nothing fails for it.
 */
import { useCallback, useState } from "react";
import type { BrushShape } from "../../app/common/wire.ts";

export interface BrushSettings {
  /** diameter (round) or side (square) */
  size: number;
  /** screen pixels (the same on a small and a large image, at any zoom) or image pixels */
  unit: "screen" | "image";
  shape: BrushShape;
}

export const DEFAULT_BRUSH: BrushSettings = { size: 16, unit: "screen", shape: "round" };
export const MIN_BRUSH = 1;
export const MAX_BRUSH = 400;

export function isBrush(v: unknown): v is BrushSettings {
  const b = v as BrushSettings;
  return (
    typeof b === "object" &&
    b !== null &&
    typeof b.size === "number" &&
    b.size >= MIN_BRUSH &&
    b.size <= MAX_BRUSH &&
    (b.unit === "screen" || b.unit === "image") &&
    (b.shape === "round" || b.shape === "square")
  );
}

/** Class indices hidden and locked on the label screen. */
export interface ClassVisibility {
  hidden: number[];
  locked: number[];
}

export function isClassVisibility(v: unknown): v is ClassVisibility {
  const c = v as ClassVisibility;
  const indices = (a: unknown) =>
    Array.isArray(a) && a.length <= 255 && a.every((i) => Number.isInteger(i) && i >= 0 && i < 255);
  return typeof c === "object" && c !== null && indices(c.hidden) && indices(c.locked);
}

function storageKey(file: string, key: string): string {
  return `pixelloop:${key}:${file}`;
}

export function loadProjectSetting<T>(
  file: string,
  key: string,
  fallback: T,
  valid: (v: unknown) => v is T,
): T {
  if (!file) return fallback;
  try {
    const raw = localStorage.getItem(storageKey(file, key));
    if (raw === null) return fallback;
    const v: unknown = JSON.parse(raw);
    return valid(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

export function saveProjectSetting<T>(file: string, key: string, value: T): void {
  if (!file) return;
  try {
    localStorage.setItem(storageKey(file, key), JSON.stringify(value));
  } catch {
    // storage full or off: the setting lasts for this window only
  }
}

/** A setting of the open project: read when the project changes, saved on every change. */
export function useProjectSetting<T>(
  file: string,
  key: string,
  fallback: T,
  valid: (v: unknown) => v is T,
): [T, (next: T | ((old: T) => T)) => void] {
  const [state, setState] = useState(() => ({ file, value: loadProjectSetting(file, key, fallback, valid) }));
  let current = state;
  if (state.file !== file) {
    // Another project: its own setting (a state update during render, as React allows for this).
    current = { file, value: loadProjectSetting(file, key, fallback, valid) };
    setState(current);
  }
  const set = useCallback(
    (next: T | ((old: T) => T)) =>
      setState((old) => {
        const value = typeof next === "function" ? (next as (o: T) => T)(old.value) : next;
        saveProjectSetting(old.file, key, value);
        return { file: old.file, value };
      }),
    [key],
  );
  return [current.value, set];
}
