/**
 * Images much larger than the network's working resolution are resized once, when training
 * loads them, instead of being kept at full size and resized crop by crop: a 4000x3000 photo at
 * 0.064x needs 250 times less memory, its superpixels are cut on 256x192 pixels instead of 12
 * million, and its scribbles survive (crops sample labels by nearest neighbour, which at such
 * scales reads every ~15th pixel and misses thin strokes).
 *
 * Pixels are resized exactly as prediction resizes them (tf.image.resizeBilinear, no half-pixel
 * centres, to round(side x scale)), so the network sees the same kind of input in training and
 * in prediction. Labels take, per target pixel, the most frequent class among the labeled pixels
 * under it (UNLABELED when none is), so a one-pixel scribble stays a line.
 */
import { UNLABELED } from "../method/losses.ts";
import type { RawImage } from "../model/image.ts";

/** Resize at load when the working scale is at most this (images at least 4x the working size). */
export const PRESCALE_AT_OR_BELOW = 0.25;

/** The size an image (or a tile) is resized to for the network: round(side x scale), at least 1. Prediction uses it too. */
export function workingSize(width: number, height: number, scale: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Where tf.image.resizeBilinear (alignCorners and halfPixelCenters off) reads when resizing an
 * axis of `from` samples to `to`: output i mixes samples lo[i] and hi[i] with weight frac[i] on hi.
 */
export function bilinearAxis(
  from: number,
  to: number,
): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const lo = new Int32Array(to);
  const hi = new Int32Array(to);
  const frac = new Float64Array(to);
  const ratio = from / to;
  for (let i = 0; i < to; i++) {
    const src = i * ratio;
    lo[i] = Math.min(from - 1, Math.floor(src));
    hi[i] = Math.min(from - 1, lo[i] + 1);
    frac[i] = src - Math.floor(src);
  }
  return { lo, hi, frac };
}

/** Bilinear resize as tf.image.resizeBilinear (alignCorners and halfPixelCenters off), rounded to bytes. */
export function resizePixels(image: RawImage, width: number, height: number): RawImage {
  const { pixels, channels } = image;
  const sw = image.width;
  const out = new Uint8Array(width * height * channels);
  const { lo: x0s, hi: x1s, frac: dxs } = bilinearAxis(sw, width);
  const ys = bilinearAxis(image.height, height);
  for (let y = 0; y < height; y++) {
    const y0 = ys.lo[y];
    const y1 = ys.hi[y];
    const dy = ys.frac[y];
    const r0 = y0 * sw * channels;
    const r1 = y1 * sw * channels;
    for (let x = 0; x < width; x++) {
      const a = x0s[x] * channels;
      const b = x1s[x] * channels;
      const dx = dxs[x];
      const o = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        const top = pixels[r0 + a + c] + (pixels[r0 + b + c] - pixels[r0 + a + c]) * dx;
        const bottom = pixels[r1 + a + c] + (pixels[r1 + b + c] - pixels[r1 + a + c]) * dx;
        out[o + c] = Math.round(top + (bottom - top) * dy);
      }
    }
  }
  return { pixels: out, width, height, channels };
}

/**
 * Labels at a smaller size: each target pixel covers a block of source pixels and takes the most
 * frequent class among its labeled ones (ties: the lower class index), UNLABELED when none is.
 * Values >= numClasses count as unlabeled.
 */
export function downsampleLabels(
  labels: Uint8Array,
  sw: number,
  sh: number,
  width: number,
  height: number,
  numClasses: number,
): Uint8Array {
  const out = new Uint8Array(width * height).fill(UNLABELED);
  const counts = new Uint32Array(width * numClasses);
  const colOf = new Int32Array(sw);
  for (let x = 0; x < sw; x++) colOf[x] = Math.min(width - 1, Math.floor((x * width) / sw));
  let y = 0;
  for (let ty = 0; ty < height; ty++) {
    const yEnd = ty === height - 1 ? sh : Math.max(y + 1, Math.floor(((ty + 1) * sh) / height));
    counts.fill(0);
    let any = false;
    for (; y < yEnd; y++) {
      const row = y * sw;
      for (let x = 0; x < sw; x++) {
        const c = labels[row + x];
        if (c < numClasses) {
          counts[colOf[x] * numClasses + c]++;
          any = true;
        }
      }
    }
    if (!any) continue;
    for (let tx = 0; tx < width; tx++) {
      let best = -1;
      let bestCount = 0;
      for (let c = 0; c < numClasses; c++) {
        const n = counts[tx * numClasses + c];
        if (n > bestCount) {
          bestCount = n;
          best = c;
        }
      }
      if (best >= 0) out[ty * width + tx] = best;
    }
  }
  return out;
}
