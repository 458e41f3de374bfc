/**
 * PiXL pixel alignment (Gan et al., "Diving Segmentation Model into Pixels", ICLR 2024), adapted
 * to sparse labels:
 *
 * 1. Targets at embedding resolution: the human label where there is one, else the pseudo-label
 *    (teacher, see semi-supervised.ts) when the context has one, else the student's own arg-max
 *    where its confidence >= tau (no gradient). Pixels without a target take no part.
 * 2. Partition, per image: targeted pixels whose normalized prediction entropy is <= that image's
 *    q-quantile (over its targeted pixels) are "joint", the others "drift".
 * 3. Prototypes: per class, the L2-normalized mean embedding of joint pixels pooled over all images
 *    of the batch, EMA-smoothed across steps (state lives in the term). Computed from detached
 *    values: no gradient.
 * 4. Drift alignment: InfoNCE / softmax over the prototypes at temperature T, target = the pixel's
 *    class; only drift pixels contribute (asymmetric: joint pixels get no gradient from this term).
 */
import { tf } from "../engine/tf.ts";
import { UNLABELED, type LossContext, type LossTerm } from "./losses.ts";
import type { PixlOptions } from "./method.ts";
import { ramp } from "./ramp.ts";

export interface PixelPartition {
  /** Per pixel of the embedding grid: class of joint pixels, -1 elsewhere. */
  joint: Int32Array;
  /** Per pixel: class of drift pixels, -1 elsewhere. */
  drift: Int32Array;
  thresholds: number[];
}

/**
 * Splits targeted pixels of each image (targets: class or UNLABELED; entropy in [0, 1]) into joint
 * (entropy <= the image's q-quantile) and drift pixels.
 */
export function partitionPixels(
  targets: Int32Array,
  entropy: Float32Array,
  images: number,
  quantile: number,
): PixelPartition {
  const perImage = targets.length / images;
  const joint = new Int32Array(targets.length).fill(-1);
  const drift = new Int32Array(targets.length).fill(-1);
  const thresholds: number[] = [];
  for (let b = 0; b < images; b++) {
    const values: number[] = [];
    for (let i = b * perImage; i < (b + 1) * perImage; i++)
      if (targets[i] !== UNLABELED) values.push(entropy[i]);
    if (values.length === 0) {
      thresholds.push(NaN);
      continue;
    }
    values.sort((x, y) => x - y);
    const thr = values[Math.min(values.length - 1, Math.max(0, Math.ceil(quantile * values.length) - 1))];
    thresholds.push(thr);
    for (let i = b * perImage; i < (b + 1) * perImage; i++) {
      const t = targets[i];
      if (t === UNLABELED) continue;
      if (entropy[i] <= thr) joint[i] = t;
      else drift[i] = t;
    }
  }
  return { joint, drift, thresholds };
}

export interface PixlTerm extends LossTerm {
  /** Current prototypes, K x D row-major, and which classes have one. */
  prototypes(): { values: Float32Array; present: boolean[] } | undefined;
}

function embeddingsOf(ctx: LossContext): tf.Tensor4D {
  const e = ctx.outputs.embeddings;
  if (!e) throw new Error("pixl: the network ran without its projection head (no embeddings)");
  return e;
}

