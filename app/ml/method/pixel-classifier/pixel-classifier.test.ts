import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../engine/backend.ts";
import type { RawImage } from "../../model/image.ts";
import { trainPixelClassifier } from "./index.ts";
import { iou, lineImage } from "./synthetic-lines.ts";

const FAST = { trees: 30 };

describe("pixel classifier", () => {
  beforeAll(async () => {
    await initBackend("cpu");
  });

  it("segments thin dark lines on an unevenly lit, noisy background from sparse scribbles", () => {
    const train = [lineImage(96, 96, 1), lineImage(96, 96, 2)];
    const labeled = train.reduce((a, s) => a + s.labels.filter((v) => v !== 255).length, 0);
    expect(labeled / (2 * 96 * 96)).toBeLessThan(0.02);
    const classifier = trainPixelClassifier(train, 2, FAST);
    expect(classifier.samplesPerClass.every((n) => n > 0)).toBe(true);
    const test = lineImage(96, 96, 3);
    const lineShare = test.truth.reduce((a, v) => a + v, 0) / test.truth.length;
    const { classes, probabilities } = classifier.predict(test.image);
    expect(classes.length).toBe(96 * 96);
    expect(probabilities.length).toBe(96 * 96 * 2);
    // chance (all pixels "line") scores the line share, ~0.1
    expect(lineShare).toBeLessThan(0.2);
    expect(iou(classes, test.truth, 1)).toBeGreaterThan(0.5);
    expect(iou(classes, test.truth, 0)).toBeGreaterThan(0.9);
  });

  it("gives the same predictions for the same seed", () => {
    const train = [lineImage(64, 48, 4)];
    const test = lineImage(64, 48, 5).image;
    const a = trainPixelClassifier(train, 2, { ...FAST, seed: 11 }).predict(test);
    const b = trainPixelClassifier(train, 2, { ...FAST, seed: 11 }).predict(test);
    expect(b.probabilities).toEqual(a.probabilities);
    expect(b.classes).toEqual(a.classes);
    const c = trainPixelClassifier(train, 2, { ...FAST, seed: 12 }).predict(test);
    expect(c.probabilities).not.toEqual(a.probabilities);
  });

  it("never predicts a class without labeled pixels", () => {
    const { image, labels } = lineImage(48, 40, 6);
    const remapped = labels.map((v) => (v === 1 ? 3 : v)); // classes 1 and 2 unlabeled
    const classifier = trainPixelClassifier([{ image, labels: remapped }], 4, FAST);
    expect(classifier.samplesPerClass[1]).toBe(0);
    const { classes, probabilities } = classifier.predict(image);
    expect(classes.some((c) => c === 3)).toBe(true);
    expect(classes.every((c) => c === 0 || c === 3)).toBe(true);
    for (let p = 0; p < classes.length; p++)
      expect(probabilities[p * 4 + 1] + probabilities[p * 4 + 2]).toBe(0);
  });

  it("predicts a large image at maxSide and returns it at the input size", () => {
    const small = lineImage(48, 32, 7);
    const classifier = trainPixelClassifier([small], 2, { ...FAST, maxSide: 24 });
    const big: RawImage = { ...small.image };
    const { classes, probabilities } = classifier.predict(big);
    expect(classes.length).toBe(48 * 32);
    expect(probabilities.length).toBe(48 * 32 * 2);
    // nearest enlargement: each 2x2 block holds one prediction
    expect(classes[0]).toBe(classes[1]);
    expect(classes[48]).toBe(classes[49]);
  });

  it("predicts color and gray images with a classifier trained on either", () => {
    const { image, labels } = lineImage(40, 30, 8);
    const rgb: RawImage = {
      ...image,
      channels: 3,
      pixels: new Uint8Array(40 * 30 * 3).map((_, i) => image.pixels[Math.floor(i / 3)]),
    };
    const color = trainPixelClassifier([{ image: rgb, labels }], 2, { ...FAST, colorMode: "luminance" });
    expect(color.color).toBe(true);
    expect(color.featureNames.length).toBe(6 * 7 + 2 * 6);
    expect(color.predict(image).classes.length).toBe(40 * 30);
    const gray = trainPixelClassifier([{ image, labels }], 2, FAST);
    expect(gray.featureNames.length).toBe(6 * 7);
    const fromRgb = gray.predict(rgb).classes;
    const fromGray = gray.predict(image).classes;
    // the luminance of a gray RGB pixel is its value, up to float rounding
    expect(fromRgb.filter((c, i) => c === fromGray[i]).length / fromGray.length).toBeGreaterThan(0.99);
  });

  it("rejects bad input with a clear message", () => {
    const { image, labels } = lineImage(20, 10, 9);
    expect(() => trainPixelClassifier([], 2)).toThrow(/no training images/);
    expect(() => trainPixelClassifier([{ image, labels }], 0)).toThrow(
      /numClasses must be an integer 1..255/,
    );
    expect(() => trainPixelClassifier([{ image, labels: labels.subarray(1) }], 2)).toThrow(
      /training image 0: 199 labels for 20x10 pixels/,
    );
    expect(() => trainPixelClassifier([{ image, labels }], 1)).toThrow(
      /label 1 at pixel \d+ \(classes are 0..0/,
    );
    expect(() => trainPixelClassifier([{ image: { ...image, width: 21 }, labels }], 2)).toThrow(
      /expected 210 bytes/,
    );
    expect(() => trainPixelClassifier([{ image, labels: new Uint8Array(200).fill(255) }], 2)).toThrow(
      /no labeled pixels/,
    );
    expect(() => trainPixelClassifier([{ image, labels }], 2, { trees: 0 })).toThrow(
      /trees must be an integer/,
    );
    const classifier = trainPixelClassifier([{ image, labels }], 2, FAST);
    expect(() => classifier.predict({ ...image, channels: 2 as 1 })).toThrow(/unsupported channel count/);
  });
});
