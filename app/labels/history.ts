/**
 * Undo and redo of one change when others changed the image since (per-person undo). Every
 * change keeps a patch (its bounding box, both layers before and after). A pixel's history is
 * the chain of live changes that changed it, oldest first: each one's `before` is the value the
 * previous one left. Undoing change S out of the middle of that chain:
 *
 * - where no later live change touched a pixel, and it still holds what S wrote, S's `before`
 *   comes back;
 * - where a later live change T changed the pixel since, T's value stays (the later edit wins),
 *   and T's `before` becomes S's `before`: undoing T afterwards goes back to what was there
 *   before S, never to S's undone value.
 *
 * Redo of S mirrors it: where no later live change touched the pixel, S's `after` comes back
 * (and S's `before` is taken again from the mask: changes made before S may have been undone or
 * redone meanwhile); under a later live change T, T's value stays, S's `before`
 * takes T's `before` and T's `before` becomes S's `after` (S sits under T again).
 */
import type { LabelMask } from "../common/mask.ts";
import type { MaskPatch } from "./patch.ts";

/**
 * Undoes `s` on `mask` in place, over the live changes made after it (`later`, oldest first,
 * whose `before` layers are rewritten where they changed a pixel of `s`). Returns which of
 * `later` were rewritten (to be stored again).
 */
export function undoUnder(mask: LabelMask, s: MaskPatch, later: MaskPatch[]): boolean[] {
  return walk(mask, s, later, "undo");
}

/** Redoes `s` on `mask` in place; see undoUnder. `s.before` may be rewritten too (store it again). */
export function redoUnder(mask: LabelMask, s: MaskPatch, later: MaskPatch[]): boolean[] {
  return walk(mask, s, later, "redo");
}

function walk(mask: LabelMask, s: MaskPatch, later: MaskPatch[], direction: "undo" | "redo"): boolean[] {
  const { x: sx, y: sy, width: sw, height: sh } = s.rect;
  const resolved = new Uint8Array(sw * sh);
  for (let i = 0; i < resolved.length; i++) {
    if (s.beforeClasses[i] === s.afterClasses[i] && s.beforeSources[i] === s.afterSources[i]) resolved[i] = 1; // s did not change this pixel
  }
  const dirty = later.map(() => false);
  later.forEach((t, k) => {
    const x0 = Math.max(sx, t.rect.x);
    const y0 = Math.max(sy, t.rect.y);
    const x1 = Math.min(sx + sw, t.rect.x + t.rect.width);
    const y1 = Math.min(sy + sh, t.rect.y + t.rect.height);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = (y - sy) * sw + (x - sx);
        if (resolved[i]) continue;
        const j = (y - t.rect.y) * t.rect.width + (x - t.rect.x);
        if (t.beforeClasses[j] === t.afterClasses[j] && t.beforeSources[j] === t.afterSources[j]) continue;
        resolved[i] = 1;
        dirty[k] = true;
        if (direction === "undo") {
          t.beforeClasses[j] = s.beforeClasses[i];
          t.beforeSources[j] = s.beforeSources[i];
        } else {
          s.beforeClasses[i] = t.beforeClasses[j];
          s.beforeSources[i] = t.beforeSources[j];
          t.beforeClasses[j] = s.afterClasses[i];
          t.beforeSources[j] = s.afterSources[i];
        }
      }
    }
  });
  // Pixels no later live change touched. Undo: restored while they still hold what s wrote (they
  // always do unless the mask was changed outside the history). Redo: s's `before` is taken again
  // from the mask (changes made before s may have been undone or redone since), then s's value.
  const w = mask.width;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const i = y * sw + x;
      if (resolved[i]) continue;
      const m = (sy + y) * w + sx + x;
      if (direction === "undo") {
        if (mask.classes[m] !== s.afterClasses[i] || mask.sources[m] !== s.afterSources[i]) continue;
        mask.classes[m] = s.beforeClasses[i];
        mask.sources[m] = s.beforeSources[i];
      } else {
        s.beforeClasses[i] = mask.classes[m];
        s.beforeSources[i] = mask.sources[m];
        mask.classes[m] = s.afterClasses[i];
        mask.sources[m] = s.afterSources[i];
      }
    }
  }
  return dirty;
}
