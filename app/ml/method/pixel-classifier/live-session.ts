/**
 * The pixel classifier retrained again and again on labels that grow a stroke at a time (the
 * live preview). Each retrain reuses what did not change:
 *
 *  - full feature maps per image (they depend on the picture only), kept for the images used
 *    last, up to `featureCacheBytes` (least recently used first out): the open image's features
 *    are computed once, then every retrain and every prediction of it only runs the forest;
 *  - per image and mask version, the features of (a capped, seeded sample of) its labeled
 *    pixels: an image whose labels did not change since the last retrain is not read again.
 *
 * Then a class-balanced sample of at most `samplesPerClass` rows per class over all images
 * trains a new forest (forest.ts; the forest is small: its cost is bounded by the sample).
 * Memory is bounded by the caps: featureCacheBytes for the full maps, and per image at most
 * perImagePerClass rows per class.
 */
import type { RawImage } from "../../model/image.ts";
import { UNLABELED } from "../losses.ts";
import { seededRandom } from "../../engine/random.ts";
import { FeatureScratch, forEachFeatureBand } from "./features.ts";
import { predictForest, trainForest } from "./forest.ts";
import { enlargeNearest, imagePlanes, reduceLabels, reducedSize, type ColorMode } from "./input.ts";
import { argMax, type PixelClassifierModel, type PixelPrediction } from "./model.ts";
import { sampleLabeledPixels } from "./sampling.ts";
import { DEFAULT_SCALES } from "./features.ts";

export interface LiveSessionOptions {
  numClasses: number;
  /** true: filter color (some labeled image has color) */
  color: boolean;
  trees?: number;
  maxDepth?: number;
  samplesPerClass?: number;
  /** labeled pixels kept per class and image (seeded sample) */
  perImagePerClass?: number;
  maxSide?: number;
  /** bytes of full feature maps kept */
  featureCacheBytes?: number;
  seed?: number;
  scales?: number[];
  colorMode?: ColorMode;
}

/**
 * The live preview's settings, measured on camvid-dev (bench/results/live.md): a smaller forest
 * than the baseline's 50 trees of depth 20 (its prediction takes about a second per 480x360
 * image; this one about half), at most 2,000 pixels per class.
 */
export const LIVE_DEFAULTS = {
  trees: 32,
  maxDepth: 16,
  samplesPerClass: 2000,
  perImagePerClass: 1000,
  maxSide: 640,
  featureCacheBytes: 256 * 1024 * 1024,
  seed: 0,
  colorMode: "luminance" as ColorMode,
};

/** One labeled image of a retrain; `read` is called only when its cached rows are stale. */
export interface LiveTrainImage {
  /** names the picture: the same key must always mean the same pixels */
  key: LiveKey;
  /** its mask version: rows cached at another version are read again */
  version: number;
  read: () => Promise<{ image: RawImage; labels: Uint8Array } | null>;
}

export interface LiveTrainResult {
  model: PixelClassifierModel;
  /** training rows per class */
  perClass: number[];
  /** images used, and of those how many were read again (labels changed or not cached) */
  images: number;
  readAgain: number;
  seconds: number;
}

/** What an image is cached under (the caller's id for the picture). */
export type LiveKey = number | string;

interface FeatureMap {
  data: Float32Array;
  width: number;
  height: number;
}

interface LabeledRows {
  version: number;
  rows: Float32Array;
  classes: Uint8Array;
}

export class LiveClassifierSession {
  readonly options: Required<Omit<LiveSessionOptions, "scales">> & { scales: number[] };
  private readonly maps = new Map<LiveKey, FeatureMap>();
  private mapBytes = 0;
  private readonly labeled = new Map<LiveKey, LabeledRows>();
  private readonly scratch = new FeatureScratch();
  private featureCount = 0;

  constructor(options: LiveSessionOptions) {
    this.options = {
      ...LIVE_DEFAULTS,
      scales: [...DEFAULT_SCALES],
      ...stripUndefined(options),
      numClasses: options.numClasses,
      color: options.color,
    };
  }

  /** Cached full feature maps (for tests and status). */
  cachedImages(): LiveKey[] {
    return [...this.maps.keys()];
  }

