/**
 * A trained pixel classifier as data: its forest and the feature settings it was trained with,
 * enough to predict again in another thread or process (the live preview's worker), to store it
 * in the project file and to export it. `modelToJson` / `modelFromJson` are the exchange format
 * (docs/pixel-classifier.md, "Stored and exported form"): plain JSON, every tree as arrays of
 * numbers, so any language can read it.
 */
import { validateRawImage, type RawImage } from "../../model/image.ts";
import { FeatureScratch, forEachFeatureBand, featureNames as namesOf, validateScales } from "./features.ts";
import { predictForest, type Forest, type Tree } from "./forest.ts";
import { enlargeNearest, imagePlanes, reducedSize, type ColorMode, type PlaneOptions } from "./input.ts";

export interface PixelClassifierModel {
  forest: Forest;
  scales: number[];
  maxSide: number;
  colorMode: ColorMode;
  /** true: filters color (gray images are replicated); false: gray (color images become luminance) */
  color: boolean;
  featureNames: string[];
}

export interface PixelPrediction {
  /** class per pixel, H * W */
  classes: Uint8Array;
  /** class probabilities, H * W * numClasses, pixel-major */
  probabilities: Float32Array;
}

export function planeOptions(
  model: Pick<PixelClassifierModel, "color" | "colorMode" | "maxSide">,
): PlaneOptions {
  return { color: model.color, colorMode: model.colorMode, maxSide: model.maxSide };
}

/** Arg-max class of each pixel of pixel-major probabilities (k per pixel). */
export function argMax(probabilities: Float32Array, k: number, pixels: number): Uint8Array {
  const classes = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probabilities[p * k + c] > probabilities[p * k + best]) best = c;
    classes[p] = best;
  }
  return classes;
}

/** Predicts one image: features at its reduced size, the forest, enlarged back (nearest). */
export function predictWithModel(
  model: PixelClassifierModel,
  image: RawImage,
  scratch: FeatureScratch = new FeatureScratch(),
): PixelPrediction {
  validateRawImage(image, "pixel classifier: image");
  const { forest } = model;
  const k = forest.numClasses;
  const options = planeOptions(model);
  const { width, height } = reducedSize(image.width, image.height, model.maxSide);
  const probabilities = new Float32Array(width * height * k);
  const visit = (band: { data: Float32Array; y0: number; height: number; width: number }) => {
    const pixels = band.height * band.width;
    const out = probabilities.subarray(band.y0 * width * k, (band.y0 * width + pixels) * k);
    predictForest(forest, band.data, pixels, out);
  };
  forEachFeatureBand(imagePlanes(image, options), model.scales, visit, { scratch });
  const classes = argMax(probabilities, k, width * height);
  return {
    classes: enlargeNearest(classes, 1, width, height, image.width, image.height),
    probabilities: enlargeNearest(probabilities, k, width, height, image.width, image.height),
  };
}

/** The exchange format's name and version (modelToJson). */
export const MODEL_FORMAT = "pixelloop-pixel-classifier";
export const MODEL_FORMAT_VERSION = 1;

/** The model as plain JSON (see docs/pixel-classifier.md for each field). */
export function modelToJson(model: PixelClassifierModel): object {
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    numClasses: model.forest.numClasses,
    featureCount: model.forest.featureCount,
    featureNames: model.featureNames,
    scales: model.scales,
    maxSide: model.maxSide,
    colorMode: model.colorMode,
    color: model.color,
    trees: model.forest.trees.map((t) => ({
      feature: Array.from(t.feature),
      threshold: Array.from(t.threshold),
      child: Array.from(t.child),
      leafStart: Array.from(t.leafStart),
      leafClass: Array.from(t.leafClass),
      leafProb: Array.from(t.leafProb),
    })),
  };
}

