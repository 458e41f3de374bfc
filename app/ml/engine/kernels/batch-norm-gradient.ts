/**
 * The gradient of batch norm (the FusedBatchNorm kernel), registered in place of tfjs-core's.
 *
 * tfjs-core 4.22's gradient with respect to x tiles 1/sqrt(variance + eps) to the whole input's
 * shape before multiplying ([B, H, W, C] from [C]), although the multiplication broadcasts. The
 * wasm backend's Tile is a scalar loop: `bench:train --profile` put it at a quarter of a whole
 * training step (12 batch-norm layers, every step). Here the broadcast is left to the
 * multiplication, and with per-channel statistics (always, in our network) the five gradients
 * share two reductions over the input's size, sum(dy) and sum(dy * (x - mean)), where tfjs-core
 * runs four, and seven full-size element-wise ops become three:
 *
 *   dx = dy * scale / sd          d mean = -scale / sd * sum(dy)     d offset = sum(dy)
 *   d scale = sum(dy (x - mean)) / sd      d variance = -scale / (2 sd^3) * sum(dy (x - mean))
 *
 * with sd = sqrt(variance + eps). Other shapes take tfjs-core's arithmetic without the tile.
 */
import { tf } from "../tf.ts";
import { simdBroadcastChannels } from "./simd/simd-kernels.ts";

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
    const rsqrt = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const minusHalfRCube = tf.mul(tf.mul(tf.mul(rsqrt, rsqrt), rsqrt), tf.scalar(-0.5));
    if (perChannel) {
      const sumDy = tf.sum(g, reductionAxes);
      const sumDyCentered = tf.sum(tf.mul(g, xMinusMean), reductionAxes);
      const scaleOverSd = tf.mul(scaleValue, rsqrt);
      return {
        x: () => tf.mul(g, scaleOverSd),
        mean: () => tf.reshape(tf.neg(tf.mul(scaleOverSd, sumDy)), mean.shape),
        variance: () => tf.reshape(tf.mul(tf.mul(minusHalfRCube, scaleValue), sumDyCentered), mean.shape),
        scale: () => tf.reshape(tf.mul(sumDyCentered, rsqrt), mean.shape),
        offset: () => tf.reshape(sumDy, mean.shape),
      };
    }
    const dyTimesScale = tf.mul(g, scaleValue);
    return {
      x: () => tf.reshape(tf.mul(dyTimesScale, rsqrt), x.shape),
      mean: () => reduce(tf.mul(tf.mul(rsqrt, tf.scalar(-1)), dyTimesScale)),
      variance: () => reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)),
      scale: () => reduce(tf.mul(g, tf.mul(xMinusMean, rsqrt))),
      offset: () => reduce(g),
    };
  },
};

/**
 * The gradient of Mean, which batch norm's statistics in training (tf.moments) run twice per layer.
 * tfjs-core's multiplies dy into ones of x's shape and then divides the whole by the count; here
 * dy is divided first, at its own size, and broadcast once: per channel by our SIMD kernel on wasm,
 * else by a multiplication with ones. The same values, bit for bit.
 */
export const meanGradient: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const axes = tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape);
    const count = axes.reduce((n, a) => n * x.shape[a], 1);
    const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return {
      x: () => {
        const scaled = tf.div(dy as tf.Tensor, tf.scalar(count));
        const perChannel = keptShape.every((d, i) => d === 1 || i === x.rank - 1);
        return (
          (perChannel ? simdBroadcastChannels(scaled, x.shape) : null) ??
          tf.mul(tf.reshape(scaled, keptShape), tf.ones(x.shape))
        );
      },
    };
  },
};

/** Puts our batch-norm and mean gradients in the registry (every backend uses them). Idempotent. */
export function registerBatchNormGradient(): void {
  if (tf.getGradient(tf.FusedBatchNorm) !== batchNormGradient) tf.registerGradient(batchNormGradient);
  if (tf.getGradient(tf.Mean) !== meanGradient) tf.registerGradient(meanGradient);
}
