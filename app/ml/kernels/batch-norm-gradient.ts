/**
 * The gradient of batch norm (the FusedBatchNorm kernel), registered in place of tfjs-core's.
 *
 * tfjs-core 4.22's gradient with respect to x tiles 1/sqrt(variance + eps) to the whole input's
 * shape before multiplying ([B, H, W, C] from [C]), although the multiplication broadcasts. The
 * wasm backend's Tile is a scalar loop: `bench:train --profile` put it at a quarter of a whole
 * training step (12 batch-norm layers, every step). This is the same arithmetic with the
 * broadcast left to the multiplication; everything else is as in tfjs-core.
 */
import { tf } from "../tf.ts";

/** Batch norm's inputs and the attribute its gradient reads. */
interface Attrs {
  varianceEpsilon: number;
}

export const batchNormGradient: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ["x", "mean", "variance", "scale"],
  gradFunc: (dy, saved, attrs) => {
    const g = dy as tf.Tensor;
    const { varianceEpsilon } = attrs as unknown as Attrs;
    const [x, mean, variance, scale] = saved;
    const scaleValue = scale ?? tf.scalar(1);
    const reductionAxes = tf.broadcast_util.getReductionAxes(mean.shape, x.shape);
    const perChannel = mean.rank === 1;
    const reduce = (t: tf.Tensor) => tf.reshape(perChannel ? tf.sum(t, reductionAxes) : t, mean.shape);
    const xMinusMean = tf.sub(x, mean);
    const dyTimesScale = tf.mul(g, scaleValue);
    const rsqrt = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const minusHalfRCube = tf.mul(tf.mul(tf.mul(rsqrt, rsqrt), rsqrt), tf.scalar(-0.5));
    return {
      x: () => tf.reshape(tf.mul(dyTimesScale, rsqrt), x.shape),
      mean: () => reduce(tf.mul(tf.mul(rsqrt, tf.scalar(-1)), dyTimesScale)),
      variance: () => reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)),
      scale: () => reduce(tf.mul(g, tf.mul(xMinusMean, rsqrt))),
      offset: () => reduce(g),
    };
  },
};

/** Puts our batch-norm gradient in the registry (every backend uses it). Idempotent. */
export function registerBatchNormGradient(): void {
  if (tf.getGradient(tf.FusedBatchNorm) !== batchNormGradient) tf.registerGradient(batchNormGradient);
}
