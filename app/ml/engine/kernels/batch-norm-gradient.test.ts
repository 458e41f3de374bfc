import { describe, expect, it } from "vitest";
import { tf } from "../tf.ts";
import { initBackend } from "../backend.ts";
import { batchNormGradient } from "./batch-norm-gradient.ts";

/** Batch norm written out in element-wise ops, whose gradients are tfjs-core's own. */
function composed(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) {
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3))), scale), offset);
}

const maxRelative = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.div(tf.abs(tf.sub(a, b)), tf.add(tf.abs(b), 1e-3))).dataSync()[0]);

describe("batch-norm gradient", () => {
  for (const backend of ["cpu", "wasm"] as const)
    it(`matches the gradient of batch norm written out in element-wise ops (${backend}, odd shapes)`, async () => {
      await initBackend(backend);
      expect(tf.getGradient(tf.FusedBatchNorm)).toBe(batchNormGradient);
      for (const shape of [
        [2, 5, 7, 3],
        [1, 9, 4, 16],
        [3, 1, 1, 5],
      ] as Array<[number, number, number, number]>) {
        const c = shape[3];
        const x = tf.randomNormal(shape, 2, 3, "float32", 1);
        const dy = tf.randomNormal(shape, 0, 1, "float32", 2);
        // In training mode the statistics come from x, so the gradient flows through them too.
        const f = (fn: typeof composed) => (xx: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
          const { mean, variance } = tf.moments(xx, [0, 1, 2]);
          return tf.mul(fn(xx, mean, variance, scale, offset), dy);
        };
        const fused = (
          xx: tf.Tensor,
          mean: tf.Tensor,
          variance: tf.Tensor,
          scale: tf.Tensor,
          offset: tf.Tensor,
        ) =>
          tf.batchNorm(
            xx as tf.Tensor4D,
            mean as tf.Tensor1D,
            variance as tf.Tensor1D,
            offset as tf.Tensor1D,
            scale as tf.Tensor1D,
            1e-3,
          );
        const scale = tf.randomUniform([c], 0.5, 1.5, "float32", 3);
        const offset = tf.randomUniform([c], -1, 1, "float32", 4);
        const ours = tf.grads(f(fused))([x, scale, offset]);
        const reference = tf.grads(f(composed))([x, scale, offset]);
        ours.forEach((g, i) => expect(maxRelative(g, reference[i])).toBeLessThan(1e-3));
        tf.dispose([x, dy, scale, offset, ...ours, ...reference]);
      }
    });
});
