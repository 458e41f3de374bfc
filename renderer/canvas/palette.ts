import type { ClassDef } from "../../app/api/types.ts";

/** 256-entry RGBA lookup (as little-endian uint32) from class index to color; 255 = transparent. */
export function classPalette(classes: ClassDef[]): Uint32Array {
  const lut = new Uint32Array(256);
  for (const c of classes) {
    const n = parseInt(c.color.slice(1), 16);
    const r = (n >> 16) & 255;
    const g = (n >> 8) & 255;
    const b = n & 255;
    lut[c.idx] = (255 << 24) | (b << 16) | (g << 8) | r;
  }
  lut[255] = 0;
  return lut;
}

/** Uncertainty 0..255 to a warm heat color whose alpha grows with uncertainty. */
export function heatPalette(): Uint32Array {
  const lut = new Uint32Array(256);
  for (let v = 0; v < 256; v++) {
    const t = v / 255;
    const r = Math.round(255 * Math.min(1, 0.3 + t * 1.2));
    const g = Math.round(255 * Math.max(0, Math.min(1, (t - 0.35) * 1.6)));
    const b = Math.round(255 * Math.max(0, 0.5 - t) * 0.8);
    const a = Math.round(255 * Math.min(1, t * 1.4));
    lut[v] = ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
  }
  return lut;
}

/** Accepted-prediction hatching: value 1 = a white hatch line, anything else transparent. */
export function hatchPalette(): Uint32Array {
  const lut = new Uint32Array(256);
  lut[1] = 0xffffffff;
  return lut;
}
