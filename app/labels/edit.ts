import { Source, UNLABELED, cloneMask, type LabelMask } from "../common/mask.ts";
import {
  type BrushShape,
  cropLayer,
  rasterizeBrush,
  rasterizePolygon,
  strokeBounds,
  type Point,
  type Rect,
} from "../common/raster.ts";
import type { MaskPatch } from "./patch.ts";

export type EditTool = "brush" | "eraser" | "polygon";

export interface StrokeInput {
  tool: EditTool;
  /** class to paint; ignored by the eraser */
  classIdx: number | null;
  /** brush diameter in image pixels */
  width: number;
  /** image coordinates (pixel (x, y) covers [x, x+1) x [y, y+1)) */
  points: Point[];
  /** classes the stroke leaves as they are (locked in the UI): neither painted over nor erased */
  protect?: readonly number[];
  /** the brush's tip (brush and eraser): round (default) or square */
  shape?: BrushShape;
}

/**
 * Applies a stroke to a copy of the mask. Returns the new mask and the changed rectangle,
 * or null when the stroke touches no pixel of the image.
 */
export function applyStroke(mask: LabelMask, s: StrokeInput): { mask: LabelMask; rect: Rect } | null {
  const next: LabelMask = cloneMask(mask);
  const r = applyStrokeInPlace(next, s);
  return r ? { mask: next, rect: r.rect } : null;
}

/**
 * Applies a stroke to the mask itself and returns the patch (the changed rectangle, before
 * and after), or null when the stroke touches no pixel. Cost follows the stroke's size.
 */
export function applyStrokeInPlace(mask: LabelMask, s: StrokeInput): { rect: Rect; patch: MaskPatch } | null {
  const { width: w, height: h } = mask;
  // Rasterize into a scratch layer the size of the stroke's bounding box.
  const r = s.tool === "polygon" ? 0 : Math.max(0.5, s.width / 2);
  const bounds = strokeBounds(s.points, r + 1, w, h); // 1 px margin for rounding
  if (!bounds) return null;
  const local = s.points.map(([x, y]) => [x - bounds.x, y - bounds.y] as Point);
  const hit = new Uint8Array(bounds.width * bounds.height);
  const drawn =
    s.tool === "polygon"
      ? rasterizePolygon(hit, bounds.width, bounds.height, local, 1)
      : rasterizeBrush(hit, bounds.width, bounds.height, local, s.width, 1, s.shape);
  if (!drawn) return null;
  const rect: Rect = {
    x: bounds.x + drawn.x,
    y: bounds.y + drawn.y,
    width: drawn.width,
    height: drawn.height,
  };
  const beforeClasses = cropLayer(mask.classes, w, rect);
  const beforeSources = cropLayer(mask.sources, w, rect);
  const erase = s.tool === "eraser";
  const cls = erase ? UNLABELED : (s.classIdx as number);
  const src = erase ? Source.none : Source.human;
  // Count the change in labeled pixels while painting, so saving needs no scan.
  let human = 0;
  let accepted = 0;
  const newHuman = cls !== UNLABELED ? 1 : 0; // strokes are drawn by a person: never "accepted"
  const locked = s.protect?.length ? new Uint8Array(256) : null;
  for (const c of s.protect ?? []) if (locked && c !== UNLABELED) locked[c] = 1;
  for (let y = 0; y < drawn.height; y++) {
    const hitRow = (drawn.y + y) * bounds.width + drawn.x;
    const maskRow = (rect.y + y) * w + rect.x;
    for (let x = 0; x < drawn.width; x++) {
      if (hit[hitRow + x]) {
        const i = maskRow + x;
        if (locked && locked[mask.classes[i]]) continue;
        if (mask.classes[i] !== UNLABELED) {
          if (mask.sources[i] === Source.accepted) accepted--;
          else human--;
        }
        human += newHuman;
        mask.classes[i] = cls;
        mask.sources[i] = src;
      }
    }
  }
  return {
    rect,
    patch: {
      delta: { human, accepted },
      rect,
      beforeClasses,
      beforeSources,
      afterClasses: cropLayer(mask.classes, w, rect),
      afterSources: cropLayer(mask.sources, w, rect),
    },
  };
}

/** Bounding box of the pixels where two masks differ in either layer, or null when equal. */
export function changedRect(a: LabelMask, b: LabelMask): Rect | null {
  const width = a.width;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  for (let i = 0; i < a.classes.length; i++) {
    if (a.classes[i] !== b.classes[i] || a.sources[i] !== b.sources[i]) {
      const x = i % width;
      const y = (i - x) / width;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) return null;
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}
