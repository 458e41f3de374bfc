/**
 * FixMatch-style semi-supervised term for dense prediction.
 *
 * Per step: the augmented ("weak") batch goes through the network once in inference mode, outside
 * the gradient tape: its arg-max where softmax confidence >= tau is the pseudo-label. The strong
 * view (color jitter, blur, CutMix between the batch's images; the same CutMix boxes are applied
 * to labels and pseudo-labels) is the one the network trains on, so every loss term sees the
 * strong view; the FixMatch loss is the cross-entropy towards the pseudo-labels on pixels without
 * a human label, averaged over all unlabeled pixels (so it is small while few pixels are confident).
 */
import { tf } from "./tf.ts";
import type { SegmentationNetwork } from "./network.ts";
import { UNLABELED, type LossTerm } from "./losses.ts";
import type { Random } from "./augment.ts";
import type { SemiSupervisedOptions } from "./method.ts";
import { ramp } from "./ramp.ts";

export interface StrongAugmentOptions {
  /** Brightness shift up to +-this (0..255 units). */
  brightness: number;
  /** Contrast factor in [1 - c, 1 + c]. */
  contrast: number;
  /** Saturation factor in [1 - s, 1 + s] (no effect on gray images). */
  saturation: number;
  /** Probability of a 3x3 box blur per image. */
  blurProbability: number;
  /** Probability that an image gets a CutMix box pasted from the next image of the batch. */
  cutmixProbability: number;
  /** CutMix box area as a fraction of the crop, drawn uniformly from [min, max]. */
  cutmixMinArea: number;
  cutmixMaxArea: number;
}

export const DEFAULT_STRONG_AUGMENT: StrongAugmentOptions = {
  brightness: 40,
  contrast: 0.4,
  saturation: 0.5,
  blurProbability: 0.5,
  cutmixProbability: 0.5,
  cutmixMinArea: 0.1,
  cutmixMaxArea: 0.4,
};

/** Teacher pass on the weak view: class where confidence >= tau, UNLABELED elsewhere. No gradient. */
export function pseudoLabels(net: SegmentationNetwork, images: tf.Tensor4D, tau: number): tf.Tensor3D {
  return tf.tidy(() => {
    const probs = tf.softmax(net.forward(images, false).logits);
    const conf = tf.max(probs, -1);
    const cls = tf.cast(tf.argMax(probs, -1), "int32");
    return tf.where(tf.greaterEqual(conf, tau), cls, tf.fill(cls.shape, UNLABELED, "int32")) as tf.Tensor3D;
  });
}

/** CutMix mask [B, S, S, 1] (1 = take the next image's content) built on the CPU. */
function cutmixMask(batch: number, size: number, o: StrongAugmentOptions, rand: Random): Float32Array {
  const mask = new Float32Array(batch * size * size);
  if (batch < 2) return mask;
  for (let b = 0; b < batch; b++) {
    if (rand() >= o.cutmixProbability) continue;
    const area = o.cutmixMinArea + (o.cutmixMaxArea - o.cutmixMinArea) * rand();
    const aspect = Math.exp((rand() - 0.5) * Math.log(4)); // 1/2 .. 2
    const bh = Math.max(1, Math.min(size, Math.round(size * Math.sqrt(area * aspect))));
    const bw = Math.max(1, Math.min(size, Math.round(size * Math.sqrt(area / aspect))));
    const y0 = Math.floor(rand() * (size - bh + 1));
    const x0 = Math.floor(rand() * (size - bw + 1));
    for (let y = y0; y < y0 + bh; y++)
      mask.fill(1, b * size * size + y * size + x0, b * size * size + y * size + x0 + bw);
  }
  return mask;
}

export interface StrongView {
  images: tf.Tensor4D;
  labels: tf.Tensor3D;
  pseudoLabels: tf.Tensor3D;
}

/**
 * Strong view of a weak batch: per-image color jitter and blur, then CutMix with the next image of
 * the batch (labels and pseudo-labels mixed with the same boxes). Inputs are not disposed.
 */
export function strongView(
  images: tf.Tensor4D,
  labels: tf.Tensor3D,
  pseudo: tf.Tensor3D,
  o: StrongAugmentOptions,
  rand: Random,
): StrongView {
  const [b, h, w] = images.shape;
  const jitter = Array.from({ length: b }, () => ({
    brightness: o.brightness * (2 * rand() - 1),
    contrast: 1 + o.contrast * (2 * rand() - 1),
    saturation: 1 + o.saturation * (2 * rand() - 1),
    blur: rand() < o.blurProbability ? 1 : 0,
  }));
  const size = h === w ? h : 0;
  const mix = size > 0 ? cutmixMask(b, size, o, rand) : new Float32Array(b * h * w);
  return tf.tidy(() => {
    const col = (key: keyof (typeof jitter)[number]) =>
      tf.tensor4d(
        jitter.map((j) => j[key]),
        [b, 1, 1, 1],
      );
    const gray = tf.mean(images, -1, true);
    let x = tf.add(gray, tf.mul(tf.sub(images, gray), col("saturation")));
    x = tf.add(tf.mul(tf.sub(x, 127.5), col("contrast")), tf.add(127.5, col("brightness")));
    const blurred = tf.avgPool(x as tf.Tensor4D, 3, 1, "same");
    const blur = col("blur");
    x = tf.add(tf.mul(blurred, blur), tf.mul(x, tf.sub(1, blur)));
    x = tf.clipByValue(x, 0, 255);
    const m = tf.tensor4d(mix, [b, h, w, 1]);
    const roll = <T extends tf.Tensor>(t: T): T =>
      tf.concat([tf.slice(t, [1], [b - 1]), tf.slice(t, [0], [1])], 0) as T;
    const mixed =
      b > 1 ? (tf.add(tf.mul(roll(x), m), tf.mul(x, tf.sub(1, m))) as tf.Tensor4D) : (x as tf.Tensor4D);
    const m3 = tf.cast(tf.squeeze(m, [3]), "bool");
    const mixLabels = (t: tf.Tensor3D) => (b > 1 ? (tf.where(m3, roll(t), t) as tf.Tensor3D) : tf.clone(t));
    return { images: mixed, labels: mixLabels(labels), pseudoLabels: mixLabels(pseudo) };
  });
}

/**
 * Cross-entropy towards the pseudo-labels on pixels without a human label whose pseudo-label is
 * confident; divided by the number of unlabeled pixels. Zero when the context has no pseudo-labels.
 */
export function fixMatchLoss(options: Pick<SemiSupervisedOptions, "weight" | "rampFraction">): LossTerm {
  return {
    name: "fixmatch",
    weight: ramp(options.weight, options.rampFraction),
    compute: ({ outputs, labels, pseudoLabels, numClasses }) => {
      if (!pseudoLabels) return tf.scalar(0);
      const unlabeled = tf.equal(labels, UNLABELED);
      const use = tf.cast(tf.logicalAnd(unlabeled, tf.notEqual(pseudoLabels, UNLABELED)), "float32");
      const target = tf.where(tf.notEqual(pseudoLabels, UNLABELED), pseudoLabels, tf.zerosLike(pseudoLabels));
      const logProbs = tf.logSoftmax(outputs.logits);
      const nll = tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(target, numClasses)), -1));
      return tf.div(
        tf.sum(tf.mul(nll, use)),
        tf.maximum(tf.sum(tf.cast(unlabeled, "float32")), 1),
      ) as tf.Scalar;
    },
  };
}
