/**
 * Random training crops: rescale (zoom), crop to a square of the training size, horizontal flip
 * and a mild brightness/contrast jitter, done with tensor ops (cropAndResize: bilinear for
 * pixels, nearest for labels; outside the image: black pixels, unlabeled labels).
 */
import { tf } from "../engine/tf.ts";
import { rgbTensor, validateRawImage, type RawImage } from "../model/image.ts";
import { UNLABELED } from "../method/losses.ts";

export interface TrainingSample extends RawImage {
  /** Class index per pixel (width * height), UNLABELED (255) where unknown. */
  labels?: Uint8Array;
  /**
   * How much the sample was already resized from its original image (working-resolution.ts;
   * default 1). Crop zoom and superpixel size are relative to the original, so they are divided
   * by it: the same scene content per crop either way.
   */
  scale?: number;
}

/** Whether a sample has at least one labeled pixel. */
export function hasLabels(s: TrainingSample): boolean {
  return s.labels != null && s.labels.some((v) => v !== UNLABELED);
}

export interface AugmentOptions {
  /** Side of the square training crops. */
  size: number;
  /** Zoom range: a crop covers size/scale original pixels. */
  minScale: number;
  maxScale: number;
  flip: boolean;
  /** Max relative contrast change and absolute brightness shift (0..255 units). */
  contrast: number;
  brightness: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = {
  size: 256,
  minScale: 0.7,
  maxScale: 1.4,
  flip: true,
  contrast: 0.2,
  brightness: 20,
};

export { seededRandom, type Random } from "../engine/random.ts";
import type { Random } from "../engine/random.ts";

export interface Batch {
  images: tf.Tensor4D;
  labels: tf.Tensor3D;
}

/** One crop of a sample: where it lies (cropAndResize's normalized box) and its jitter. */
export interface CropPlan {
  /** [y1, x1, y2, x2] over the sample, x1 > x2 when flipped */
  box: [number, number, number, number];
  contrast: number;
  brightness: number;
}

/**
 * What rendering one crop reads: the part of the sample under it (the rows and columns its
 * sampling touches, plus one on each side) and the plan in that part's coordinates. Small
 * whatever the image's size, so it is cheap to send to the replica that renders it.
 */
export interface CropSource {
  part: TrainingSample;
  plan: CropPlan;
}

/**
 * A crop's plan, drawing from `rand` in a fixed order (zoom, position, flip, contrast, brightness).
 * The sample is checked where its pixels are read (cropSource).
 */
export function planCrop(sample: TrainingSample, o: AugmentOptions, rand: Random): CropPlan {
  const scale = (o.minScale + (o.maxScale - o.minScale) * rand()) / (sample.scale ?? 1);
  const span = o.size / scale; // original pixels covered by the crop
  const pick = (extent: number) => {
    const lo = Math.min(0, extent - span);
    const hi = Math.max(0, extent - span);
    return lo + (hi - lo) * rand();
  };
  const y0 = pick(sample.height);
  const x0 = pick(sample.width);
  // cropAndResize samples y1*(H-1) + i*(y2-y1)*(H-1)/(size-1): the box spans span-1 pixels.
  const ny = (v: number) => v / Math.max(1, sample.height - 1);
  const nx = (v: number) => v / Math.max(1, sample.width - 1);
  let x1 = nx(x0);
  let x2 = nx(x0 + span - 1);
  if (o.flip && rand() < 0.5) [x1, x2] = [x2, x1];
  const contrast = 1 + o.contrast * (2 * rand() - 1);
  const brightness = o.brightness * (2 * rand() - 1);
  return { box: [ny(y0), x1, ny(y0 + span - 1), x2], contrast, brightness };
}

/**
 * The rows (or columns) [from, to] of an extent of `n` pixels that a box side from `a` to `b`
 * (normalized) samples, one more on each side, at least two when the extent has two; and the
 * side in the range's own normalized coordinates.
 */
function span1d(a: number, b: number, n: number): { from: number; to: number; a: number; b: number } {
  if (n < 2) return { from: 0, to: n - 1, a, b };
  const lo = Math.min(a, b) * (n - 1);
  const hi = Math.max(a, b) * (n - 1);
  let from = Math.max(0, Math.floor(lo) - 1);
  let to = Math.min(n - 1, Math.ceil(hi) + 1);
  if (from > n - 2) from = n - 2; // the box lies past the last pixel: keep two to sample
  if (to < from + 1) to = from + 1;
  const m = to - from;
  return { from, to, a: (a * (n - 1) - from) / m, b: (b * (n - 1) - from) / m };
}

/** The part of `sample` that `plan` reads (see CropSource). Checks the sample first. */
export function cropSource(sample: TrainingSample, plan: CropPlan): CropSource {
  validateRawImage(sample, "training sample");
  if (sample.labels && sample.labels.length !== sample.width * sample.height) {
    throw new Error(`training sample ${sample.width}x${sample.height}: labels of the wrong size`);
  }
  const [y1, x1, y2, x2] = plan.box;
  const ys = span1d(y1, y2, sample.height);
  const xs = span1d(x1, x2, sample.width);
  const w = xs.to - xs.from + 1;
  const h = ys.to - ys.from + 1;
  const c = sample.channels;
  const pixels = new Uint8Array(w * h * c);
  const labels = sample.labels ? new Uint8Array(w * h) : undefined;
  for (let y = 0; y < h; y++) {
    const row = (ys.from + y) * sample.width + xs.from;
    pixels.set(sample.pixels.subarray(row * c, (row + w) * c), y * w * c);
    labels?.set(sample.labels!.subarray(row, row + w), y * w);
  }
  return {
    part: { pixels, width: w, height: h, channels: c, labels },
    plan: { ...plan, box: [ys.a, xs.a, ys.b, xs.b] },
  };
}

/**
 * Renders crops of side `size` (samples without labels get UNLABELED everywhere): one augmented
 * batch, or a replica's slice of one.
 */
export function renderCrops(sources: readonly CropSource[], size: number): Batch {
  return tf.tidy(() => {
    const images: tf.Tensor4D[] = [];
    const labels: tf.Tensor4D[] = [];
    const crop = [size, size] as [number, number];
    for (const { part, plan } of sources) {
      const box = tf.tensor2d([plan.box], [1, 4]);
      const boxIndex = tf.tensor1d([0], "int32");
      const rgb = tf.expandDims(rgbTensor(part), 0) as tf.Tensor4D;
      let img = tf.image.cropAndResize(rgb, box, boxIndex, crop, "bilinear", 0);
      img = tf.clipByValue(
        tf.add(tf.mul(tf.sub(img, 127.5), plan.contrast), 127.5 + plan.brightness),
        0,
        255,
      );
      images.push(img);
      // Images without labels (semi-supervised term only) get an all-unlabeled mask.
      labels.push(
        part.labels
          ? tf.image.cropAndResize(
              tf.tensor4d(Float32Array.from(part.labels), [1, part.height, part.width, 1]),
              box,
              boxIndex,
              crop,
              "nearest",
              UNLABELED,
            )
          : (tf.fill([1, size, size, 1], UNLABELED) as tf.Tensor4D),
      );
    }
    return {
      images: tf.concat(images, 0),
      labels: tf.cast(tf.round(tf.squeeze(tf.concat(labels, 0), [3])), "int32") as tf.Tensor3D,
    };
  });
}

/** One augmented batch from the given samples (samples without labels get UNLABELED everywhere). */
export function makeBatch(samples: readonly TrainingSample[], options: AugmentOptions, rand: Random): Batch {
  return renderCrops(
    samples.map((s) => cropSource(s, planCrop(s, options, rand))),
    options.size,
  );
}