/** Reads modelToJson's output back; a malformed one is refused with what is wrong. */
export function modelFromJson(json: unknown): PixelClassifierModel {
  const fail = (why: string): never => {
    throw new Error(`pixel classifier model: ${why}`);
  };
  if (typeof json !== "object" || json === null) fail("not a JSON object");
  const j = json as Record<string, unknown>;
  if (j.format !== MODEL_FORMAT) fail(`format is ${String(j.format)}, expected ${MODEL_FORMAT}`);
  if (j.version !== MODEL_FORMAT_VERSION) fail(`version ${String(j.version)} is not supported`);
  const int = (name: string, min: number, max: number): number => {
    const v = j[name];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
      fail(`${name} must be an integer ${min}..${max}`);
    return v as number;
  };
  const numClasses = int("numClasses", 1, 255);
  const featureCount = int("featureCount", 1, 32767);
  const maxSide = int("maxSide", 1, 1 << 16);
  if (!Array.isArray(j.scales) || !j.scales.every((s) => typeof s === "number"))
    fail("scales must be numbers");
  const scales = j.scales as number[];
  validateScales(scales);
  if (j.colorMode !== "rgb" && j.colorMode !== "luminance") fail("colorMode must be rgb or luminance");
  if (typeof j.color !== "boolean") fail("color must be true or false");
  const model = { scales, maxSide, colorMode: j.colorMode as ColorMode, color: j.color as boolean };
  const expected = namesOf(
    imagePlanes(
      { pixels: new Uint8Array(model.color ? 3 : 1), width: 1, height: 1, channels: model.color ? 3 : 1 },
      planeOptions(model),
    ),
    scales,
  );
  if (expected.length !== featureCount)
    fail(`featureCount ${featureCount} does not match its scales and color mode (${expected.length})`);
  if (!Array.isArray(j.trees) || j.trees.length === 0) fail("trees must be a non-empty list");
  const trees = (j.trees as unknown[]).map((t, i) => readTree(t, i, featureCount, numClasses, fail));
  return { ...model, forest: { numClasses, featureCount, trees }, featureNames: expected };
}

function readTree(
  t: unknown,
  i: number,
  featureCount: number,
  numClasses: number,
  fail: (why: string) => never,
): Tree {
  if (typeof t !== "object" || t === null) fail(`tree ${i} is not an object`);
  const o = t as Record<string, unknown>;
  const numbers = (name: string): number[] => {
    const v = o[name];
    if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isFinite(x)))
      fail(`tree ${i}: ${name} must be a list of numbers`);
    return v as number[];
  };
  const feature = Int16Array.from(numbers("feature"));
  const threshold = Float32Array.from(numbers("threshold"));
  const child = Int32Array.from(numbers("child"));
  const leafStart = Int32Array.from(numbers("leafStart"));
  const leafClass = Uint8Array.from(numbers("leafClass"));
  const leafProb = Float32Array.from(numbers("leafProb"));
  const nodes = feature.length;
  if (nodes === 0 || threshold.length !== nodes || child.length !== nodes)
    fail(`tree ${i}: feature, threshold and child must have one entry per node`);
  const leaves = leafStart.length - 1;
  if (
    leaves < 1 ||
    leafStart[0] !== 0 ||
    leafStart[leaves] !== leafClass.length ||
    leafProb.length !== leafClass.length
  )
    fail(`tree ${i}: leafStart does not match leafClass and leafProb`);
  for (let l = 0; l < leaves; l++)
    if (leafStart[l + 1] < leafStart[l]) fail(`tree ${i}: leafStart must not decrease`);
  for (const c of leafClass) if (c >= numClasses) fail(`tree ${i}: leaf class ${c} >= numClasses`);
  // Every split must point forward (no loops) and inside the tree; every leaf to a stored leaf.
  for (let n = 0; n < nodes; n++) {
    if (feature[n] >= featureCount) fail(`tree ${i}: node ${n} splits on feature ${feature[n]}`);
    if (feature[n] >= 0 ? !(child[n] > n && child[n] + 1 < nodes) : !(child[n] >= 0 && child[n] < leaves))
      fail(`tree ${i}: node ${n} points outside the tree`);
  }
  return { feature, threshold, child, leafStart, leafClass, leafProb };
}