  /** Retrains on the given labeled images (images not listed are dropped from the row cache). */
  async train(images: readonly LiveTrainImage[]): Promise<LiveTrainResult> {
    const t0 = performance.now();
    const { numClasses } = this.options;
    const keep = new Set(images.map((i) => i.key));
    for (const key of [...this.labeled.keys()]) if (!keep.has(key)) this.labeled.delete(key);
    let readAgain = 0;
    const used: LabeledRows[] = [];
    for (const entry of images) {
      let rows = this.labeled.get(entry.key);
      if (!rows || rows.version !== entry.version) {
        const read = await entry.read();
        readAgain++;
        if (!read) {
          this.labeled.delete(entry.key);
          continue;
        }
        rows = this.labeledRows(entry.key, entry.version, read.image, read.labels);
        this.labeled.set(entry.key, rows);
      }
      if (rows.classes.length > 0) used.push(rows);
    }
    const { perImage, perClass } = sampleLabeledPixels(
      used.map((r) => r.classes),
      numClasses,
      this.options.samplesPerClass,
      seededRandom(this.options.seed + 1),
    );
    const n = perClass.reduce((a, b) => a + b, 0);
    if (n === 0) throw new Error("pixel classifier: no labeled pixels to train on");
    const f = this.featureCount;
    const x = new Float32Array(n * f);
    const y = new Uint8Array(n);
    let row = 0;
    perImage.forEach((chosen, i) => {
      const src = used[i];
      for (let j = 0; j < chosen.pixels.length; j++, row++) {
        const r = chosen.pixels[j];
        x.set(src.rows.subarray(r * f, (r + 1) * f), row * f);
        y[row] = src.classes[r];
      }
    });
    const o = this.options;
    const forest = trainForest(
      { x, y, n, featureCount: f, numClasses },
      { trees: o.trees, maxDepth: o.maxDepth, minLeaf: 2, seed: o.seed },
    );
    const model: PixelClassifierModel = {
      forest,
      scales: [...o.scales],
      maxSide: o.maxSide,
      colorMode: o.colorMode,
      color: o.color,
      featureNames: this.names,
    };
    return {
      model,
      perClass,
      images: used.length,
      readAgain,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /** Predicts an image with `model` (trained by this session), from cached features when it has them. */
  predict(model: PixelClassifierModel, key: LiveKey, image: RawImage): PixelPrediction {
    const map = this.featureMap(key, image);
    const k = model.forest.numClasses;
    const pixels = map.width * map.height;
    const probabilities = new Float32Array(pixels * k);
    predictForest(model.forest, map.data, pixels, probabilities);
    const classes = argMax(probabilities, k, pixels);
    return {
      classes: enlargeNearest(classes, 1, map.width, map.height, image.width, image.height),
      probabilities: enlargeNearest(probabilities, k, map.width, map.height, image.width, image.height),
    };
  }

  /** An image changed on disk or was removed: its cached features go. */
  forget(key: LiveKey): void {
    const map = this.maps.get(key);
    if (map) this.mapBytes -= map.data.byteLength;
    this.maps.delete(key);
    this.labeled.delete(key);
  }

  private names: string[] = [];

  /** The image's full feature map, from the cache (moved to the front) or computed and cached. */
  private featureMap(key: LiveKey, image: RawImage): FeatureMap {
    const hit = this.maps.get(key);
    const size = reducedSize(image.width, image.height, this.options.maxSide);
    if (hit && hit.width === size.width && hit.height === size.height) {
      this.maps.delete(key);
      this.maps.set(key, hit);
      return hit;
    }
    if (hit) this.forget(key);
    const planes = imagePlanes(image, {
      color: this.options.color,
      colorMode: this.options.colorMode,
      maxSide: this.options.maxSide,
    });
    let data = new Float32Array(0);
    this.names = forEachFeatureBand(
      planes,
      this.options.scales,
      (band) => {
        if (data.length === 0) data = new Float32Array(size.width * size.height * band.count);
        data.set(
          band.data.subarray(0, band.height * band.width * band.count),
          band.y0 * band.width * band.count,
        );
      },
      { scratch: this.scratch },
    );
    this.featureCount = this.names.length;
    const map = { data, width: size.width, height: size.height };
    this.maps.set(key, map);
    this.mapBytes += data.byteLength;
    // Least recently used out, but never the one just made.
    for (const [k, m] of this.maps) {
      if (this.mapBytes <= this.options.featureCacheBytes || k === key) break;
      this.maps.delete(k);
      this.mapBytes -= m.data.byteLength;
    }
    return map;
  }

  /** The features of a capped, seeded sample of an image's labeled pixels. */
  private labeledRows(key: LiveKey, version: number, image: RawImage, labels: Uint8Array): LabeledRows {
    const size = reducedSize(image.width, image.height, this.options.maxSide);
    const reduced = reduceLabels(labels, image.width, image.height, size.width, size.height);
    const { numClasses } = this.options;
    for (let p = 0; p < reduced.length; p++) if (reduced[p] >= numClasses) reduced[p] = UNLABELED;
    const { perImage } = sampleLabeledPixels(
      [reduced],
      numClasses,
      this.options.perImagePerClass,
      seededRandom((this.options.seed * 7919 + hashKey(key) * 104729 + version) >>> 0),
    );
    const chosen = perImage[0];
    const map = this.featureMap(key, image);
    const f = this.featureCount;
    const rows = new Float32Array(chosen.pixels.length * f);
    for (let j = 0; j < chosen.pixels.length; j++) {
      const p = chosen.pixels[j];
      rows.set(map.data.subarray(p * f, (p + 1) * f), j * f);
    }
    return { version, rows, classes: chosen.classes };
  }
}

function hashKey(key: LiveKey): number {
  if (typeof key === "number") return key;
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) >>> 0;
  return h;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
