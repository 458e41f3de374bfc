/**
 * Fast 1-D filtering along the last axis with tf.conv2d, by polyphase folding.
 *
 * A plain conv2d with one input and one output channel and a 1xK kernel runs at well under
 * 1 GMAC/s on the wasm backend (XNNPACK's GEMM has nothing to work with: 206 ms for one 63-tap
 * pass over 452x572 floats, measured). Folding the filtered axis into channels fixes that: rows of
 * length B are reshaped to B/s blocks of s samples (s = FOLD), and the K-tap correlation becomes a
 * conv over blocks with T = 2 ceil(r / s) + 1 taps, s input and s output channels (output phase p
 * at block j reads input block j + t - m, phase q, with weight w[(t - m) s + q - p]). Same result,
 * a few times the multiply count, 20-40x faster (1-5 ms for the pass above). Filtering along the
 * other axis transposes first (cheap: ~1 ms).
 *
 * Zero padding ('same'): values within r of the ends are wrong, so callers filter a canvas with
 * a margin at least the total radius of the filters they chain (features.ts).
 */
import { tf } from "../../engine/tf.ts";

/** Samples folded into channels; canvas widths and heights are multiples of it. */
export const FOLD = 8;

/** The conv2d filter [1, T, FOLD, FOLD] that correlates with the 2r + 1 taps of `w`. */
export function polyphaseFilter(w: Float32Array): tf.Tensor4D {
  const s = FOLD;
  const r = (w.length - 1) / 2;
  const m = Math.ceil(r / s);
  const taps = 2 * m + 1;
  const f = new Float32Array(taps * s * s);
  for (let t = 0; t < taps; t++) {
    for (let q = 0; q < s; q++) {
      for (let p = 0; p < s; p++) {
        const d = (t - m) * s + q - p;
        if (d >= -r && d <= r) f[(t * s + q) * s + p] = w[d + r];
      }
    }
  }
  return tf.tensor4d(f, [1, taps, s, s]);
}

/** Correlates every row of `t` [N, A, B] (B a multiple of FOLD) with the filter, zero outside. */
export function filterRows(t: tf.Tensor3D, filter: tf.Tensor4D): tf.Tensor3D {
  const [n, a, b] = t.shape;
  const folded = tf.reshape(t, [n, a, b / FOLD, FOLD]) as tf.Tensor4D;
  return tf.reshape(tf.conv2d(folded, filter, 1, "same"), [n, a, b]) as tf.Tensor3D;
}

/** Swaps the two spatial axes of [N, A, B]. */
export function transpose(t: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(t, [0, 2, 1]);
}
