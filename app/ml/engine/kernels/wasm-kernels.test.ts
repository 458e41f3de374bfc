import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../tf.ts";
import { initBackend } from "../backend.ts";
import { maxRelError, randomValues } from "../../testing/numeric.ts";

interface Case {
  x: [number, number, number, number];
  k: [number, number];
  co: number;
  stride: number | [number, number];
  pad: "same" | "valid";
}

const cases: Case[] = [
  { x: [2, 9, 11, 3], k: [3, 3], co: 5, stride: 1, pad: "same" },
  { x: [2, 9, 11, 3], k: [3, 3], co: 5, stride: 1, pad: "valid" },
  { x: [3, 9, 11, 4], k: [3, 3], co: 6, stride: 2, pad: "same" },
  { x: [3, 10, 7, 4], k: [3, 3], co: 6, stride: 2, pad: "valid" },
  { x: [2, 12, 12, 4], k: [2, 2], co: 3, stride: 2, pad: "valid" },
  { x: [2, 13, 9, 2], k: [4, 4], co: 3, stride: 4, pad: "same" },
  { x: [2, 7, 8, 5], k: [1, 1], co: 4, stride: 2, pad: "same" },
  { x: [1, 8, 9, 3], k: [5, 3], co: 2, stride: [2, 1], pad: "same" },
  { x: [4, 16, 16, 8], k: [3, 3], co: 8, stride: 1, pad: "same" },
];

