import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import {
  cropSource,
  DEFAULT_AUGMENT,
  makeBatch,
  planCrop,
  renderCrops,
  seededRandom,
  type CropPlan,
  type TrainingSample,
} from "./augment.ts";
import { UNLABELED } from "../method/losses.ts";

function sample(width: number, height: number, channels: 1 | 3 | 4, labeled = true): TrainingSample {
  const pixels = new Uint8Array(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + (i % 7) * 11) % 256;
  const labels = labeled ? new Uint8Array(width * height) : undefined;
  if (labels) for (let i = 0; i < labels.length; i++) labels[i] = i % 5 === 0 ? UNLABELED : (i * 13) % 4;
  return { pixels, width, height, channels, labels };
}

/** Largest difference of two renderings' pixels (0-255): float32 sampling positions differ slightly. */
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** The crop rendered from the whole sample and from the part cropSource cut: values of both. */
function both(s: TrainingSample, plan: CropPlan, size: number) {
  const whole = renderCrops([{ part: s, plan }], size);
  const cut = renderCrops([cropSource(s, plan)], size);
  const out = {
    whole: { images: whole.images.dataSync(), labels: whole.labels.dataSync() },
    cut: { images: cut.images.dataSync(), labels: cut.labels.dataSync() },
  };
  tf.dispose([whole.images, whole.labels, cut.images, cut.labels]);
  return out;
}

describe("crops rendered from the part of the image they read", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("match crops rendered from the whole image, for odd sizes, flips, zooms and crops past the edge", () => {
    const rand = seededRandom(3);
    const shapes: Array<[number, number, 1 | 3 | 4]> = [
      [97, 61, 3],
      [61, 97, 1],
      [130, 40, 4],
      [33, 33, 3],
      [300, 211, 3],
    ];
    let compared = 0;
    for (const [w, h, c] of shapes)
      for (let k = 0; k < 6; k++) {
        const s = sample(w, h, c);
        const size = [32, 48, 64][k % 3];
        const plan = planCrop(s, { ...DEFAULT_AUGMENT, size, minScale: 0.3, maxScale: 2.5 }, rand);
        const part = cropSource(s, plan).part;
        expect(part.width * part.height).toBeLessThanOrEqual(w * h);
        const r = both(s, plan, size);
        expect(maxDiff(r.cut.images, r.whole.images)).toBeLessThan(0.05);
        expect(Array.from(r.cut.labels)).toEqual(Array.from(r.whole.labels));
        compared++;
      }
    expect(compared).toBe(30);
  });

  it("reads a small part of a large image", () => {
    const s = sample(2000, 1500, 3);
    const plan = planCrop(s, { ...DEFAULT_AUGMENT, size: 64 }, seededRandom(1));
    const { part } = cropSource(s, plan);
    // a 64-pixel crop at zoom 0.7-1.4 covers at most ~92 pixels a side, plus the sampling margin
    expect(part.width).toBeLessThanOrEqual(96);
    expect(part.height).toBeLessThanOrEqual(96);
    const r = both(s, plan, 64);
    expect(maxDiff(r.cut.images, r.whole.images)).toBeLessThan(0.05);
    expect(Array.from(r.cut.labels)).toEqual(Array.from(r.whole.labels));
  });

  it("handles a crop lying past the image's last row and one-pixel-high images", () => {
    const s = sample(40, 30, 3);
    for (const box of [
      [1.2, 0.1, 1.9, 0.8],
      [-0.9, 0.2, -0.1, 0.9],
      [0.5, 1.1, 0.9, 0.2],
    ] as CropPlan["box"][]) {
      const r = both(s, { box, contrast: 1, brightness: 0 }, 16);
      expect(maxDiff(r.cut.images, r.whole.images)).toBeLessThan(0.05);
      expect(Array.from(r.cut.labels)).toEqual(Array.from(r.whole.labels));
    }
    const line = sample(50, 1, 1);
    const plan = planCrop(line, { ...DEFAULT_AUGMENT, size: 16 }, seededRandom(2));
    const r = both(line, plan, 16);
    expect(maxDiff(r.cut.images, r.whole.images)).toBeLessThan(0.05);
  });

  it("gives samples without labels an all-unlabeled mask, and names a sample whose labels do not fit", () => {
    const b = makeBatch([sample(40, 30, 3, false)], { ...DEFAULT_AUGMENT, size: 16 }, seededRandom(1));
    expect(new Set(b.labels.dataSync())).toEqual(new Set([UNLABELED]));
    tf.dispose([b.images, b.labels]);
    const bad = { ...sample(40, 30, 3), labels: new Uint8Array(10) };
    expect(() => makeBatch([bad], { ...DEFAULT_AUGMENT, size: 16 }, seededRandom(1))).toThrow(
      /training sample 40x30: labels of the wrong size/,
    );
  });
});
