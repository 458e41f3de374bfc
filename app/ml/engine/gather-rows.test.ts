import { describe, expect, it } from "vitest";
import { initBackend } from "./backend.ts";
import { gatherRows } from "./gather-rows.ts";
import { tf } from "./tf.ts";

describe("the alignment's row gather", () => {
  it("picks rows and sends their gradient back to them only, as a one-hot matMul does", async () => {
    await initBackend("wasm");
    const x = tf.randomNormal([7, 5], 0, 1, "float32", 3) as tf.Tensor2D;
    const rows = [5, 0, 3];
    const weights = tf.randomNormal([3, 5], 0, 1, "float32", 4);
    const oneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(rows, "int32"), 7), "float32"));
    const ours = tf.valueAndGrad(
      (t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, rows), weights)) as tf.Scalar,
    )(x);
    const reference = tf.valueAndGrad(
      (t: tf.Tensor) => tf.sum(tf.mul(tf.matMul(oneHot, t as tf.Tensor2D), weights)) as tf.Scalar,
    )(x);
    expect(ours.value.dataSync()[0]).toBeCloseTo(reference.value.dataSync()[0], 5);
    const a = ours.grad.dataSync();
    const b = reference.grad.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 6);
    for (const r of [1, 2, 4, 6]) for (let j = 0; j < 5; j++) expect(a[r * 5 + j]).toBe(0);
    tf.dispose([x, weights, oneHot, ours.value, ours.grad, reference.value, reference.grad]);
  });
});
