/**
 * Prediction at any image size. The image is processed at its own resolution (optionally
 * rescaled by `scale`), in tiles when larger than `tileSize`; each tile is padded (reflection) to a
 * multiple of the network's input multiple, and its logits are cropped (and resized back when
 * scaled) to the tile's original size. Outputs are at the original image size.
 */
import { tf } from "./tf.ts";
import type { SegmentationNetwork } from "./network.ts";
import { rgbTensor, type RawImage } from "./image.ts";

export interface PredictOptions {
  /** Tiles are at most this many pixels on a side (in network input pixels). Default 1024. */
  tileSize?: number;
  /** Overlap between neighbouring tiles, in original pixels. Default 64. */
  overlap?: number;
  /** Resize factor applied before the network (default: the network's working resolution, inputScale). */
  scale?: number;
}

export interface Prediction {
  width: number;
  height: number;
  numClasses: number;
  /** Arg-max class per pixel, row-major. */
  classMap: Uint8Array;
  /** Softmax probability of the arg-max class. */
  confidence: Float32Array;
  /** Softmax entropy divided by log(K): 0 = certain, 1 = uniform. */
  entropy: Float32Array;
}

interface Span {
  /** Tile start and length in original pixels. */
  start: number;
  length: number;
  /** The part of the tile whose results are kept. */
  keepStart: number;
  keepEnd: number;
}

/** Tiles along one axis, with the kept parts meeting in the middle of each overlap. */
export function tileSpans(total: number, tile: number, overlap: number): Span[] {
  if (total <= tile) return [{ start: 0, length: total, keepStart: 0, keepEnd: total }];
  const step = Math.max(1, tile - overlap);
  const starts: number[] = [];
  for (let s = 0; s + tile < total; s += step) starts.push(s);
  starts.push(total - tile);
  return starts.map((start, i) => ({
    start,
    length: tile,
    keepStart: i === 0 ? 0 : Math.floor((starts[i - 1] + tile + start) / 2),
    keepEnd: i === starts.length - 1 ? total : Math.floor((start + tile + starts[i + 1]) / 2),
  }));
}

function padToMultiple(x: tf.Tensor4D, multiple: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const ph = Math.ceil(h / multiple) * multiple - h;
  const pw = Math.ceil(w / multiple) * multiple - w;
  if (ph === 0 && pw === 0) return x;
  const paddings: Array<[number, number]> = [
    [0, 0],
    [0, ph],
    [0, pw],
    [0, 0],
  ];
  // Reflection needs the padding to be smaller than the size; fall back to zeros on tiny inputs.
  return ph < h && pw < w ? tf.mirrorPad(x, paddings, "reflect") : tf.pad(x, paddings);
}

/** Runs the logits model on one RGB tile [h, w, 3]; returns [h, w, K] probabilities. */
function tileProbabilities(
  net: SegmentationNetwork,
  model: ReturnType<SegmentationNetwork["logitsModel"]>,
  rgb: tf.Tensor3D,
  scale: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [h, w] = rgb.shape;
    let x = tf.expandDims(rgb, 0) as tf.Tensor4D;
    const sh = Math.max(1, Math.round(h * scale));
    const sw = Math.max(1, Math.round(w * scale));
    if (sh !== h || sw !== w) x = tf.image.resizeBilinear(x, [sh, sw]);
    const padded = padToMultiple(x, net.inputMultiple);
    let logits = model.predict(padded) as tf.Tensor4D;
    logits = tf.slice(logits, [0, 0, 0, 0], [1, sh, sw, -1]);
    if (sh !== h || sw !== w) logits = tf.image.resizeBilinear(logits, [h, w]);
    return tf.squeeze(tf.softmax(logits), [0]) as tf.Tensor3D;
  });
}

export function predict(net: SegmentationNetwork, image: RawImage, options: PredictOptions = {}): Prediction {
  const scale = options.scale ?? net.config.inputScale ?? 1;
  const overlap = options.overlap ?? 64;
  if (!(scale > 0)) throw new Error(`scale must be positive, got ${scale}`);
  const tileSize = Math.max(net.inputMultiple, Math.floor((options.tileSize ?? 1024) / scale));
  const { width, height } = image;
  const k = net.config.numClasses;
  const classMap = new Uint8Array(width * height);
  const confidence = new Float32Array(width * height);
  const entropy = new Float32Array(width * height);
  const logK = Math.log(Math.max(2, k));
  const model = net.logitsModel();

  const rgb = rgbTensor(image);
  try {
    for (const ys of tileSpans(height, tileSize, overlap)) {
      for (const xs of tileSpans(width, tileSize, overlap)) {
        const [cls, conf, ent] = tf.tidy(() => {
          const tile = tf.slice(rgb, [ys.start, xs.start, 0], [ys.length, xs.length, 3]);
          const probs = tileProbabilities(net, model, tile, scale);
          const kept = tf.slice(
            probs,
            [ys.keepStart - ys.start, xs.keepStart - xs.start, 0],
            [ys.keepEnd - ys.keepStart, xs.keepEnd - xs.keepStart, k],
          );
          const h = tf.div(tf.neg(tf.sum(tf.mul(kept, tf.log(tf.maximum(kept, 1e-12))), -1)), logK);
          return [tf.argMax(kept, -1).dataSync(), tf.max(kept, -1).dataSync(), h.dataSync()];
        });
        const keptWidth = xs.keepEnd - xs.keepStart;
        for (let row = ys.keepStart; row < ys.keepEnd; row++) {
          const src = (row - ys.keepStart) * keptWidth;
          const dst = row * width + xs.keepStart;
          classMap.set(cls.subarray(src, src + keptWidth), dst);
          confidence.set(conf.subarray(src, src + keptWidth), dst);
          entropy.set(ent.subarray(src, src + keptWidth), dst);
        }
      }
    }
  } finally {
    rgb.dispose();
  }
  return { width, height, numClasses: k, classMap, confidence, entropy };
}
