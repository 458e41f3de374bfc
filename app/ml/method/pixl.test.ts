import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import type { LossContext } from "./losses.ts";
import { blockTargets, logSumExp, partitionPixels, pixlAlignment } from "./pixl.ts";
import { DEFAULT_METHOD } from "./method.ts";

const U = 255;

function ctx(parts: {
  logits: tf.Tensor4D;
  labels: tf.Tensor3D;
  embeddings: tf.Tensor4D;
  pseudoLabels?: tf.Tensor3D;
  teacherEntropy?: tf.Tensor3D;
  anchorLabels?: tf.Tensor3D;
}): LossContext {
  const [b, h, w] = parts.logits.shape;
  return {
    outputs: { logits: parts.logits, embeddings: parts.embeddings },
    images: tf.zeros([b, h, w, 3]),
    labels: parts.labels,
    pseudoLabels: parts.pseudoLabels,
    teacherEntropy: parts.teacherEntropy,
    anchorLabels: parts.anchorLabels,
    numClasses: parts.logits.shape[3],
    step: 0,
    totalSteps: 1,
  };
}

/** Per pixel of 2-d embeddings: whether its gradient is nonzero. */
const moved = (g: ArrayLike<number>, pixels: number) =>
  Array.from({ length: pixels }, (_, i) => Math.abs(g[i * 2]) + Math.abs(g[i * 2 + 1]) > 0);

const options = (o: Partial<typeof DEFAULT_METHOD.pixl> = {}) => ({
  ...DEFAULT_METHOD.pixl,
  weight: 1,
  quantile: 0.75,
  rampFraction: 0,
  ...o,
});

/**
 * One image of 2x2 pixels, logits and embeddings at the same resolution: pixels 0 and 3 sure of
 * class 0, pixel 1 sure of class 1 (joint), pixel 2 unsure (drift), labeled class 0.
 */
function setup(driftEmbedding: number[], labels = [0, 1, 0, 0]) {
  return {
    logits: tf.tensor4d([5, -5, -5, 5, 0, 0.01, 5, -5], [1, 2, 2, 2]),
    labels: tf.tensor3d(labels, [1, 2, 2], "int32"),
    embeddings: tf.tensor4d([1, 0, 0, 1, ...driftEmbedding, 1, 0], [1, 2, 2, 2]),
  };
}

