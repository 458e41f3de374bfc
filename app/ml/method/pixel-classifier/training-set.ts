/**
 * The forest's training set: the features of a class-balanced, seeded sample of the labeled
 * pixels (sampling.ts), gathered image by image so only one image's feature band is in memory at
 * a time. Images are taken at their reduced size (input.ts) with their labels reduced alongside.
 */
import type { RawImage } from "../../model/image.ts";
import { seededRandom } from "../../engine/random.ts";
import { FeatureScratch, forEachFeatureBand } from "./features.ts";
import type { TrainingSet } from "./forest.ts";
import { imagePlanes, reduceLabels, reducedSize, type PlaneOptions } from "./input.ts";
import { sampleLabeledPixels } from "./sampling.ts";

export interface CollectOptions extends PlaneOptions {
  scales: readonly number[];
  samplesPerClass: number;
  seed: number;
  /** see BandOptions (features.ts) */
  minCoarseSigma?: number;
}

export interface CollectedSet extends TrainingSet {
  featureNames: string[];
  /** training pixels per class */
  perClass: number[];
}

export function collectTrainingSet(
  samples: ReadonlyArray<{ image: RawImage; labels: Uint8Array }>,
  numClasses: number,
  options: CollectOptions,
  scratch: FeatureScratch = new FeatureScratch(),
): CollectedSet {
  const reduced = samples.map(({ image, labels }) => {
    const size = reducedSize(image.width, image.height, options.maxSide);
    return reduceLabels(labels, image.width, image.height, size.width, size.height);
  });
  const random = seededRandom(options.seed);
  const { perImage, perClass } = sampleLabeledPixels(reduced, numClasses, options.samplesPerClass, random);
  const n = perClass.reduce((a, b) => a + b, 0);
  if (n === 0) throw new Error("pixel classifier: no labeled pixels to train on");

  let featureNames: string[] = [];
  let x = new Float32Array(0);
  const y = new Uint8Array(n);
  let row = 0;
  samples.forEach(({ image }, i) => {
    const chosen = perImage[i];
    if (chosen.pixels.length === 0) return;
    let j = 0;
    const visit = (band: {
      data: Float32Array;
      y0: number;
      height: number;
      width: number;
      count: number;
    }) => {
      const f = band.count;
      if (x.length === 0) x = new Float32Array(n * f);
      const first = band.y0 * band.width;
      const last = first + band.height * band.width;
      for (; j < chosen.pixels.length && chosen.pixels[j] < last; j++, row++) {
        const p = chosen.pixels[j] - first;
        x.set(band.data.subarray(p * f, (p + 1) * f), row * f);
        y[row] = chosen.classes[j];
      }
    };
    featureNames = forEachFeatureBand(imagePlanes(image, options), options.scales, visit, {
      scratch,
      minCoarseSigma: options.minCoarseSigma,
    });
  });
  return { x, y, n, featureCount: featureNames.length, numClasses, featureNames, perClass };
}
