import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../../tf.ts";
import { initBackend } from "../../backend.ts";
import { assembleSimdKernels } from "../../../../../scripts/simd-assemble.ts";
import { SIMD_KERNELS_WASM } from "./simd-kernels-binary.ts";
import { simdConv2dFilterGradient, simdConv2dInputGradient, simdKernelsStatus } from "./simd-kernels.ts";
import { maxRelError, randomValues } from "../../../testing/numeric.ts";

type Shape4 = [number, number, number, number];
type Pad = "same" | "valid" | number;

// Odd sizes, rows whose valid range is not a multiple of the 4-pixel block, channel counts that
// need padding (3, 5, 11) and ones that do not (8, 16), strides 1 to 4, every padding kind.
const cases: Array<{
  x: Shape4;
  k: [number, number];
  co: number;
  stride: number | [number, number];
  pad: Pad;
}> = [
  { x: [2, 9, 11, 3], k: [3, 3], co: 5, stride: 1, pad: "same" },
  { x: [2, 9, 11, 8], k: [3, 3], co: 8, stride: 1, pad: "valid" },
  { x: [3, 17, 13, 16], k: [3, 3], co: 16, stride: 2, pad: "same" },
  { x: [3, 10, 7, 4], k: [3, 3], co: 11, stride: 2, pad: "valid" },
  { x: [2, 12, 15, 8], k: [2, 2], co: 8, stride: 2, pad: "valid" },
  { x: [2, 13, 9, 5], k: [4, 4], co: 3, stride: 4, pad: "same" },
  { x: [2, 7, 8, 16], k: [1, 1], co: 11, stride: 1, pad: "same" },
  { x: [1, 8, 9, 8], k: [5, 3], co: 16, stride: [2, 1], pad: "same" },
  { x: [2, 11, 10, 8], k: [3, 3], co: 8, stride: 3, pad: 2 },
  { x: [1, 6, 5, 24], k: [3, 5], co: 24, stride: 1, pad: 1 },
];

describe("SIMD convolution-gradient kernels", () => {
  beforeAll(async () => {
    expect((await initBackend("wasm")).name).toBe("wasm");
  });

  it("the committed binary is the WebAssembly text assembled (npm run build:simd)", async () => {
    const built = Buffer.from(await assembleSimdKernels()).toString("base64");
    expect(built).toBe(SIMD_KERNELS_WASM);
  });

  it("serve the wasm backend and say why not elsewhere", () => {
    tf.setBackend("wasm");
    expect(simdKernelsStatus()).toEqual({ available: true, reason: null });
    tf.setBackend("cpu");
    expect(simdKernelsStatus().available).toBe(false);
    tf.setBackend("wasm");
  });

  for (const c of cases) {
    const label = `x=${c.x.join("x")} k=${c.k.join("x")} co=${c.co} stride=${String(c.stride)} pad=${c.pad}`;
    it(`match the cpu backend's gradients: ${label}`, () => {
      const filterShape: Shape4 = [c.k[0], c.k[1], c.x[3], c.co];
      const xv = randomValues(
        c.x.reduce((a, b) => a * b),
        1,
      );
      const wv = randomValues(
        filterShape.reduce((a, b) => a * b),
        2,
      );
      const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, c.stride, 1, c.pad);
      const dyShape: Shape4 = [c.x[0], info.outHeight, info.outWidth, c.co];
      const dyv = randomValues(
        dyShape.reduce((a, b) => a * b),
        3,
      );

      tf.setBackend("cpu");
      const expected = tf.tidy(() => {
        const x = tf.tensor4d(xv, c.x);
        const w = tf.tensor4d(wv, filterShape);
        const dy = tf.tensor4d(dyv, dyShape);
        const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy)),
        )([x, w]);
        return [gx, gw].map((t) => t.dataSync() as Float32Array);
      });

      tf.setBackend("wasm");
      const before = tf.memory().numTensors;
      const actual = tf.tidy(() => {
        const x = tf.tensor4d(xv, c.x);
        const w = tf.tensor4d(wv, filterShape);
        const dy = tf.tensor4d(dyv, dyShape);
        const dx = simdConv2dInputGradient(dy, w, info);
        const dw = simdConv2dFilterGradient(x, dy, info);
        expect(dx).not.toBeNull();
        expect(dw).not.toBeNull();
        return [dx!, dw!].map((t) => t.dataSync() as Float32Array);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(maxRelError(actual[0], expected[0])).toBeLessThan(1e-5);
      expect(maxRelError(actual[1], expected[1])).toBeLessThan(1e-5);
    });
  }
});