/** Detached targets and entropy at the embedding grid (see the module comment). */
function targetsAndEntropy(ctx: LossContext, tau: number): { targets: tf.Tensor3D; entropy: tf.Tensor3D } {
  return tf.tidy(() => {
    const { logits } = ctx.outputs;
    const embeddings = embeddingsOf(ctx);
    const [, H] = logits.shape;
    const s = Math.max(1, Math.round(H / embeddings.shape[1]));
    const probs = tf.softmax(logits); // read back to the CPU below: never part of the gradient;
    const logK = Math.log(Math.max(2, ctx.numClasses));
    const entropy = tf.div(
      tf.neg(tf.sum(tf.mul(probs, tf.log(tf.maximum(probs, 1e-12))), -1)),
      logK,
    ) as tf.Tensor3D;
    const own = tf.where(
      tf.greaterEqual(tf.max(probs, -1), tau),
      tf.cast(tf.argMax(probs, -1), "int32"),
      tf.fill(ctx.labels.shape, UNLABELED, "int32"),
    );
    const pseudo = ctx.pseudoLabels ?? own;
    const targets = tf.where(tf.notEqual(ctx.labels, UNLABELED), ctx.labels, pseudo) as tf.Tensor3D;
    const [B, h, w] = embeddings.shape;
    // To the embedding grid: a block's target is a targeted pixel's class (the largest, if they
    // differ), so thin scribbles are never skipped; entropy is the block mean.
    const fit = <T extends tf.Tensor4D>(t: T) => tf.slice(t, [0, 0, 0, 0], [B, h, w, 1]);
    const t4 = tf.expandDims(
      tf.where(tf.notEqual(targets, UNLABELED), tf.add(targets, 1), tf.zerosLike(targets)),
      -1,
    ) as tf.Tensor4D;
    const pooled = tf.squeeze(fit(tf.maxPool(tf.cast(t4, "float32"), s, s, "valid")), [3]);
    const gridTargets = tf.where(
      tf.greater(pooled, 0),
      tf.sub(tf.cast(pooled, "int32"), 1),
      tf.fill(pooled.shape as [number, number, number], UNLABELED, "int32"),
    ) as tf.Tensor3D;
    const gridEntropy = tf.squeeze(
      fit(tf.avgPool(tf.expandDims(entropy, -1) as tf.Tensor4D, s, s, "valid")),
      [3],
    ) as tf.Tensor3D;
    return { targets: gridTargets, entropy: gridEntropy };
  });
}

export function pixlAlignment(
  options: Pick<PixlOptions, "weight" | "quantile" | "temperature" | "momentum" | "tau" | "rampFraction">,
): PixlTerm {
  let protos: Float32Array | undefined;
  let present: boolean[] = [];
  return {
    name: "pixl",
    usesEmbeddings: true,
    weight: ramp(options.weight, options.rampFraction),
    prototypes: () => (protos ? { values: protos.slice(), present: [...present] } : undefined),
    compute: (ctx) => {
      const k = ctx.numClasses;
      const emb = embeddingsOf(ctx);
      const [B, h, w, D] = emb.shape;
      const n = B * h * w;
      const te = targetsAndEntropy(ctx, options.tau);
      const targets = Int32Array.from(te.targets.dataSync());
      const entropy = te.entropy.dataSync() as Float32Array;
      tf.dispose([te.targets, te.entropy]);
      const part = partitionPixels(targets, entropy, B, options.quantile);

      const flat = tf.reshape(emb, [n, D]) as tf.Tensor2D;
      // 1) batch prototypes from joint pixels (detached), then EMA.
      const sums = tf.tidy(() => {
        const oneHot = tf.cast(tf.oneHot(tf.tensor1d(part.joint, "int32"), k), "float32") as tf.Tensor2D;
        return tf.matMul(oneHot, flat, true, false); // read back to the CPU: no gradient;
      });
      const sumValues = sums.dataSync() as Float32Array;
      sums.dispose();
      if (!protos) {
        protos = new Float32Array(k * D);
        present = new Array<boolean>(k).fill(false);
      }
      for (let c = 0; c < k; c++) {
        let norm = 0;
        for (let d = 0; d < D; d++) norm += sumValues[c * D + d] ** 2;
        if (norm < 1e-12) continue;
        norm = Math.sqrt(norm);
        const m = present[c] ? options.momentum : 0;
        let norm2 = 0;
        for (let d = 0; d < D; d++) {
          const v = m * protos[c * D + d] + (1 - m) * (sumValues[c * D + d] / norm);
          protos[c * D + d] = v;
          norm2 += v * v;
        }
        norm2 = Math.sqrt(Math.max(norm2, 1e-12));
        for (let d = 0; d < D; d++) protos[c * D + d] /= norm2;
        present[c] = true;
      }
      // 2) drift pixels whose class has a prototype: InfoNCE over the prototypes present.
      const drift = part.drift.map((c) => (c >= 0 && present[c] ? c : -1));
      let count = 0;
      for (const c of drift) if (c >= 0) count++;
      if (count === 0) return tf.mul(tf.sum(flat), 0) as tf.Scalar;
      const protoTensor = tf.tensor2d(protos, [k, D]);
      const bias = tf.tensor1d(present.map((p) => (p ? 0 : -1e4)));
      const sims = tf.add(tf.div(tf.matMul(flat, protoTensor, false, true), options.temperature), bias);
      const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(sims), tf.oneHot(tf.tensor1d(drift, "int32"), k)), -1));
      return tf.div(tf.sum(nll), count) as tf.Scalar;
    },
  };
}
