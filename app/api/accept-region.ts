import { Source, UNLABELED, type LabelMask } from "../labels/mask.ts";
import type { Rect } from "./types.ts";

/**
 * "Accept this region": the 4-connected region of pixels predicted as the same class as the
 * clicked pixel becomes a label of that class (source: accepted). Pixels already labeled keep
 * their label, so accepting never overwrites a person's work. Returns the new mask, or null
 * when nothing would change.
 */
export function acceptRegion(
  mask: LabelMask,
  predicted: Uint8Array,
  x: number,
  y: number,
): { mask: LabelMask; rect: Rect; classIdx: number; pixels: number } | null {
  const { width: w, height: h } = mask;
  if (x < 0 || y < 0 || x >= w || y >= h) return null;
  const cls = predicted[y * w + x];
  if (cls === UNLABELED) return null;
  const next: LabelMask = { ...mask, classes: mask.classes.slice(), sources: mask.sources.slice() };
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let top = 0;
  stack[top++] = y * w + x;
  seen[y * w + x] = 1;
  let minX = x;
  let maxX = x;
  let minY = y;
  let maxY = y;
  let pixels = 0;
  while (top > 0) {
    const i = stack[--top];
    const px = i % w;
    const py = (i - px) / w;
    if (next.classes[i] === UNLABELED) {
      next.classes[i] = cls;
      next.sources[i] = Source.accepted;
      pixels++;
      if (px < minX) minX = px;
      if (px > maxX) maxX = px;
      if (py < minY) minY = py;
      if (py > maxY) maxY = py;
    }
    const push = (j: number) => {
      if (!seen[j] && predicted[j] === cls) {
        seen[j] = 1;
        stack[top++] = j;
      }
    };
    if (px > 0) push(i - 1);
    if (px + 1 < w) push(i + 1);
    if (py > 0) push(i - w);
    if (py + 1 < h) push(i + w);
  }
  if (pixels === 0) return null;
  return { mask: next, rect: { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 }, classIdx: cls, pixels };
}
