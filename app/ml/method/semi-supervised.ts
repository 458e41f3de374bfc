/**
 * FixMatch-style semi-supervised term for dense prediction.
 *
 * Per step, with the default options (`views: "split"`): half of the batch (the odd positions) is
 * taken for consistency. A teacher (the weights' moving average, `teacher: "ema"`) runs once on
 * those images' augmented ("weak") view in inference mode, outside the gradient tape; its arg-max
 * is the pseudo-label where its softmax confidence reaches the class's threshold (self-adapting
 * per class, adaptive-thresholds.ts, or one `tau`), and the human label wherever there is one.
 * Those images then get a strong view (color jitter, blur, CutMix among them; the same boxes cut
 * the pseudo-labels) and no human labels, so the supervised terms train on the weak half only and
 * the FixMatch term, the cross-entropy towards the pseudo-labels (class-weighted like the partial
 * CE), on the strong half only. With `views: "strong"` (the method before 2026-12-05) the whole
 * batch got the strong view and every term saw it.
 */
import { tf } from "../engine/tf.ts";
import type { SegmentationNetwork } from "../model/network.ts";
import { UNLABELED, weightedCrossEntropy, type LossTerm } from "./losses.ts";
import type { Random } from "../training/augment.ts";
import type { SemiSupervisedOptions } from "./method.ts";
import { ramp } from "./ramp.ts";
import { softmaxAt, type SoftmaxAt } from "./softmax-at.ts";

export interface StrongAugmentOptions {
  /** Brightness shift up to +-this (0..255 units). */
  brightness: number;
  /** Contrast factor in [1 - c, 1 + c]. */
  contrast: number;
  /** Saturation factor in [1 - s, 1 + s] (no effect on gray images). */
  saturation: number;
  /** Probability of a 3x3 box blur per image. */
  blurProbability: number;
  /** Probability that an image gets a CutMix box pasted from the next image of the batch. */
  cutmixProbability: number;
  /** CutMix box area as a fraction of the crop, drawn uniformly from [min, max]. */
  cutmixMinArea: number;
  cutmixMaxArea: number;
}

export const DEFAULT_STRONG_AUGMENT: StrongAugmentOptions = {
  brightness: 40,
  contrast: 0.4,
  saturation: 0.5,
  blurProbability: 0.5,
  cutmixProbability: 0.5,
  cutmixMinArea: 0.1,
  cutmixMaxArea: 0.4,
};

/** What the teacher says about a view: its targets and how unsure it is, pixel by pixel. */
export interface TeacherView {
  /** [b, h, w] the human label where there is one, else the confident class, else UNLABELED */
  targets: tf.Tensor3D;
  /** [b, h, w] the teacher's prediction entropy / log K (0 sure .. 1 uniform), -1 where it did not look */
  entropy: tf.Tensor3D;
}

export interface TeacherPass extends TeacherView {
  /** Mean top-1 probability over the pixels without a human label (NaN when there are none). */
  meanConfidence: number;
  /** Mean probability of each class over the same pixels. */
  meanProbabilities: Float32Array;
}

/**
 * The teacher's targets for the consistency term: a pixel without a human label takes the
 * teacher's class where its confidence reaches that class's threshold (`thresholds[class]`).
 */
export function teacherTargets(
  net: SegmentationNetwork,
  images: tf.Tensor4D,
  labels: tf.Tensor3D,
  thresholds: Float32Array,
): TeacherPass {
  const k = net.config.numClasses;
  const [b, h, w] = labels.shape;
  // The logits read back, then one loop (on wasm, the softmax, entropy, arg-max, thresholds and
  // means as tensor ops cost more than the teacher's forward pass itself).
  const out = tf.tidy(() => net.forwardLogits(images, false));
  const logits = out.dataSync() as Float32Array;
  out.dispose();
  const human = labels.dataSync() as Int32Array;
  const n = b * h * w;
  const targets = new Int32Array(n);
  const entropy = new Float32Array(n);
  const probabilitySums = new Float64Array(k);
  const e = new Float64Array(k);
  const logK = Math.log(Math.max(2, k));
  let confidenceSum = 0;
  let free = 0;
  const read: SoftmaxAt = { best: 0, sum: 1, entropy: 0 };
  for (let i = 0; i < n; i++) {
    softmaxAt(logits, i * k, k, e, read);
    entropy[i] = read.entropy / logK;
    if (human[i] !== UNLABELED) {
      targets[i] = human[i];
      continue;
    }
    const confidence = 1 / read.sum;
    targets[i] = confidence >= thresholds[read.best] ? read.best : UNLABELED;
    free++;
    confidenceSum += confidence;
    for (let c = 0; c < k; c++) probabilitySums[c] += e[c] / read.sum;
  }
  const meanProbabilities = new Float32Array(k);
  for (let c = 0; c < k; c++) meanProbabilities[c] = probabilitySums[c] / Math.max(free, 1);
  return {
    targets: tf.tensor3d(targets, [b, h, w], "int32"),
    entropy: tf.tensor3d(entropy, [b, h, w]),
    meanConfidence: free > 0 ? confidenceSum / free : Number.NaN,
    meanProbabilities,
  };
}

