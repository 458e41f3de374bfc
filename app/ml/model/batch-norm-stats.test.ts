import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { reestimateBatchNorm } from "./batch-norm-stats.ts";
import { predict } from "../prediction/predict.ts";
import { seededNetwork } from "../testing/seeded.ts";

const net = () => seededNetwork({ numClasses: 3, widths: [8, 16], embeddingDim: 4, projectionHidden: 4 });

function image(width: number, height: number, seed: number) {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = ((i + seed) * 2654435761) >>> 24;
  return { pixels, width, height, channels: 3 as const };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("batch-norm re-estimation", () => {
  beforeAll(async () => {
    await initBackend("cpu");
  });

  it("makes inference on an image match the network normalized by that image's own statistics", () => {
    const n = net();
    const img = image(32, 24, 1);
    const x = tf.tensor4d(Float32Array.from(img.pixels), [1, 24, 32, 3]);
    // Before: the initial moving statistics (mean 0, variance 1) are far from the image's.
    const training = (n.forwardLogits(x, true) as tf.Tensor).dataSync() as Float32Array;
    const before = (n.forwardLogits(x, false) as tf.Tensor).dataSync() as Float32Array;
    expect(maxDiff(training, before)).toBeGreaterThan(0.1);
    const learned = n.model.trainableWeights.map((w) => w.read().dataSync().slice());
    const r = reestimateBatchNorm(n, [img], { scale: 1 });
    expect(r).toEqual({ layers: 6, images: 1 });
    const after = (n.forwardLogits(x, false) as tf.Tensor).dataSync() as Float32Array;
    expect(maxDiff(training, after)).toBeLessThan(1e-2);
    // The weights that learn are untouched.
    n.model.trainableWeights.forEach((w, i) => expect(maxDiff(w.read().dataSync(), learned[i])).toBe(0));
    x.dispose();
    n.dispose();
  });

  it("averages over images and leaves a usable network", () => {
    const n = net();
    const r = reestimateBatchNorm(n, [image(40, 30, 2), image(50, 20, 3), image(16, 16, 4)], { scale: 0.5 });
    expect(r.images).toBe(3);
    const p = predict(n, image(40, 30, 5), { scale: 0.5 });
    expect(p.classMap.length).toBe(1200);
    expect(p.confidence.every((c) => Number.isFinite(c) && c > 0)).toBe(true);
    n.dispose();
  });
});

describe("test-time flip", () => {
  beforeAll(async () => {
    await initBackend("cpu");
  });

  it("predicts a mirrored image as the mirror of its prediction", () => {
    const n = net();
    const img = image(24, 16, 7);
    const mirrored = { ...img, pixels: new Uint8Array(img.pixels.length) };
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 24; x++)
        for (let c = 0; c < 3; c++)
          mirrored.pixels[(y * 24 + (23 - x)) * 3 + c] = img.pixels[(y * 24 + x) * 3 + c];
    const a = predict(n, img, { scale: 1, flip: true });
    const b = predict(n, mirrored, { scale: 1, flip: true });
    const back = new Float32Array(a.confidence.length);
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 24; x++) back[y * 24 + (23 - x)] = b.confidence[y * 24 + x];
    expect(maxDiff(a.confidence, back)).toBeLessThan(1e-4);
    // Without the flip the network alone is not mirror-symmetric, so the check above means something.
    const c = predict(n, img, { scale: 1 });
    expect(maxDiff(a.confidence, c.confidence)).toBeGreaterThan(1e-3);
    n.dispose();
  });
});
