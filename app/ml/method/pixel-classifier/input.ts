/**
 * From a RawImage to the float planes the filters run on (features.ts), and the size bound:
 * images whose longer side exceeds `maxSide` are reduced (box average by the integer factor, then
 * bilinear to the exact size) before any filter, so features cost at most maxSide^2 pixels;
 * labels are reduced alongside (`reduceLabels`) and predictions enlarged back (`enlargeNearest`).
 */
import { tf } from "../../engine/tf.ts";
import { UNLABELED } from "../losses.ts";
import type { RawImage } from "../../model/image.ts";
import type { FilterInput } from "./features.ts";

/**
 * "rgb": all filters on R, G and B. "luminance": all filters on luminance, Gaussian smoothing
 * only on two opponent-color channels (R - G, (R + G) / 2 - B): 54 features instead of 126.
 * Measured on camvid-dev, luminance is both better (val mIoU 0.286 / 0.289 against 0.260 /
 * 0.263, two seeds) and half the cost (130 against 273 ms of features per 480x360 image).
 */
export type ColorMode = "rgb" | "luminance";

export interface PlaneOptions {
  /** true: the classifier works on color (gray images are replicated); false: on gray. */
  color: boolean;
  colorMode: ColorMode;
  maxSide: number;
}

/** The size features are computed at: the image's, or reduced so the longer side is maxSide. */
export function reducedSize(
  width: number,
  height: number,
  maxSide: number,
): { width: number; height: number } {
  const longer = Math.max(width, height);
  if (longer <= maxSide) return { width, height };
  const f = maxSide / longer;
  return { width: Math.max(1, Math.round(width * f)), height: Math.max(1, Math.round(height * f)) };
}

/** The planes to filter for `image`, at its reduced size (see PlaneOptions). */
export function imagePlanes(image: RawImage, options: PlaneOptions): FilterInput {
  const { width, height, channels, pixels } = image;
  const n = width * height;
  const plane = (c: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = pixels[i * channels + c];
    return out;
  };
  const gray = channels === 1;
  const r = plane(0);
  const g = gray ? r : plane(1);
  const b = gray ? r : plane(2);
  const combine = (wr: number, wg: number, wb: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = wr * r[i] + wg * g[i] + wb * b[i];
    return out;
  };
  const luminance = () => (gray ? r : combine(0.299, 0.587, 0.114));
  let full: Float32Array[];
  let fullNames: string[];
  let smooth: Float32Array[] = [];
  let smoothNames: string[] = [];
  if (!options.color) {
    full = [luminance()];
    fullNames = ["gray"];
  } else if (options.colorMode === "rgb") {
    full = [r, g, b];
    fullNames = ["R", "G", "B"];
  } else {
    full = [luminance()];
    fullNames = ["L"];
    smooth = [combine(1, -1, 0), combine(0.5, 0.5, -1)];
    smoothNames = ["R-G", "Y-B"];
  }
  const size = reducedSize(width, height, options.maxSide);
  const shrink = (planes: Float32Array[]) =>
    planes.map((p) => reducePlane(p, width, height, size.width, size.height));
  return { ...size, full: shrink(full), fullNames, smooth: shrink(smooth), smoothNames };
}

/** Box average by the integer factor, then bilinear (half-pixel centres) to the exact size. */
function reducePlane(
  plane: Float32Array,
  width: number,
  height: number,
  w2: number,
  h2: number,
): Float32Array {
  if (w2 === width && h2 === height) return plane;
  const t = tf.tidy(() => {
    const f = Math.min(Math.floor(width / w2), Math.floor(height / h2));
    const x = tf.tensor4d(plane, [1, height, width, 1]);
    const pooled = f >= 2 ? tf.avgPool(x, f, f, "valid") : x;
    return tf.image.resizeBilinear(pooled, [h2, w2], false, true);
  });
  const out = t.dataSync() as Float32Array;
  t.dispose();
  return out;
}

/**
 * Labels of a width x height image at the reduced size: a reduced pixel takes the label of the
 * labeled pixels that fall in it, or stays unlabeled when there are none or they disagree.
 */
export function reduceLabels(
  labels: Uint8Array,
  width: number,
  height: number,
  w2: number,
  h2: number,
): Uint8Array {
  if (w2 === width && h2 === height) return labels;
  const out = new Uint8Array(w2 * h2).fill(UNLABELED);
  const conflict = new Uint8Array(w2 * h2);
  for (let y = 0; y < height; y++) {
    const row = Math.min(h2 - 1, Math.floor((y * h2) / height)) * w2;
    for (let x = 0; x < width; x++) {
      const v = labels[y * width + x];
      if (v === UNLABELED) continue;
      const j = row + Math.min(w2 - 1, Math.floor((x * w2) / width));
      if (out[j] === UNLABELED) out[j] = v;
      else if (out[j] !== v) conflict[j] = 1;
    }
  }
  for (let j = 0; j < out.length; j++) if (conflict[j]) out[j] = UNLABELED;
  return out;
}

/**
 * Nearest enlargement of per-pixel vectors (`depth` values each) from w2 x h2 to width x height,
 * with the pixel mapping reduceLabels uses.
 */
export function enlargeNearest<T extends Uint8Array | Float32Array>(
  values: T,
  depth: number,
  w2: number,
  h2: number,
  width: number,
  height: number,
): T {
  if (w2 === width && h2 === height) return values;
  const out = new (values.constructor as new (n: number) => T)(width * height * depth);
  const xs = new Int32Array(width);
  for (let x = 0; x < width; x++) xs[x] = Math.min(w2 - 1, Math.floor((x * w2) / width));
  for (let y = 0; y < height; y++) {
    const row = Math.min(h2 - 1, Math.floor((y * h2) / height)) * w2;
    for (let x = 0; x < width; x++) {
      const src = (row + xs[x]) * depth;
      const dst = (y * width + x) * depth;
      for (let k = 0; k < depth; k++) out[dst + k] = values[src + k];
    }
  }
  return out;
}
