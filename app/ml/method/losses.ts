/**
 * Loss terms. The training loop sums `weight(step) * compute(ctx)` over a list of terms and
 * reports each term's value, so semi-supervised (FixMatch) and PiXL alignment terms plug in as
 * more LossTerm objects without touching the loop.
 */
import { tf } from "../engine/tf.ts";
import type { NetworkOutputs } from "../model/network.ts";

export const UNLABELED = 255;

/** What a loss term may look at during one training step. */
export interface LossContext {
  outputs: NetworkOutputs;
  /** [B, S, S, 3] float32 RGB 0..255, the augmented batch. */
  images: tf.Tensor4D;
  /** [B, S, S] int32 class per pixel, UNLABELED where unknown. */
  labels: tf.Tensor3D;
  /**
   * [B, S, S] int32 pseudo-labels from the teacher pass on the weak view (class where confident,
   * UNLABELED elsewhere), aligned with `images`; present when the semi-supervised term is on.
   */
  pseudoLabels?: tf.Tensor3D;
  /**
   * [B, S, S] float32 the teacher's prediction entropy / log K on the clean view, aligned with
   * `images`; -1 where the teacher did not look (the weak half in split mode). With pseudoLabels.
   */
  teacherEntropy?: tf.Tensor3D;
  /**
   * [B, S, S] int32 the human labels on every image of the batch, aligned with `images`, where
   * `labels` withholds some (the strong half in split mode): what PiXL anchors prototypes on.
   */
  anchorLabels?: tf.Tensor3D;
  /** Scale of the consistency term (0..1: its ramp after a late start); absent = 1. */
  consistency?: number;
  numClasses: number;
  step: number;
  totalSteps: number;
}

export interface LossTerm {
  /** Key in progress events' `losses`. */
  readonly name: string;
  /** Reads the pixel embeddings: while no term with a nonzero weight does, training skips the projection head. */
  readonly usesEmbeddings?: boolean;
  /** Multiplier at a given step (e.g. ramp-up); 0 skips the term. */
  weight(step: number, totalSteps: number): number;
  /** A scalar loss; may create tensors freely (the loop runs it inside a tidy scope). */
  compute(ctx: LossContext): tf.Scalar;
}

export interface PartialCrossEntropyOptions {
  /** One weight per class (length K); unlabeled pixels always weigh 0. */
  classWeights?: readonly number[];
  weight?: number;
}

/**
 * Cross-entropy over labeled pixels only: sum_i w_{y_i} * -log softmax(z_i)[y_i] / sum_i w_{y_i}
 * over pixels i with a label. Zero (with zero gradient) when the batch has no labeled pixel.
 */
export function partialCrossEntropy(options: PartialCrossEntropyOptions = {}): LossTerm {
  const termWeight = options.weight ?? 1;
  return {
    name: "ce",
    weight: () => termWeight,
    compute: ({ outputs, labels, numClasses }) => {
      if (options.classWeights && options.classWeights.length !== numClasses) {
        throw new Error(`classWeights has ${options.classWeights.length} entries for ${numClasses} classes`);
      }
      const labeled = tf.notEqual(labels, UNLABELED);
      const safeLabels = tf.where(labeled, labels, tf.zerosLike(labels));
      let pixelWeights = tf.cast(labeled, "float32");
      if (options.classWeights) {
        pixelWeights = tf.mul(
          pixelWeights,
          tf.gather(tf.tensor1d(options.classWeights as number[]), safeLabels),
        );
      }
      const denom = tf.maximum(tf.sum(pixelWeights), 1) as tf.Scalar;
      return weightedCrossEntropy(outputs.logits, safeLabels, pixelWeights, denom);
    },
  };
}

/**
 * sum_i w_i * -log softmax(z_i)[y_i] / denom over the pixels i of `logits` [B, H, W, K], with the
 * gradient written out: dz_i = (softmax(z_i) - onehot(y_i)) * w_i / denom. `targets` must be a
 * class index everywhere (give 0 weight where there is none); `weights` and `denom` get no
 * gradient. The same value as tfjs's composition (logSoftmax, one-hot product, sum), whose
 * gradient is ~8 passes over the logits plus a JavaScript array of ones their size.
 */
export function weightedCrossEntropy(
  logits: tf.Tensor4D,
  targets: tf.Tensor,
  weights: tf.Tensor,
  denom: tf.Scalar,
): tf.Scalar {
  const k = logits.shape[3];
  const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const z = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    const logProbs = tf.logSoftmax(z);
    const oneHot = tf.oneHot(targets, k);
    const scale = tf.expandDims(tf.div(weights, denom), -1);
    save([tf.exp(logProbs), oneHot, scale]);
    const nll = tf.neg(tf.sum(tf.mul(logProbs, oneHot), -1));
    const value = tf.div(tf.sum(tf.mul(nll, weights)), denom);
    return {
      value: value as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [probs, hot, perPixel] = saved;
        return tf.mul(tf.mul(tf.sub(probs, hot), perPixel), dy);
      },
    };
  });
  return loss(logits) as tf.Scalar;
}
