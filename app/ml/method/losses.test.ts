import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { partialCrossEntropy, weightedCrossEntropy, type LossContext } from "./losses.ts";

function context(logits: number[][], labels: number[]): LossContext {
  const k = logits[0].length;
  const n = labels.length;
  return {
    outputs: { logits: tf.tensor4d(logits.flat(), [1, 1, n, k]), embeddings: tf.zeros([1, 1, 1, 1]) },
    images: tf.zeros([1, 1, n, 3]),
    labels: tf.tensor3d(labels, [1, 1, n], "int32"),
    numClasses: k,
    step: 0,
    totalSteps: 1,
  };
}

const nll = (row: number[], label: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[label];

describe("partial cross-entropy", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  const logits = [
    [2, 0, -1],
    [0.5, 0.1, 0.3],
    [-1, 3, 0],
    [0, 0, 5],
  ];

  it("averages over labeled pixels only", () => {
    const labels = [0, 255, 1, 255];
    const value = tf.tidy(() => partialCrossEntropy().compute(context(logits, labels)).dataSync()[0]);
    expect(value).toBeCloseTo((nll(logits[0], 0) + nll(logits[2], 1)) / 2, 5);
  });

  it("applies class weights", () => {
    const labels = [0, 2, 1, 255];
    const term = partialCrossEntropy({ classWeights: [1, 3, 0.5] });
    const value = tf.tidy(() => term.compute(context(logits, labels)).dataSync()[0]);
    const expected = (1 * nll(logits[0], 0) + 0.5 * nll(logits[1], 2) + 3 * nll(logits[2], 1)) / 4.5;
    expect(value).toBeCloseTo(expected, 5);
  });

  it("is zero with zero gradient when nothing is labeled", () => {
    const ctx = context(logits, [255, 255, 255, 255]);
    const g = tf.grad((z: tf.Tensor) =>
      partialCrossEntropy().compute({ ...ctx, outputs: { ...ctx.outputs, logits: z as tf.Tensor4D } }),
    );
    expect(tf.tidy(() => partialCrossEntropy().compute(ctx).dataSync()[0])).toBe(0);
    expect(Math.max(...tf.tidy(() => tf.abs(g(ctx.outputs.logits)).dataSync()))).toBe(0);
  });

  it("has the gradient of the composed cross-entropy: (softmax - one-hot) x weight / denominator", () => {
    const [b, h, w, k] = [2, 5, 7, 4];
    const z = tf.randomNormal([b, h, w, k], 0, 2, "float32", 11) as tf.Tensor4D;
    const targets = tf.tensor3d(
      Array.from({ length: b * h * w }, (_, i) => (i * 7) % k),
      [b, h, w],
      "int32",
    );
    const weights = tf.tensor3d(
      Array.from({ length: b * h * w }, (_, i) => (i % 3 === 0 ? 0 : (i % 5) * 0.5)),
      [b, h, w],
    );
    const denom = tf.scalar(9.5);
    const composed = (x: tf.Tensor) => {
      const logProbs = tf.logSoftmax(x);
      const nllOf = tf.neg(tf.sum(tf.mul(logProbs, tf.oneHot(targets, k)), -1));
      return tf.div(tf.sum(tf.mul(nllOf, weights)), denom) as tf.Scalar;
    };
    const ours = tf.valueAndGrad((x: tf.Tensor) =>
      tf.mul(weightedCrossEntropy(x as tf.Tensor4D, targets, weights, denom), 3),
    )(z);
    const reference = tf.valueAndGrad((x: tf.Tensor) => tf.mul(composed(x), 3) as tf.Scalar)(z);
    expect(ours.value.dataSync()[0]).toBeCloseTo(reference.value.dataSync()[0], 4);
    const a = ours.grad.dataSync();
    const r = reference.grad.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(r[i], 5);
    expect(a.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    tf.dispose([z, targets, weights, denom, ours.value, ours.grad, reference.value, reference.grad]);
  });
});
