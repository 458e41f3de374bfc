/**
 * Classical pixel classifier (ilastik-style): multi-scale filter features (features.ts) and a
 * random forest (forest.ts) trained on the scribbled pixels. The classical baseline beside the
 * network in bench:accuracy, and the fast preview classifier while labeling.
 * See docs/pixel-classifier.md for the defaults and their measured cost.
 *
 * Synchronous: the filters run on the active tfjs backend (call initBackend first; wasm, or cpu
 * in tests) and are read back with dataSync. Bounded: an image whose longer side exceeds
 * `maxSide` is reduced to it before its features are computed (its labels alongside), and its
 * prediction is computed at that size and enlarged back to the input size (nearest). Features
 * are computed in bands of about 2^17 pixels, so no image holds all its features at once.
 *
 * Defaults (PIXEL_CLASSIFIER_DEFAULTS), chosen by measurement on camvid-dev (60 train images of
 * 480x360, ~2.9% scribbled, 11 classes; wasm, one thread): 50 trees, depth 20, 4,000 pixels per
 * class, luminance + color features (54). Training took 11.2 s CPU (features ~8 s, forest
 * ~3.5 s), prediction 0.96 s CPU per 480x360 image (features ~0.13 s), val mIoU 0.296. 100 trees
 * scored no better and predict twice as slowly, over the ~1.5 s budget on a loaded machine.
 */
import { validateRawImage, type RawImage } from "../../model/image.ts";
import { UNLABELED } from "../losses.ts";
import { DEFAULT_SCALES, FeatureScratch } from "./features.ts";
import { trainForest } from "./forest.ts";
import type { ColorMode, PlaneOptions } from "./input.ts";
import { predictWithModel, type PixelClassifierModel, type PixelPrediction } from "./model.ts";
import { collectTrainingSet } from "./training-set.ts";

export type { PixelClassifierModel, PixelPrediction } from "./model.ts";
export { modelFromJson, modelToJson, predictWithModel } from "./model.ts";

export { DEFAULT_SCALES } from "./features.ts";
export type { ColorMode } from "./input.ts";

export interface PixelClassifierOptions {
  /** Gaussian scales of the filters (default ilastik's 0.7, 1, 1.6, 3.5, 5, 10) */
  scales?: number[];
  trees?: number;
  maxDepth?: number;
  /** at most this many labeled pixels per class are trained on (seeded sample) */
  samplesPerClass?: number;
  /** the longer image side is reduced to at most this before features are computed */
  maxSide?: number;
  seed?: number;
  /** smallest leaf, in bootstrap samples */
  minLeaf?: number;
  /** how color images are filtered (input.ts) */
  colorMode?: ColorMode;
}

export const PIXEL_CLASSIFIER_DEFAULTS: Readonly<Required<PixelClassifierOptions>> = {
  scales: [...DEFAULT_SCALES],
  trees: 50,
  maxDepth: 20,
  samplesPerClass: 4000,
  maxSide: 1024,
  seed: 0,
  minLeaf: 2,
  colorMode: "luminance",
};

export interface PixelClassifier {
  numClasses: number;
  predict(image: RawImage): PixelPrediction;
}

/** A trained classifier plus what it learned from, for reports. */
export interface TrainedPixelClassifier extends PixelClassifier {
  /** feature names, in the forest's column order */
  featureNames: string[];
  /** training pixels used per class; a class with 0 is never predicted */
  samplesPerClass: number[];
  /** true when it filters color (some training image had color; gray images are replicated) */
  color: boolean;
  /** the forest and feature settings, to predict elsewhere, store or export (model.ts) */
  model: PixelClassifierModel;
}

export function trainPixelClassifier(
  samples: Array<{ image: RawImage; labels: Uint8Array }>,
  numClasses: number,
  options: PixelClassifierOptions = {},
): TrainedPixelClassifier {
  const o = resolveOptions(options);
  validateSamples(samples, numClasses);
  const color = samples.some((s) => s.image.channels !== 1);
  const planeOptions: PlaneOptions = { color, colorMode: o.colorMode, maxSide: o.maxSide };
  const scratch = new FeatureScratch();
  const set = collectTrainingSet(samples, numClasses, { ...planeOptions, ...o }, scratch);
  const forest = trainForest(set, { trees: o.trees, maxDepth: o.maxDepth, minLeaf: o.minLeaf, seed: o.seed });
  const model: PixelClassifierModel = {
    forest,
    scales: [...o.scales],
    maxSide: o.maxSide,
    colorMode: o.colorMode,
    color,
    featureNames: set.featureNames,
  };
  return {
    numClasses,
    featureNames: set.featureNames,
    samplesPerClass: set.perClass,
    color,
    model,
    predict: (image): PixelPrediction => predictWithModel(model, image, scratch),
  };
}

function validateSamples(samples: Array<{ image: RawImage; labels: Uint8Array }>, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 255) {
    throw new Error(`pixel classifier: numClasses must be an integer 1..255, got ${numClasses}`);
  }
  if (samples.length === 0) throw new Error("pixel classifier: no training images");
  samples.forEach(({ image, labels }, i) => {
    const what = `pixel classifier: training image ${i}`;
    validateRawImage(image, what);
    if (labels.length !== image.width * image.height) {
      throw new Error(`${what}: ${labels.length} labels for ${image.width}x${image.height} pixels`);
    }
    for (let p = 0; p < labels.length; p++) {
      if (labels[p] >= numClasses && labels[p] !== UNLABELED) {
        throw new Error(
          `${what}: label ${labels[p]} at pixel ${p} (classes are 0..${numClasses - 1}, ${UNLABELED} = unlabeled)`,
        );
      }
    }
  });
}

export function resolveOptions(options: PixelClassifierOptions): Required<PixelClassifierOptions> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: Required<PixelClassifierOptions> = { ...PIXEL_CLASSIFIER_DEFAULTS, ...given };
  const integer = (name: keyof PixelClassifierOptions, v: number, max: number) => {
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new Error(`pixel classifier: ${name} must be an integer 1..${max}, got ${v}`);
    }
  };
  integer("trees", o.trees, 10_000);
  integer("maxDepth", o.maxDepth, 64);
  integer("samplesPerClass", o.samplesPerClass, 1_000_000);
  integer("maxSide", o.maxSide, 1 << 16);
  integer("minLeaf", o.minLeaf, 1_000_000);
  if (!Number.isFinite(o.seed))
    throw new Error(`pixel classifier: seed must be a finite number, got ${o.seed}`);
  if (o.colorMode !== "rgb" && o.colorMode !== "luminance") {
    throw new Error(`pixel classifier: colorMode must be "rgb" or "luminance", got ${String(o.colorMode)}`);
  }
  return o;
}
