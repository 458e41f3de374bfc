/**
 * Rows of a matrix with a gradient the wasm backend can run: tf.gather's own gradient needs
 * UnsortedSegmentSum, which wasm lacks, so the gradient is scattered back with scatterND.
 */
import { tf } from "./tf.ts";

/** Rows `rows` of `x` (n x d), with the gradient scattered back to those rows. */
export function gatherRows(x: tf.Tensor2D, rows: readonly number[]): tf.Tensor2D {
  const at = [...rows];
  const gather = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = args[0] as tf.Tensor2D;
    const value = tf.tidy(() => tf.gather(t, tf.tensor1d(at, "int32")));
    return {
      value,
      gradFunc: (dy: tf.Tensor) =>
        tf.tidy(() => tf.scatterND(tf.tensor2d(at, [at.length, 1], "int32"), dy, t.shape)),
    };
  });
  return gather(x) as tf.Tensor2D;
}
