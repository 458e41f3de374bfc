/**
 * Gradients of a 2-D convolution (NHWC, dilation 1) written as forward convolutions, so a
 * backend whose forward conv is fast (wasm: XNNPACK) gets fast gradients too.
 *
 * - Filter gradient: dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s+kh-pT, ow*s+kw-pL, ci] * dy[n,oh,ow,co]
 *   is a convolution of the (padded) input, with batch and channel axes swapped, by dy used as a
 *   filter: conv2d(x^T [Ci,Hp,Wp,N], dy^T [OH,OW,N,Co], stride 1, dilation s) = [Ci,KH,KW,Co].
 * - Input gradient: a transposed convolution. For stride s it is split into s*s output phases
 *   (sub-pixel decomposition); each phase is a stride-1 valid convolution of dy by the kernel taps
 *   that reach it (flipped, in/out channels swapped), and the phases are interleaved again.
 *   No FLOP is spent on inserted zeros.
 *
 * Only tensor ops are used (no per-element JavaScript); call inside tf.tidy or a kernel.
 */
import { tf } from "../tf.ts";

export type Conv2DPad = "same" | "valid" | number | tf.backend_util.ExplicitPadding;

export interface Conv2DGeometry {
  strides: number | [number, number];
  pad: Conv2DPad;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

type Shape4 = [number, number, number, number];

/** Pads (positive amounts) or crops (negative amounts) one axis of a 4-D tensor. */
function padOrCrop(t: tf.Tensor4D, axis: 1 | 2, before: number, after: number): tf.Tensor4D {
  let out = t;
  const cropBefore = Math.max(0, -before);
  const cropAfter = Math.max(0, -after);
  if (cropBefore > 0 || cropAfter > 0) {
    const begin: Shape4 = [0, 0, 0, 0];
    const size: Shape4 = [-1, -1, -1, -1];
    begin[axis] = cropBefore;
    size[axis] = out.shape[axis] - cropBefore - cropAfter;
    out = tf.slice(out, begin, size);
  }
  const padBefore = Math.max(0, before);
  const padAfter = Math.max(0, after);
  if (padBefore > 0 || padAfter > 0) {
    const paddings: Array<[number, number]> = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    paddings[axis] = [padBefore, padAfter];
    out = tf.pad(out, paddings);
  }
  return out;
}

function convInfo(xShape: Shape4, filterShape: Shape4, geometry: Conv2DGeometry): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    geometry.strides,
    1,
    geometry.pad,
    geometry.dimRoundingMode,
    false,
    "channelsLast",
  );
}

/** dL/dW of conv2d(x, W) given dy = dL/dy. Returns [KH, KW, Ci, Co]. */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  geometry: Conv2DGeometry,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(x.shape, filterShape, geometry);
    const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const [kh, kw] = filterShape;
    const { top, left } = info.padInfo;
    // Rows of the padded input the valid convolution below must see: (KH-1) + (OH-1)*s + 1.
    const hp = kh - 1 + (oh - 1) * sh + 1;
    const wp = kw - 1 + (ow - 1) * sw + 1;
    let xp = padOrCrop(x, 1, top, hp - x.shape[1] - top);
    xp = padOrCrop(xp, 2, left, wp - x.shape[2] - left);
    const xT = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, Hp, Wp, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
    const r = tf.conv2d(xT, dyT, 1, "valid", "NHWC", [sh, sw]); // [Ci, KH, KW, Co]
    return tf.transpose(r, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Taps k of a kernel axis that land on output phase p, ordered so that the dy offset rises. */
function phaseTaps(phase: number, padBefore: number, stride: number, kernel: number): number[] {
  const taps: number[] = [];
  for (let k = kernel - 1; k >= 0; k--) {
    if ((((phase + padBefore - k) % stride) + stride) % stride === 0) taps.push(k);
  }
  return taps;
}

/** dL/dx of conv2d(x, W) given dy = dL/dy. Returns a tensor of shape xShape. */
export function conv2dInputGradient(
  xShape: Shape4,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  geometry: Conv2DGeometry,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = convInfo(xShape, filter.shape, geometry);
    const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const [n, h, w, ci] = xShape;
    const [kh, kw] = filter.shape;
    const { top, left } = info.padInfo;
    const hc = Math.ceil(h / sh);
    const wc = Math.ceil(w / sw);
    const rows: tf.Tensor4D[] = [];
    for (let py = 0; py < sh; py++) {
      const cols: tf.Tensor4D[] = [];
      for (let px = 0; px < sw; px++) {
        const hPhase = Math.ceil((h - py) / sh);
        const wPhase = Math.ceil((w - px) / sw);
        const tapsY = phaseTaps(py, top, sh, kh);
        const tapsX = phaseTaps(px, left, sw, kw);
        let phase: tf.Tensor4D;
        if (hPhase <= 0 || wPhase <= 0 || tapsY.length === 0 || tapsX.length === 0) {
          phase = tf.zeros([n, hc, wc, ci]);
        } else {
          // dy offsets (rows) of the first and last tap.
          const cMinY = (py + top - tapsY[0]) / sh;
          const cMaxY = (py + top - tapsY[tapsY.length - 1]) / sh;
          const cMinX = (px + left - tapsX[0]) / sw;
          const cMaxX = (px + left - tapsX[tapsX.length - 1]) / sw;
          let d = padOrCrop(dy, 1, -cMinY, hPhase - 1 + cMaxY - (oh - 1));
          d = padOrCrop(d, 2, -cMinX, wPhase - 1 + cMaxX - (ow - 1));
          const sub = tf.gather(tf.gather(filter, tapsY, 0), tapsX, 1);
          const subT = tf.transpose(sub, [0, 1, 3, 2]) as tf.Tensor4D; // [A, B, Co, Ci]
          phase = tf.conv2d(d, subT, 1, "valid");
          phase = padOrCrop(padOrCrop(phase, 1, 0, hc - hPhase), 2, 0, wc - wPhase);
        }
        cols.push(phase);
      }
      rows.push(sw === 1 ? cols[0] : (tf.reshape(tf.stack(cols, 3), [n, hc, wc * sw, ci]) as tf.Tensor4D));
    }
    const full: tf.Tensor4D =
      sh === 1 ? rows[0] : (tf.reshape(tf.stack(rows, 2), [n, hc * sh, wc * sw, ci]) as tf.Tensor4D);
    return full.shape[1] === h && full.shape[2] === w ? full : tf.slice(full, [0, 0, 0, 0], [n, h, w, ci]);
  });
}
