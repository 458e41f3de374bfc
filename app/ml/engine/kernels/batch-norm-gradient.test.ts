import { describe, expect, it } from "vitest";
import { tf } from "../tf.ts";
import { initBackend } from "../backend.ts";
import { batchNormGradient, meanGradient } from "./batch-norm-gradient.ts";

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

describe("mean gradient", () => {
  for (const backend of ["cpu", "wasm"] as const)
    it(`is dy / count at every position averaged over (${backend}; per channel, other axes, keepDims)`, async () => {
      await initBackend(backend);
      expect(tf.getGradient(tf.Mean)).toBe(meanGradient);
      const cases: Array<{ shape: number[]; axes: number[]; keepDims: boolean }> = [
        { shape: [2, 5, 7, 8], axes: [0, 1, 2], keepDims: false },
        { shape: [2, 5, 7, 8], axes: [0, 1, 2], keepDims: true },
        { shape: [3, 4, 3], axes: [0, 1], keepDims: false },
        { shape: [2, 5, 7, 8], axes: [1, 2], keepDims: true },
        { shape: [6, 4], axes: [1], keepDims: false },
      ];
      for (const c of cases) {
        const x = tf.randomNormal(c.shape, 0, 1, "float32", 5);
        const outShape = c.shape.filter((_, i) => !c.axes.includes(i));
        const dy = tf.randomNormal(
          c.keepDims ? c.shape.map((d, i) => (c.axes.includes(i) ? 1 : d)) : outShape,
          0,
          1,
          "float32",
          6,
        );
        const [dx] = tf.grads((a: tf.Tensor) => tf.mul(tf.mean(a, c.axes, c.keepDims), dy))([x]);
        const count = c.axes.reduce((n, a) => n * c.shape[a], 1);
        const kept = c.shape.map((d, i) => (c.axes.includes(i) ? 1 : d));
        const expected = tf.tile(
          tf.div(tf.reshape(dy, kept), count),
          c.shape.map((d, i) => (c.axes.includes(i) ? d : 1)),
        );
        expect(dx.shape).toEqual(c.shape);
        expect(Array.from(dx.dataSync())).toEqual(Array.from(expected.dataSync()));
        tf.dispose([x, dy, dx, expected]);
      }
    });
});