describe("PiXL alignment", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("splits each image's targeted pixels at its own entropy quantile", () => {
    const targets = Int32Array.from([0, 1, U, 0, /* image 2 */ 1, 1, 0, U]);
    const entropy = Float32Array.from([0.1, 0.5, 0.0, 0.9, /* image 2 */ 0.6, 0.7, 0.8, 0.1]);
    const p = partitionPixels(targets, entropy, 2, 0.5);
    // image 1: targeted entropies 0.1, 0.5, 0.9 -> median 0.5; image 2: 0.6, 0.7, 0.8 -> 0.7.
    expect(Array.from(p.joint)).toEqual([0, 1, -1, -1, 1, 1, -1, -1]);
    expect(Array.from(p.drift)).toEqual([-1, -1, -1, 0, -1, -1, 0, -1]);
    expect(p.thresholds).toEqual([Math.fround(0.5), Math.fround(0.7)]);
  });

  it("gives a block the class its targeted pixels agree on, and skips boundaries and empty blocks", () => {
    // 4x4 pixels -> 2x2 blocks of 2x2
    // prettier-ignore
    const targets = Int32Array.from([
      2, 2,   1, U,
      2, U,   0, 1,
      U, U,   3, 3,
      U, U,   3, 3,
    ]);
    // prettier-ignore
    const isLabel = Uint8Array.from([
      1, 0,   1, 0,
      0, 0,   1, 1,
      0, 0,   0, 0,
      0, 0,   0, 0,
    ]);
    const b = blockTargets(targets, isLabel, 1, 4, 4, 2, 2);
    expect(Array.from(b.classes)).toEqual([2, U, U, 3]); // top right mixes 1 and 0: skipped
    expect(Array.from(b.fromLabel)).toEqual([1, 0, 0, 0]); // bottom right: pseudo-labels only
  });

  it("is lower when drift embeddings sit on their class prototypes", () => {
    const value = (drift: number[]) =>
      tf.tidy(
        () =>
          pixlAlignment(options())
            .compute(ctx(setup(drift)))
            .dataSync()[0],
      );
    const onPrototype = value([1, 0]);
    const between = value([Math.SQRT1_2, Math.SQRT1_2]);
    const onOther = value([0, 1]);
    expect(onPrototype).toBeLessThan(between);
    expect(between).toBeLessThan(onOther);
    expect(onPrototype).toBeLessThan(1e-3);
  });

  it("gives gradient to drift pixels only, and builds prototypes from labels only", () => {
    const s = setup([0, 1]);
    const t = pixlAlignment(options());
    const grad = tf.grad((e: tf.Tensor) => t.compute(ctx({ ...s, embeddings: e as tf.Tensor4D })))(
      s.embeddings,
    );
    const g = grad.dataSync();
    for (const i of [0, 1, 3]) expect(Math.abs(g[i * 2]) + Math.abs(g[i * 2 + 1])).toBe(0);
    expect(Math.abs(g[4]) + Math.abs(g[5])).toBeGreaterThan(0);
    expect(t.prototypes()).toEqual({ values: Float32Array.from([1, 0, 0, 1]), present: [true, true] });

    // Class 1 only pseudo-labeled (the teacher's), not labeled: no prototype of its own.
    const p = pixlAlignment(options());
    const unlabeled = setup([0, 1], [0, U, 0, 0]);
    tf.tidy(() =>
      p.compute(ctx({ ...unlabeled, pseudoLabels: tf.tensor3d([U, 1, U, U], [1, 2, 2], "int32") })),
    );
    expect(p.prototypes()?.present).toEqual([true, false]);
  });

  it("partitions by the student's entropy without a teacher", () => {
    const s = setup([0, 1]);
    const t = pixlAlignment(options());
    const g = tf.grad((e: tf.Tensor) => t.compute(ctx({ ...s, embeddings: e as tf.Tensor4D })))(s.embeddings);
    // The student is unsure of pixel 2 only: it is the drift pixel.
    expect(moved(g.dataSync(), 4)).toEqual([false, false, true, false]);
  });

  it("with a teacher, aligns only the images it looked at, by its entropy, anchored on labels", () => {
    // Two copies of the 2x2 image. The first is the weak half (its labels train, the teacher did
    // not look: -1); the second the strong half: its labels withheld from training but carried as
    // anchors, the teacher's targets (the labels) and entropy on the clean view, unsure of pixel 0.
    const s = setup([0, 1]);
    const two = <T extends tf.Tensor>(t: T) => tf.concat([t, t]) as T;
    const t = pixlAlignment(options());
    const g = tf.grad((e: tf.Tensor) =>
      t.compute(
        ctx({
          logits: two(s.logits),
          labels: tf.concat([s.labels, tf.fill([1, 2, 2], U, "int32")]) as tf.Tensor3D,
          embeddings: e as tf.Tensor4D,
          pseudoLabels: tf.concat([tf.fill([1, 2, 2], U, "int32"), s.labels]) as tf.Tensor3D,
          teacherEntropy: tf.tensor3d([-1, -1, -1, -1, 0.9, 0, 0, 0], [2, 2, 2]),
          anchorLabels: two(s.labels),
        }),
      ),
    )(two(s.embeddings));
    expect(moved(g.dataSync(), 8)).toEqual([false, false, false, false, true, false, false, false]);
    // Its prototypes are the second image's labeled joint pixels: class 0 the mean of pixels 2
    // (0, 1) and 3 (1, 0), class 1 pixel 1 (0, 1).
    const r = Math.SQRT1_2;
    Array.from(t.prototypes()!.values).forEach((v, i) => expect(v).toBeCloseTo([r, r, 0, 1][i], 6));
  });

  it("waits for a late-starting teacher, then ramps with it", () => {
    const value = (consistency: number | undefined, withTeacher: boolean) =>
      tf.tidy(() => {
        const t = pixlAlignment({ ...options(), withTeacher });
        return t.compute({ ...ctx(setup([0, 1])), consistency }).dataSync()[0];
      });
    const full = value(undefined, false);
    expect(full).toBeGreaterThan(0);
    // Before the teacher starts (consistency 0): nothing, and no prototypes stored.
    expect(value(0, true)).toBe(0);
    const waiting = pixlAlignment({ ...options(), withTeacher: true });
    tf.tidy(() => waiting.compute({ ...ctx(setup([0, 1])), consistency: 0 }));
    expect(waiting.prototypes()).toBeUndefined();
    // Then scaled by the teacher's ramp; its own ramp from step 0 is not applied on top.
    expect(value(0.5, true)).toBeCloseTo(full / 2, 5);
    expect(pixlAlignment({ ...options({ rampFraction: 0.5 }), withTeacher: true }).weight(0, 100)).toBe(1);
  });

  it("reads the student's entropy and own class from each block's mean logits", () => {
    // 4x4 pixels, 2x2 blocks of 2x2: A (top left) sure of class 0, labeled 0; B (top right) sure
    // of class 1, unlabeled: its own class is its target; C (bottom left) sure of 1, labeled 1;
    // D (bottom right) unsure, labeled 0. B's target makes 4 targeted blocks, so at the 0.75
    // quantile D alone is drift (with 3, the quantile would take D in as joint).
    const block = (l: number[]) => l;
    const sure0 = block([6, -6]);
    const sure1 = block([-6, 6]);
    const unsure = block([0.1, 0]);
    const at = (y: number, x: number) => (y < 2 ? (x < 2 ? sure0 : sure1) : x < 2 ? sure1 : unsure);
    const logits = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => at(Math.floor(i / 4), i % 4)).flat(),
      [1, 4, 4, 2],
    );
    const lab = (y: number, x: number) => (y < 2 ? (x < 2 ? 0 : U) : x < 2 ? 1 : 0);
    const labels = tf.tensor3d(
      Array.from({ length: 16 }, (_, i) => lab(Math.floor(i / 4), i % 4)),
      [1, 4, 4],
      "int32",
    );
    const embeddings = tf.tensor4d([1, 0, 0, 1, 0, 1, 0, 1], [1, 2, 2, 2]);
    const t = pixlAlignment(options({ tau: 0.9 }));
    const g = tf
      .grad((e: tf.Tensor) => t.compute(ctx({ logits, labels, embeddings: e as tf.Tensor4D })))(embeddings)
      .dataSync();
    const moved = [0, 1, 2, 3].map((i) => Math.abs(g[i * 2]) + Math.abs(g[i * 2 + 1]) > 0);
    expect(moved).toEqual([false, false, false, true]);
  });

  it("aligns at most maxDriftPerClass drift pixels per class and step", () => {
    // 1 x 10 pixels: 0 sure of class 0, 1 sure of class 1 (joint); 2-9 unsure (drift), labeled 0.
    const n = 10;
    const logits = tf.tensor4d([5, -5, -5, 5, ...new Array<number>(2 * (n - 2)).fill(0)], [1, 1, n, 2]);
    const labels = tf.tensor3d([0, 1, ...new Array<number>(n - 2).fill(0)], [1, 1, n], "int32");
    const drift = Array.from({ length: n - 2 }, () => [0.6, 0.8]).flat();
    const embeddings = tf.tensor4d([1, 0, 0, 1, ...drift], [1, 1, n, 2]);
    const t = pixlAlignment(options({ quantile: 0.2, maxDriftPerClass: 3 }));
    const g = tf
      .grad((e: tf.Tensor) => t.compute(ctx({ logits, labels, embeddings: e as tf.Tensor4D })))(embeddings)
      .dataSync();
    const moved = Array.from({ length: n }, (_, i) => Math.abs(g[i * 2]) + Math.abs(g[i * 2 + 1]));
    expect(moved.slice(0, 2)).toEqual([0, 0]);
    expect(moved.filter((v) => v > 0)).toHaveLength(3);
  });
});

describe("the alignment's log-sum-exp", () => {
  it("has tf.logSumExp's value and gradient, also over rows masked at -1e4", async () => {
    await initBackend("wasm");
    const x = tf.tidy(() =>
      tf.add(
        tf.randomNormal([2, 5, 6], 0, 5, "float32", 9),
        tf.tensor3d([0, 0, -1e4, 0, -1e4, -1e4], [1, 1, 6]),
      ),
    );
    const weights = tf.randomNormal([2, 5], 0, 1, "float32", 10);
    const ours = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(logSumExp(t), weights)) as tf.Scalar)(x);
    const stock = tf.valueAndGrad(
      (t: tf.Tensor) => tf.sum(tf.mul(tf.logSumExp(t, -1), weights)) as tf.Scalar,
    )(x);
    expect(ours.value.dataSync()[0]).toBeCloseTo(stock.value.dataSync()[0], 3);
    const a = ours.grad.dataSync();
    const b = stock.grad.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    tf.dispose([x, weights, ours.value, ours.grad, stock.value, stock.grad]);
  });
});