describe("wasm training kernels", () => {
  beforeAll(async () => {
    const info = await initBackend("wasm");
    expect(info.name).toBe("wasm");
  });

  for (const c of cases) {
    const label = `x=${c.x.join("x")} k=${c.k.join("x")} co=${c.co} stride=${String(c.stride)} ${c.pad}`;
    it(`conv2d gradients match the cpu backend: ${label}`, () => {
      const filterShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.co];
      const xv = randomValues(
        c.x.reduce((a, b) => a * b),
        1,
      );
      const wv = randomValues(
        filterShape.reduce((a, b) => a * b),
        2,
      );
      const run = (backend: string) => {
        tf.setBackend(backend);
        return tf.tidy(() => {
          const x = tf.tensor4d(xv, c.x);
          const w = tf.tensor4d(wv, filterShape);
          const y = tf.conv2d(x, w, c.stride, c.pad);
          const dyv = randomValues(y.size, 3);
          const dy = tf.tensor(dyv, y.shape) as tf.Tensor4D;
          const dx = tf.conv2dTranspose(dy, w, c.x, c.stride, c.pad);
          const attrs = { strides: c.stride, pad: c.pad, dataFormat: "NHWC", filterShape };
          const dw = tf
            .engine()
            .runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
          // Also through autodiff, as training uses it.
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy)),
          );
          const [gx, gw] = g([x, w]);
          return [dx, dw, gx, gw].map((t) => (t.dataSync() as Float32Array).slice());
        });
      };
      const expected = run("cpu");
      const actual = run("wasm");
      for (let i = 0; i < expected.length; i++)
        expect(maxRelError(actual[i], expected[i])).toBeLessThan(1e-5);
    });
  }

  it("sums and means, per channel (ours) or over other axes (stock), match the cpu backend", () => {
    const shapes: number[][] = [
      [2, 5, 3, 8],
      [7, 4],
      [3, 3, 3, 44],
      [2, 3, 5],
      [4, 6],
    ];
    const run = (backend: string) => {
      tf.setBackend(backend);
      return tf.tidy(() =>
        shapes.flatMap((shape, i) => {
          const x = tf.tensor(
            randomValues(
              shape.reduce((a, b) => a * b),
              10 + i,
            ),
            shape,
          );
          const allButLast = shape.slice(0, -1).map((_, a) => a);
          return [
            tf.sum(x, allButLast),
            tf.mean(x, allButLast, true),
            tf.sum(x, [shape.length - 1]),
            tf.mean(x),
          ].map((t) => (t.dataSync() as Float32Array).slice());
        }),
      );
    };
    const expected = run("cpu");
    const actual = run("wasm");
    for (let i = 0; i < expected.length; i++) expect(maxRelError(actual[i], expected[i])).toBeLessThan(1e-5);
  });

  it("exp matches the cpu backend, across the whole float range and at its edges", () => {
    const edges = [
      0,
      -0,
      1,
      -1,
      88.72,
      88.73,
      100,
      -87.33,
      -87.34,
      -100,
      1e-8,
      -1e-8,
      Infinity,
      -Infinity,
      NaN,
      0.5,
    ];
    const values = Float32Array.from([...edges, ...Array.from(randomValues(4000, 20), (v) => v * 90)]);
    const run = (backend: string) => {
      tf.setBackend(backend);
      return tf.tidy(() =>
        [tf.exp(tf.tensor1d(values)), tf.exp(tf.tensor1d(values.subarray(0, 7)))].map(
          (t) => t.dataSync() as Float32Array,
        ),
      );
    };
    const expected = run("cpu");
    const actual = run("wasm");
    for (let r = 0; r < expected.length; r++)
      expected[r].forEach((e, i) => {
        const a = actual[r][i];
        if (Number.isNaN(e) || !Number.isFinite(e)) expect(a).toBe(e);
        else expect(Math.abs(a - e)).toBeLessThanOrEqual(2e-7 * Math.abs(e) + 1e-37);
      });
  });

  it("times and minus one value per channel (ours) or anything else (stock) match the cpu backend", () => {
    const run = (backend: string) => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(randomValues(2 * 3 * 5 * 8, 40), [2, 3, 5, 8]);
        const v = tf.tensor1d(randomValues(8, 41));
        const v4 = tf.reshape(v, [1, 1, 1, 8]);
        const x3 = tf.tensor3d(randomValues(4 * 5 * 6, 42), [4, 5, 6]); // 6 channels: stock
        const v3 = tf.tensor1d(randomValues(6, 43));
        const rows = tf.tensor4d(randomValues(2 * 3 * 1 * 8, 44), [2, 3, 1, 8]); // not per channel: stock
        return [
          tf.mul(x, v),
          tf.mul(v4, x),
          tf.sub(x, v4),
          tf.sub(v, x), // vector first: stock
          tf.mul(x3, v3),
          tf.sub(x, rows),
          tf.mul(tf.cast(x, "int32"), tf.cast(v, "int32")),
        ].map((t) => Float32Array.from(t.dataSync()));
      });
    };
    const expected = run("cpu");
    const actual = run("wasm");
    for (let i = 0; i < expected.length; i++) expect(maxRelError(actual[i], expected[i])).toBeLessThan(1e-6);
  });

  it("batch norm, per channel (ours) or not (stock), with and without scale and offset, matches the cpu backend", () => {
    const run = (backend: string) => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(randomValues(2 * 5 * 3 * 8, 30), [2, 5, 3, 8]);
        const v = (seed: number, shift = 0) =>
          tf.add(tf.tensor1d(randomValues(8, seed)), shift) as tf.Tensor1D;
        const x3 = tf.tensor4d(randomValues(2 * 4 * 3 * 3, 31), [2, 4, 3, 3]);
        const v3 = (seed: number, shift = 0) =>
          tf.add(tf.tensor1d(randomValues(3, seed)), shift) as tf.Tensor1D;
        return [
          tf.batchNorm(x, v(32), v(33, 2), v(34), v(35), 1e-3),
          tf.batchNorm(x, v(32), v(33, 2), undefined, undefined, 1e-3),
          tf.batchNorm(x3, v3(36), v3(37, 2), v3(38), v3(39), 1e-3), // 3 channels: the stock kernel
        ].map((t) => (t.dataSync() as Float32Array).slice());
      });
    };
    const expected = run("cpu");
    const actual = run("wasm");
    for (let i = 0; i < expected.length; i++) expect(maxRelError(actual[i], expected[i])).toBeLessThan(1e-5);
  });

  it("Identity shares its input's memory: a clone (and every tensor saved for a gradient) costs no copy", () => {
    tf.setBackend("wasm");
    const buffers = () => tf.memory().numDataBuffers;
    const x = tf.randomNormal([4, 16, 16, 8], 0, 1, "float32", 3);
    const values = Array.from(x.dataSync());
    const before = buffers();
    const y = tf.clone(x);
    expect(buffers()).toBe(before); // the stock kernel allocated a second buffer and copied
    x.dispose(); // the clone keeps the memory alive
    expect(buffers()).toBe(before);
    expect(Array.from(y.dataSync())).toEqual(values);
    const z = tf.add(y, 1); // and it can be computed with, and freed
    expect(z.dataSync()[0]).toBeCloseTo(values[0] + 1, 5);
    y.dispose();
    z.dispose();
    expect(buffers()).toBe(before - 1);
  });

  it("leaves no tensors behind", () => {
    tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.ones([2, 8, 8, 3]) as tf.Tensor4D;
      const w = tf.ones([3, 3, 3, 4]) as tf.Tensor4D;
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, "same")),
      )([x, w]);
    });
    // Our reductions, batch norm and exp, outside a tidy: only what they return remains.
    const t = tf.randomNormal([2, 4, 4, 8]) as tf.Tensor4D;
    const [mean, variance] = [tf.zeros([8]) as tf.Tensor1D, tf.ones([8]) as tf.Tensor1D];
    const outs = [
      tf.mean(t, [0, 1, 2]),
      tf.sum(t, [0, 1, 2], true),
      tf.batchNorm(t, mean, variance),
      tf.exp(t),
    ];
    tf.dispose([t, mean, variance, ...outs]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