/** Batch positions that get the strong view in split mode: the odd ones (data-parallel slices get both). */
export function strongPositions(batch: number): number[] {
  return Array.from({ length: Math.floor(batch / 2) }, (_, i) => 2 * i + 1);
}

export interface SplitBatch {
  images: tf.Tensor4D;
  /** human labels on the weak positions, UNLABELED on the strong ones */
  labels: tf.Tensor3D;
  /** the teacher's targets on the strong positions, UNLABELED on the weak ones */
  pseudoLabels: tf.Tensor3D;
  /** the teacher's entropy on the strong positions' clean view, -1 on the weak ones */
  teacherEntropy: tf.Tensor3D;
  /**
   * the human labels on every position, CutMixed with the strong view's pixels: what PiXL may
   * anchor its prototypes on (no term trains on the strong positions' ones)
   */
  anchorLabels: tf.Tensor3D;
}

/**
 * Weak and strong views in one batch: the strong positions' images get the strong view and the
 * teacher's targets (`teach` runs on their weak view), the others keep their weak view and human
 * labels. Inputs are not disposed; a batch of one has no strong position and is returned as is.
 */
export function splitViews(
  images: tf.Tensor4D,
  labels: tf.Tensor3D,
  teach: (images: tf.Tensor4D, labels: tf.Tensor3D) => TeacherView,
  o: StrongAugmentOptions,
  rand: Random,
): SplitBatch {
  const b = images.shape[0];
  const strong = strongPositions(b);
  if (strong.length === 0)
    return {
      images: tf.clone(images),
      labels: tf.clone(labels),
      pseudoLabels: tf.fill(labels.shape, UNLABELED, "int32"),
      teacherEntropy: tf.fill(labels.shape, -1),
      anchorLabels: tf.clone(labels),
    };
  const weak = Array.from({ length: b }, (_, i) => i).filter((i) => i % 2 === 0);
  // position of each batch index in concat([weak, strong])
  const back = Array.from({ length: b }, (_, i) => (i % 2 === 0 ? i / 2 : weak.length + (i - 1) / 2));
  const si = tf.tensor1d(strong, "int32");
  const wi = tf.tensor1d(weak, "int32");
  const order = tf.tensor1d(back, "int32");
  const sImages = tf.gather(images, si) as tf.Tensor4D;
  const sLabels = tf.gather(labels, si) as tf.Tensor3D;
  const teacher = teach(sImages, sLabels);
  const view = strongView(sImages, sLabels, teacher, o, rand);
  const out = tf.tidy(() => {
    const wImages = tf.gather(images, wi);
    const wLabels = tf.gather(labels, wi);
    const fill = (n: number, value: number, dtype: "int32" | "float32") =>
      tf.fill([n, labels.shape[1], labels.shape[2]], value, dtype);
    const none = (n: number) => fill(n, UNLABELED, "int32");
    return {
      images: tf.gather(tf.concat([wImages, view.images]), order) as tf.Tensor4D,
      labels: tf.gather(tf.concat([wLabels, none(strong.length)]), order) as tf.Tensor3D,
      pseudoLabels: tf.gather(tf.concat([none(weak.length), view.pseudoLabels]), order) as tf.Tensor3D,
      teacherEntropy: tf.gather(
        tf.concat([fill(weak.length, -1, "float32"), view.teacherEntropy]),
        order,
      ) as tf.Tensor3D,
      anchorLabels: tf.gather(tf.concat([wLabels, view.labels]), order) as tf.Tensor3D,
    };
  });
  tf.dispose([si, wi, order, sImages, sLabels, teacher.targets, teacher.entropy]);
  tf.dispose([view.images, view.labels, view.pseudoLabels, view.teacherEntropy]);
  return out;
}

/** CutMix mask [B, S, S, 1] (1 = take the next image's content) built on the CPU. */
function cutmixMask(batch: number, size: number, o: StrongAugmentOptions, rand: Random): Float32Array {
  const mask = new Float32Array(batch * size * size);
  if (batch < 2) return mask;
  for (let b = 0; b < batch; b++) {
    if (rand() >= o.cutmixProbability) continue;
    const area = o.cutmixMinArea + (o.cutmixMaxArea - o.cutmixMinArea) * rand();
    const aspect = Math.exp((rand() - 0.5) * Math.log(4)); // 1/2 .. 2
    const bh = Math.max(1, Math.min(size, Math.round(size * Math.sqrt(area * aspect))));
    const bw = Math.max(1, Math.min(size, Math.round(size * Math.sqrt(area / aspect))));
    const y0 = Math.floor(rand() * (size - bh + 1));
    const x0 = Math.floor(rand() * (size - bw + 1));
    for (let y = y0; y < y0 + bh; y++)
      mask.fill(1, b * size * size + y * size + x0, b * size * size + y * size + x0 + bw);
  }
  return mask;
}

