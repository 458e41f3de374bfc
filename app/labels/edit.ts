import { Source, UNLABELED, type LabelMask } from "./mask.ts";
import { rasterizeBrush, rasterizePolygon, type Point, type Rect } from "./raster.ts";

export type EditTool = "brush" | "eraser" | "polygon";

export interface StrokeInput {
  tool: EditTool;
  /** class to paint; ignored by the eraser */
  classIdx: number | null;
  /** brush diameter in image pixels */
  width: number;
  /** image coordinates (pixel (x, y) covers [x, x+1) x [y, y+1)) */
  points: Point[];
}

/**
 * Applies a stroke to a copy of the mask. Returns the new mask and the changed rectangle,
 * or null when the stroke touches no pixel of the image.
 */
export function applyStroke(mask: LabelMask, s: StrokeInput): { mask: LabelMask; rect: Rect } | null {
  const next: LabelMask = { ...mask, classes: mask.classes.slice(), sources: mask.sources.slice() };
  const { width: w, height: h } = mask;
  // Rasterize into a scratch layer of 0/1 first, then write classes and sources from it.
  const hit = new Uint8Array(w * h);
  const rect =
    s.tool === "polygon"
      ? rasterizePolygon(hit, w, h, s.points, 1)
      : rasterizeBrush(hit, w, h, s.points, s.width, 1);
  if (!rect) return null;
  const erase = s.tool === "eraser";
  const cls = erase ? UNLABELED : (s.classIdx as number);
  const src = erase ? Source.none : Source.human;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let i = y * w + rect.x, end = i + rect.width; i < end; i++) {
      if (hit[i]) {
        next.classes[i] = cls;
        next.sources[i] = src;
      }
    }
  }
  return { mask: next, rect };
}

/** Bounding box of the pixels where two layers differ, or null when they are equal. */
export function diffRect(a: Uint8Array, b: Uint8Array, width: number): Rect | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
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
