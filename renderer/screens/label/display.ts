/**
 * How the open image is shown, apart from the layers' visibility and opacity: the picture's
 * levels (brightness, contrast, gamma; auto levels from what is in view), labels as outlines,
 * the high-contrast palette, how much of the uncertainty map is shown, and classes hidden or
 * locked (not painted over, not erased). Kept for the window, from image to image.
 */
export interface Display {
  /** multiplies the picture's values (1: as is) */
  brightness: number;
  /** around mid-gray (1: as is) */
  contrast: number;
  /** >1 brightens the dark parts (1: as is) */
  gamma: number;
  /** stretch the levels of what is in view (its 1st..99th percentile) when it is dark or flat */
  autoLevels: boolean;
  outline: boolean;
  highContrast: boolean;
  /** the most unsure share of the pixels the uncertainty layer shows (1: every pixel) */
  uncertaintyTop: number;
  hidden: number[];
  locked: number[];
}

export const DEFAULT_DISPLAY: Display = {
  brightness: 1,
  contrast: 1,
  gamma: 1,
  autoLevels: true,
  outline: false,
  highContrast: false,
  uncertaintyTop: 0.2,
  hidden: [],
  locked: [],
};

/** The shares of pixels the uncertainty layer may show, as the select offers them. */
export const UNCERTAINTY_TOPS = [0.05, 0.1, 0.2, 0.5, 1];

/** Locked classes as a 256-entry lookup for RasterLayer's strokes (null: none locked). */
export function protectLut(locked: readonly number[]): Uint8Array | null {
  if (locked.length === 0) return null;
  const lut = new Uint8Array(256);
  for (const c of locked) lut[c] = 1;
  return lut;
}

/** The levels that stretch [lo, hi] (0..1) to the full range, as CSS brightness and contrast. */
export function stretch(lo: number, hi: number): { brightness: number; contrast: number } {
  // brightness b then contrast c: v -> (v b - 0.5) c + 0.5 = (v - lo) / (hi - lo)
  const c = (hi + lo) / (hi - lo);
  return { brightness: 1 / (hi + lo), contrast: c };
}

/** A view whose 99th percentile is below this is dark... */
const DARK = 0.6;
/** ... and one whose 1st..99th percentiles are closer than this is flat. */
const FLAT = 0.25;

/**
 * The 1st and 99th percentile of a luminance sample (0..255, `w` wide) in a rectangle of it;
 * null when the rectangle has no pixel, or is neither dark nor flat (left as it is).
 */
export function percentiles(
  lum: Uint8Array,
  w: number,
  rect: { x0: number; y0: number; x1: number; y1: number },
): { lo: number; hi: number } | null {
  const hist = new Uint32Array(256);
  let n = 0;
  for (let y = rect.y0; y < rect.y1; y++)
    for (let x = rect.x0; x < rect.x1; x++) {
      hist[lum[y * w + x]]++;
      n++;
    }
  if (n === 0) return null;
  const at = (q: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v++) {
      seen += hist[v];
      if (seen > q * n) return v;
    }
    return 255;
  };
  const lo = at(0.01) / 255;
  const hi = Math.max(at(0.99) / 255, lo + 1 / 255);
  // Only a dark or flat view is stretched: a picture with its levels in order is shown as it is.
  if (hi >= DARK && hi - lo >= FLAT) return null;
  // At most 8x gain: a flat area is not stretched into noise.
  const span = Math.max(hi - lo, 1 / 8);
  const mid = Math.min(1 - span / 2, Math.max(span / 2, (lo + hi) / 2));
  return { lo: mid - span / 2, hi: mid + span / 2 };
}

/** The CSS filter for the picture (`gammaId`: the SVG gamma filter's element id, when gamma != 1). */
export function imageFilter(
  d: Pick<Display, "brightness" | "contrast" | "gamma">,
  auto: { lo: number; hi: number } | null,
  gammaId: string,
): string {
  const parts: string[] = [];
  if (auto) {
    const s = stretch(auto.lo, auto.hi);
    parts.push(`brightness(${s.brightness.toFixed(4)})`, `contrast(${s.contrast.toFixed(4)})`);
  }
  if (d.gamma !== 1) parts.push(`url(#${gammaId})`);
  if (d.brightness !== 1) parts.push(`brightness(${d.brightness})`);
  if (d.contrast !== 1) parts.push(`contrast(${d.contrast})`);
  return parts.join(" ") || "none";
}