export interface StrongView {
  images: tf.Tensor4D;
  labels: tf.Tensor3D;
  pseudoLabels: tf.Tensor3D;
  teacherEntropy: tf.Tensor3D;
}

/**
 * Strong view of a weak batch: per-image color jitter and blur, then CutMix with the next image of
 * the batch (labels, the teacher's targets and its entropy mixed with the same boxes). Inputs are
 * not disposed.
 */
export function strongView(
  images: tf.Tensor4D,
  labels: tf.Tensor3D,
  teacher: TeacherView,
  o: StrongAugmentOptions,
  rand: Random,
): StrongView {
  const [b, h, w] = images.shape;
  const jitter = Array.from({ length: b }, () => ({
    brightness: o.brightness * (2 * rand() - 1),
    contrast: 1 + o.contrast * (2 * rand() - 1),
    saturation: 1 + o.saturation * (2 * rand() - 1),
    blur: rand() < o.blurProbability ? 1 : 0,
  }));
  const size = h === w ? h : 0;
  const mix = size > 0 ? cutmixMask(b, size, o, rand) : new Float32Array(b * h * w);
  return tf.tidy(() => {
    const col = (key: keyof (typeof jitter)[number]) =>
      tf.tensor4d(
        jitter.map((j) => j[key]),
        [b, 1, 1, 1],
      );
    const gray = tf.mean(images, -1, true);
    let x = tf.add(gray, tf.mul(tf.sub(images, gray), col("saturation")));
    x = tf.add(tf.mul(tf.sub(x, 127.5), col("contrast")), tf.add(127.5, col("brightness")));
    const blurred = tf.avgPool(x as tf.Tensor4D, 3, 1, "same");
    const blur = col("blur");
    x = tf.add(tf.mul(blurred, blur), tf.mul(x, tf.sub(1, blur)));
    x = tf.clipByValue(x, 0, 255);
    const m = tf.tensor4d(mix, [b, h, w, 1]);
    const roll = <T extends tf.Tensor>(t: T): T =>
      tf.concat([tf.slice(t, [1], [b - 1]), tf.slice(t, [0], [1])], 0) as T;
    const mixed =
      b > 1 ? (tf.add(tf.mul(roll(x), m), tf.mul(x, tf.sub(1, m))) as tf.Tensor4D) : (x as tf.Tensor4D);
    const m3 = tf.cast(tf.squeeze(m, [3]), "bool");
    const mixLabels = (t: tf.Tensor3D) => (b > 1 ? (tf.where(m3, roll(t), t) as tf.Tensor3D) : tf.clone(t));
    return {
      images: mixed,
      labels: mixLabels(labels),
      pseudoLabels: mixLabels(teacher.targets),
      teacherEntropy: mixLabels(teacher.entropy),
    };
  });
}

/**
 * Cross-entropy towards the pseudo-labels on pixels without a human label whose pseudo-label is
 * confident, each weighted by its target's class weight (when given); divided by the number of
 * unlabeled pixels, and scaled by the context's `consistency` (the ramp after a late start; 1
 * when absent). Zero when the context has no pseudo-labels.
 */
export function fixMatchLoss(
  options: Pick<SemiSupervisedOptions, "weight" | "rampFraction"> &
    Partial<Pick<SemiSupervisedOptions, "start">>,
  classWeights?: readonly number[],
): LossTerm {
  return {
    name: "fixmatch",
    // With a late start the trainer ramps the term through ctx.consistency instead.
    weight: options.start === "plateau" ? () => options.weight : ramp(options.weight, options.rampFraction),
    compute: ({ outputs, labels, pseudoLabels, numClasses, consistency }) => {
      if (!pseudoLabels || consistency === 0) return tf.scalar(0);
      const unlabeled = tf.equal(labels, UNLABELED);
      const use = tf.cast(tf.logicalAnd(unlabeled, tf.notEqual(pseudoLabels, UNLABELED)), "float32");
      const target = tf.where(tf.notEqual(pseudoLabels, UNLABELED), pseudoLabels, tf.zerosLike(pseudoLabels));
      const weights =
        classWeights && classWeights.length === numClasses
          ? tf.mul(use, tf.gather(tf.tensor1d(classWeights as number[]), target))
          : use;
      const denom = tf.maximum(tf.sum(tf.cast(unlabeled, "float32")), 1) as tf.Scalar;
      const loss = weightedCrossEntropy(outputs.logits, target, weights, denom);
      return (consistency === undefined ? loss : tf.mul(loss, consistency)) as tf.Scalar;
    },
  };
}
