import { decodeRle } from "./rle-decode.ts";
/**
 * Wire formats shared by the core and the UI, free of Node and DOM types.
 * Layers travel as RLE (the store's format: value u8, run length LEB128) in base64.
 * The rasterizers are the core's own, so what the UI paints while drawing is exactly
 * what the core stores when the stroke is committed.
 */
export { rasterizeBrush, rasterizePolygon, type BrushShape, type Point } from "./raster.ts";
export { UNLABELED } from "./mask.ts";

export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(s);
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export { decodeRle };

export function decodeRleBase64(b64: string, length: number): Uint8Array {
  return decodeRle(base64ToBytes(b64), length);
}
