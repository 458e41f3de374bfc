/**
 * Batch-norm statistics re-estimated on clean images. Training sees small augmented crops
 * (zoomed, jittered, black outside the image), so the moving averages it leaves describe those,
 * not the whole images prediction sees. This runs the network once per image at the working
 * scale, in training mode (each layer normalized by the image's own statistics, as in PyTorch's
 * update_bn), and sets every layer's moving mean and variance to the average over the images,
 * each image counting once. Weights that learn are not touched.
 */
import { tf, tfl } from "../engine/tf.ts";
import type { SegmentationNetwork } from "./network.ts";
import { rgbTensor, type RawImage } from "./image.ts";
import { workingSize } from "../training/working-resolution.ts";

export interface BatchNormReestimate {
  /** Batch-norm layers whose statistics were replaced. */
  layers: number;
  /** Images the statistics were taken from. */
  images: number;
}

/** Images larger than this (in network pixels) are centre-cropped to it, to bound the work. */
const MAX_SIDE = 512;

export function reestimateBatchNorm(
  net: SegmentationNetwork,
  images: readonly RawImage[],
  options: { scale?: number; maxImages?: number } = {},
): BatchNormReestimate {
  const scale = options.scale ?? net.config.inputScale ?? 1;
  const used = images.slice(0, options.maxImages ?? 64);
  const bns = net.model.layers.filter((l) => l.getClassName() === "BatchNormalization");
  if (bns.length === 0 || used.length === 0) return { layers: 0, images: 0 };
  const probe = tfl.model({
    inputs: net.model.inputs,
    outputs: bns.map((l) => l.input as tfl.SymbolicTensor),
  });
  const sums = bns.map((l) => new Float64Array(channels(l)));
  const squares = bns.map((l) => new Float64Array(channels(l)));
  let count = 0;
  for (const image of used) {
    const stats = tf.tidy(() => {
      let x = tf.expandDims(rgbTensor(image), 0) as tf.Tensor4D;
      const { width, height } = workingSize(image.width, image.height, scale);
      if (width !== image.width || height !== image.height) x = tf.image.resizeBilinear(x, [height, width]);
      x = cropToMultiple(x, net.inputMultiple);
      const outs = probe.apply(x, { training: true }) as tf.Tensor4D[];
      return outs.map((o) => {
        const { mean, variance } = tf.moments(o, [0, 1, 2]);
        return [mean, tf.add(variance, tf.square(mean))];
      });
    });
    stats.forEach(([mean, meanSquare], i) => {
      const m = mean.dataSync();
      const q = meanSquare.dataSync();
      for (let c = 0; c < m.length; c++) {
        sums[i][c] += m[c];
        squares[i][c] += q[c];
      }
    });
    tf.dispose(stats.flat());
    count++;
  }
  bns.forEach((layer, i) => {
    const mean = Float32Array.from(sums[i], (s) => s / count);
    const variance = Float32Array.from(squares[i], (q, c) => Math.max(0, q / count - mean[c] ** 2));
    for (const w of layer.weights) {
      const value = w.originalName.endsWith("moving_mean")
        ? mean
        : w.originalName.endsWith("moving_variance")
          ? variance
          : undefined;
      if (!value) continue;
      const t = tf.tensor1d(value);
      w.write(t);
      t.dispose();
    }
  });
  return { layers: bns.length, images: used.length };
}

function channels(layer: tfl.layers.Layer): number {
  const shape = layer.input instanceof Array ? layer.input[0].shape : layer.input.shape;
  return shape[shape.length - 1] as number;
}

/** Centre crop to at most MAX_SIDE and down to a multiple of the network's input multiple. */
function cropToMultiple(x: tf.Tensor4D, multiple: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const ch = Math.max(multiple, Math.floor(Math.min(h, MAX_SIDE) / multiple) * multiple);
  const cw = Math.max(multiple, Math.floor(Math.min(w, MAX_SIDE) / multiple) * multiple);
  if (ch > h || cw > w) return tf.image.resizeBilinear(x, [Math.max(ch, multiple), Math.max(cw, multiple)]);
  if (ch === h && cw === w) return x;
  return tf.slice(x, [0, Math.floor((h - ch) / 2), Math.floor((w - cw) / 2), 0], [1, ch, cw, -1]);
}
