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

function cropBox(sample: TrainingSample, o: AugmentOptions, rand: Random): number[] {
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
  return [ny(y0), x1, ny(y0 + span - 1), x2];
}

/** One augmented batch from the given samples (samples without labels get UNLABELED everywhere). */
export function makeBatch(samples: readonly TrainingSample[], options: AugmentOptions, rand: Random): Batch {
  return tf.tidy(() => {
    const images: tf.Tensor4D[] = [];
    const labels: tf.Tensor4D[] = [];
    for (const sample of samples) {
      validateRawImage(sample, "training sample");
      if (sample.labels && sample.labels.length !== sample.width * sample.height) {
        throw new Error(`training sample ${sample.width}x${sample.height}: labels of the wrong size`);
      }
      const box = tf.tensor2d([cropBox(sample, options, rand)], [1, 4]);
      const boxIndex = tf.tensor1d([0], "int32");
      const crop = [options.size, options.size] as [number, number];
      const rgb = tf.expandDims(rgbTensor(sample), 0) as tf.Tensor4D;
      let img = tf.image.cropAndResize(rgb, box, boxIndex, crop, "bilinear", 0);
      const contrast = 1 + options.contrast * (2 * rand() - 1);
      const brightness = options.brightness * (2 * rand() - 1);
      img = tf.clipByValue(tf.add(tf.mul(tf.sub(img, 127.5), contrast), 127.5 + brightness), 0, 255);
      images.push(img);
      // Images without labels (semi-supervised term only) get an all-unlabeled mask.
      const lab = sample.labels
        ? tf.tensor4d(Float32Array.from(sample.labels), [1, sample.height, sample.width, 1])
        : (tf.fill([1, sample.height, sample.width, 1], UNLABELED) as tf.Tensor4D);
      labels.push(tf.image.cropAndResize(lab, box, boxIndex, crop, "nearest", UNLABELED));
    }
    return {
      images: tf.concat(images, 0),
      labels: tf.cast(tf.round(tf.squeeze(tf.concat(labels, 0), [3])), "int32") as tf.Tensor3D,
    };
  });
}
