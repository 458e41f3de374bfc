import type { ClassDef } from "../../app/common/api-types.ts";

/**
 * Colors told apart at a glance, on dark and light images alike (after Sasha Trubetskoy's 20
 * distinct colors, gray and black left out): the high-contrast palette's, by class index.
 */
export const HIGH_CONTRAST = [
  "#ffe119",
  "#e6194b",
  "#3cb44b",
  "#4363d8",
  "#f58231",
  "#42d4f4",
  "#f032e6",
  "#bfef45",
  "#911eb4",
  "#fabed4",
  "#469990",
  "#dcbeff",
  "#9a6324",
  "#fffac8",
  "#800000",
  "#aaffc3",
  "#000075",
  "#ffd8b1",
];

/** How classes are drawn: their own colors or the high-contrast ones; hidden ones not at all. */
export interface ClassDisplay {
  highContrast?: boolean;
  hidden?: readonly number[];
}

/** The color a class is drawn in. */
export function displayColor(c: ClassDef, d: ClassDisplay = {}): string {
  return d.highContrast ? HIGH_CONTRAST[c.idx % HIGH_CONTRAST.length] : c.color;
}

/** 256-entry RGBA lookup (as little-endian uint32) from class index to color; 255 = transparent. */
export function classPalette(classes: ClassDef[], d: ClassDisplay = {}): Uint32Array {
  const lut = new Uint32Array(256);
  for (const c of classes) {
    if (d.hidden?.includes(c.idx)) continue;
    const n = parseInt(displayColor(c, d).slice(1), 16);
    const r = (n >> 16) & 255;
    const g = (n >> 8) & 255;
    const b = n & 255;
    lut[c.idx] = (255 << 24) | (b << 16) | (g << 8) | r;
  }
  lut[255] = 0;
  return lut;
}

/** Accepted-prediction hatching: value 1 = a white hatch line, anything else transparent. */
export function hatchPalette(): Uint32Array {
  const lut = new Uint32Array(256);
  lut[1] = 0xffffffff;
  return lut;
}

/** magma's stops (dark purple, red, orange, pale yellow): brightness grows with the value. */
const MAGMA: [number, number, number][] = [
  [0x3b, 0x0f, 0x70],
  [0x8c, 0x29, 0x81],
  [0xde, 0x49, 0x68],
  [0xfe, 0x9f, 0x6d],
  [0xfc, 0xfd, 0xbf],
];

function magma(t: number): [number, number, number] {
  const f = Math.min(1, Math.max(0, t)) * (MAGMA.length - 1);
  const i = Math.min(MAGMA.length - 2, Math.floor(f));
  const u = f - i;
  const a = MAGMA[i];
  const b = MAGMA[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * u)) as [number, number, number];
}

/**
 * The uncertainty value above which lie at most `top` (0..1) of the pixels: what the overlay
 * shows. -1 with top >= 1 (every pixel). Equal values are kept together, so a map that is the
 * same everywhere shows nothing: it says nowhere in particular.
 */
export function uncertaintyThreshold(values: Uint8Array, top: number): number {
  if (top >= 1) return -1;
  const hist = new Uint32Array(256);
  for (let i = 0; i < values.length; i++) hist[values[i]]++;
  const allowed = top * values.length;
  let above = 0;
  for (let t = 255; t >= 0; t--) {
    if (above + hist[t] > allowed) return t;
    above += hist[t];
  }
  return -1;
}

/**
 * Uncertainty 0..255 as a perceptual ramp (magma) over the pixels above `threshold` only, each
 * more opaque the less sure the model is; the rest transparent, so the image stays visible.
 */
export function uncertaintyPalette(threshold: number): Uint32Array {
  const lut = new Uint32Array(256);
  const from = Math.max(0, threshold + 1);
  for (let v = from; v < 256; v++) {
    const t = from >= 255 ? 1 : (v - from) / (255 - from);
    const [r, g, b] = magma(0.15 + 0.85 * t);
    const a = Math.round(255 * (0.3 + 0.7 * t));
    lut[v] = ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
  }
  return lut;
}
