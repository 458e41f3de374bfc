/**
 * Per-pixel class, confidence, margin and normalized entropy from logits at the network's resolution,
 * resized to the image's pixels as they are read: each output pixel's logits are the bilinear mix
 * of its four grid neighbours (the sampling of tf.image.resizeBilinear with alignCorners and
 * halfPixelCenters off), then softmax. No [H, W, K] array at the image's size is ever made, which
 * for a 12-megapixel photo was most of prediction's time and memory.
 */
import { bilinearAxis } from "../training/working-resolution.ts";

/** Logits [height, width, classes], row-major: the network's output for one tile. */
export interface LogitGrid {
  values: Float32Array;
  width: number;
  height: number;
  classes: number;
}

/** Whole-image maps written into (see Prediction). */
export interface ClassMaps {
  width: number;
  classMap: Uint8Array;
  confidence: Float32Array;
  /** top-1 minus top-2 probability */
  margin: Float32Array;
  entropy: Float32Array;
}

/** A rectangle of the tile, in the tile's output pixels: [x0, x1) x [y0, y1). */
export interface TileRegion {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * Resizes `logits` to tileWidth x tileHeight and writes the class maps of `region` (tile pixels)
 * into `out`, with the region's top-left at image pixel (atX, atY).
 */
export function writeClassMaps(
  logits: LogitGrid,
  tileWidth: number,
  tileHeight: number,
  region: TileRegion,
  out: ClassMaps,
  atX: number,
  atY: number,
): void {
  const k = logits.classes;
  const v = logits.values;
  const xs = bilinearAxis(logits.width, tileWidth);
  const ys = bilinearAxis(logits.height, tileHeight);
  const logK = Math.log(Math.max(2, k));
  const z = new Float64Array(k);
  // One output row's logits at every grid column (the vertical half of the bilinear mix).
  const row = new Float64Array(logits.width * k);
  for (let y = region.y0; y < region.y1; y++) {
    const top = ys.lo[y] * logits.width * k;
    const bottom = ys.hi[y] * logits.width * k;
    const fy = ys.frac[y];
    for (let i = 0; i < row.length; i++) row[i] = v[top + i] + (v[bottom + i] - v[top + i]) * fy;
    let o = (atY + y - region.y0) * out.width + atX;
    for (let x = region.x0; x < region.x1; x++, o++) {
      const fx = xs.frac[x];
      const left = xs.lo[x] * k;
      const right = xs.hi[x] * k;
      let best = 0;
      let max = -Infinity;
      let second = -Infinity;
      for (let c = 0; c < k; c++) {
        const zc = row[left + c] + (row[right + c] - row[left + c]) * fx;
        z[c] = zc;
        if (zc > max) {
          second = max;
          max = zc;
          best = c;
        } else if (zc > second) second = zc;
      }
      // p_c = e_c / S with e_c = exp(z_c - max); H = log S - sum_c p_c (z_c - max).
      let sum = 0;
      let weighted = 0;
      for (let c = 0; c < k; c++) {
        const d = z[c] - max;
        const e = Math.exp(d);
        sum += e;
        weighted += e * d;
      }
      out.classMap[o] = best;
      out.confidence[o] = 1 / sum;
      out.margin[o] = k > 1 ? (1 - Math.exp(second - max)) / sum : 1;
      out.entropy[o] = Math.min(1, Math.max(0, (Math.log(sum) - weighted / sum) / logK));
    }
  }
}
