import { decodeRle, encodeRle } from "./rle.ts";
import { cropLayer, pasteLayer, type Rect } from "../common/raster.ts";
import type { LabelMask } from "../common/mask.ts";

/**
 * The change one edit made to a mask, restricted to its bounding box: both layers before
 * and after. Undo pastes `before`, redo pastes `after`; nothing is re-rasterized.
 */
export interface MaskPatch {
  rect: Rect;
  beforeClasses: Uint8Array;
  beforeSources: Uint8Array;
  afterClasses: Uint8Array;
  afterSources: Uint8Array;
  /** change in labeled-pixel counts (after - before), when the producer counted it */
  delta?: { human: number; accepted: number };
}

export function capturePatch(before: LabelMask, after: LabelMask, rect: Rect): MaskPatch {
  return {
    rect,
    beforeClasses: cropLayer(before.classes, before.width, rect),
    beforeSources: cropLayer(before.sources, before.width, rect),
    afterClasses: cropLayer(after.classes, after.width, rect),
    afterSources: cropLayer(after.sources, after.width, rect),
  };
}

export function applyPatch(mask: LabelMask, patch: MaskPatch, direction: "undo" | "redo"): void {
  const undo = direction === "undo";
  pasteLayer(mask.classes, mask.width, patch.rect, undo ? patch.beforeClasses : patch.afterClasses);
  pasteLayer(mask.sources, mask.width, patch.rect, undo ? patch.beforeSources : patch.afterSources);
}

export function encodePatch(p: MaskPatch): Buffer {
  const parts = [p.beforeClasses, p.beforeSources, p.afterClasses, p.afterSources].map((a) => encodeRle(a));
  const header = Buffer.alloc(16);
  parts.forEach((b, i) => header.writeUInt32LE(b.length, i * 4));
  return Buffer.concat([header, ...parts]);
}

export function decodePatch(buf: Buffer, rect: Rect): MaskPatch {
  const n = rect.width * rect.height;
  const layers: Uint8Array[] = [];
  let off = 16;
  for (let i = 0; i < 4; i++) {
    const len = buf.readUInt32LE(i * 4);
    layers.push(decodeRle(buf.subarray(off, off + len), n));
    off += len;
  }
  return {
    rect,
    beforeClasses: layers[0],
    beforeSources: layers[1],
    afterClasses: layers[2],
    afterSources: layers[3],
  };
}
