/**
 * PiXL pixel alignment (Gan et al., "Diving Segmentation Model into Pixels", ICLR 2024), adapted
 * to sparse labels and anchored on them:
 *
 * 1. Which images, and whose view: with the semi-supervised term on, the images its teacher
 *    looked at (split mode: the strong half, the other half trains on labels alone), and
 *    everything there is the teacher's: the targets are the label (human, propagated or from the
 *    pixel classifier, carried through CutMix as the context's anchorLabels) where there is one,
 *    else the teacher's confident class; the entropy is the teacher's on the clean view, over every
 *    pixel of the image. When that term starts late, PiXL starts with it (`withTeacher`). Without it, every image and the student's own view: the label, else its
 *    own arg-max where its confidence >= tau; its own entropy (both of each block's mean logits).
 *    Targets go to the embedding grid by majority vote over each block: a block whose targeted
 *    pixels disagree (a boundary) is skipped; so is a block without any target.
 * 2. Partition, per image: targeted blocks whose normalized entropy (detached) is <= that image's
 *    q-quantile are "joint", the others "drift".
 * 3. Prototypes from labels first: per image and class, the normalized mean embedding of its
 *    joint blocks whose target is a label (local prototypes; at most ANCHORS_PER_CLASS blocks,
 *    a seeded sample beyond); per class, the normalized mean of the last `memory` local
 *    prototypes of any image (the global prototype, a memory of recent regions as in Wang et
 *    al.'s region memory). All detached: no gradient.
 * 4. Drift alignment: for a drift block of class c in image b, a softmax at temperature T over
 *    the global prototypes and image b's local prototypes, with both c-prototypes as positives
 *    (-log of their share). At most `maxDriftPerClass` drift blocks per class and step
 *    (a seeded sample), so one class's wide regions cannot dominate. Only drift blocks get
 *    gradient (joint ones and the prototypes none).
 */
import { gatherRows } from "../engine/gather-rows.ts";
import { tf } from "../engine/tf.ts";
import type { EmbeddingGrid } from "../model/network.ts";
import { UNLABELED, type LossContext, type LossTerm } from "./losses.ts";
import type { PixlOptions } from "./method.ts";
import { ramp } from "./ramp.ts";
import { softmaxAt, type SoftmaxAt } from "./softmax-at.ts";

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

/**
 * Block targets by majority vote: `targets` [B, H, W] (class or UNLABELED) to the [B, h, w]
 * grid of s x s blocks (s = H / h). A block takes the class of its targeted pixels when they
 * all agree; a block with none, or with two classes (a boundary), is UNLABELED. `fromLabel`
 * says whether a kept block's pixels came from a label (else from pseudo-labels).
 */
export function blockTargets(
  targets: Int32Array,
  isLabel: Uint8Array,
  images: number,
  height: number,
  width: number,
  h: number,
  w: number,
): { classes: Int32Array; fromLabel: Uint8Array } {
  const s = Math.max(1, Math.round(height / h));
  const classes = new Int32Array(images * h * w).fill(UNLABELED);
  const fromLabel = new Uint8Array(images * h * w);
  for (let b = 0; b < images; b++)
    for (let by = 0; by < h; by++)
      for (let bx = 0; bx < w; bx++) {
        let cls = UNLABELED;
        let mixed = false;
        let labeled = 0;
        for (let y = by * s; y < Math.min(height, (by + 1) * s) && !mixed; y++)
          for (let x = bx * s; x < Math.min(width, (bx + 1) * s); x++) {
            const p = (b * height + y) * width + x;
            const t = targets[p];
            if (t === UNLABELED) continue;
            if (cls === UNLABELED) cls = t;
            else if (t !== cls) {
              mixed = true;
              break;
            }
            labeled += isLabel[p];
          }
        if (mixed || cls === UNLABELED) continue;
        const g = (b * h + by) * w + bx;
        classes[g] = cls;
        fromLabel[g] = labeled > 0 ? 1 : 0;
      }
  return { classes, fromLabel };
}

/** Normalized mean of the rows of `emb` (n x d) whose index is listed; null when none is. */
function normalizedMean(emb: Float32Array, d: number, rows: number[]): Float32Array | null {
  if (rows.length === 0) return null;
  const out = new Float32Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) out[j] += emb[r * d + j];
  let norm = 0;
  for (let j = 0; j < d; j++) norm += out[j] * out[j];
  if (norm < 1e-12) return null;
  norm = Math.sqrt(norm);
  for (let j = 0; j < d; j++) out[j] /= norm;
  return out;
}

export interface PixlTerm extends LossTerm {
  /** Current global prototypes, K x D row-major, and which classes have one. */
  prototypes(): { values: Float32Array; present: boolean[] } | undefined;
}

/** The batch's embeddings, per grid cell on request (the network's grid, or a full tensor's rows). */
function embeddingGridOf(ctx: LossContext): EmbeddingGrid {
  if (ctx.outputs.grid) return ctx.outputs.grid;
  const e = ctx.outputs.embeddings;
  if (!e) throw new Error("pixl: the network ran without its projection head (no embeddings)");
  const [b, h, w, d] = e.shape;
  const flat = tf.reshape(e, [b * h * w, d]) as tf.Tensor2D;
  return { shape: [b, h, w], rows: (rows) => gatherRows(flat, rows) };
}

/**
 * Detached per-pixel targets (see the module comment), whether each is a label, and the entropy on
 * the embedding grid.
 *
 * Where the semi-supervised term's teacher looked (split mode: the strong half), everything is the
 * teacher's: its targets (the human label, else its confident class) and its entropy on the clean
 * view, block means; the images it did not look at are skipped, and the student's logits are not
 * read at all. Without a teacher, the student's own: the entropy and, where unlabeled, the class
 * of each block's mean logits where it is sure (the logits are a bilinear upsampling of the
 * grid's own, so this is the grid's prediction, at a quarter of the cost). Block means are read
 * back and the rest is one loop here: on wasm, the softmax, entropy and arg-max as tensor ops cost
 * three times as much as the loop.
 */
function readTargets(
  ctx: LossContext,
  tau: number,
  h: number,
  w: number,
): { targets: Int32Array; isLabel: Uint8Array; entropy: Float32Array } {
  const [B, H, W] = ctx.labels.shape;
  const K = ctx.numClasses;
  const s = Math.max(1, Math.round(H / h));
  const blockMean = (t: tf.Tensor4D) =>
    tf.slice(s > 1 ? tf.avgPool(t, s, s, "valid") : t, [0, 0, 0, 0], [B, h, w, t.shape[3]]);
  const readBlockMean = (t: () => tf.Tensor4D) => {
    const mean = tf.tidy(() => blockMean(t())); // read back: never part of the gradient
    const values = mean.dataSync() as Float32Array;
    mean.dispose();
    return values;
  };
  const cells = B * h * w;
  const entropy = new Float32Array(cells);
  const labels = ctx.labels.dataSync() as Int32Array;
  const anchors = (ctx.anchorLabels?.dataSync() as Int32Array | undefined) ?? labels;
  const targets = new Int32Array(labels.length).fill(UNLABELED);
  const isLabel = new Uint8Array(labels.length);
  const teacherEntropy = ctx.teacherEntropy;
  const pseudo = ctx.pseudoLabels?.dataSync() as Int32Array | undefined;
  if (teacherEntropy && pseudo) {
    entropy.set(readBlockMean(() => tf.expandDims(teacherEntropy, -1) as tf.Tensor4D));
    const hw = H * W;
    for (let b = 0; b < B; b++) {
      // -1 on every pixel of an image the teacher did not look at (CutMix mixes only its own)
      if (!(entropy[b * h * w] >= 0)) continue;
      for (let p = b * hw; p < (b + 1) * hw; p++) {
        const label = labels[p] !== UNLABELED ? labels[p] : anchors[p];
        targets[p] = label !== UNLABELED ? label : pseudo[p];
        isLabel[p] = label !== UNLABELED ? 1 : 0;
      }
    }
    return { targets, isLabel, entropy };
  }
  const logits = readBlockMean(() => ctx.outputs.logits);
  // The student's own class where it is sure, for the unlabeled pixels.
  const own = new Int32Array(cells).fill(UNLABELED);
  const logK = Math.log(Math.max(2, K));
  const e = new Float64Array(K);
  const read: SoftmaxAt = { best: 0, sum: 1, entropy: 0 };
  for (let g = 0; g < cells; g++) {
    softmaxAt(logits, g * K, K, e, read);
    entropy[g] = read.entropy / logK;
    if (1 / read.sum >= tau) own[g] = read.best;
  }
  for (let b = 0, p = 0; b < B; b++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++, p++) {
        const label = labels[p] !== UNLABELED ? labels[p] : anchors[p];
        if (label !== UNLABELED) {
          targets[p] = label;
          isLabel[p] = 1;
        } else if (pseudo) targets[p] = pseudo[p];
        else {
          const by = Math.floor(y / s);
          const bx = Math.floor(x / s);
          targets[p] = by < h && bx < w ? own[(b * h + by) * w + bx] : UNLABELED;
        }
      }
  return { targets, isLabel, entropy };
}

/**
 * Joint label blocks averaged into one image's local prototype of a class, at most (a seeded
 * sample beyond): the mean of a few dozen unit vectors is already close to the mean of all, and
 * each one read costs the projection head's forward.
 */
const ANCHORS_PER_CLASS = 32;

/** A seeded shuffle of `xs`' first `n` (Fisher-Yates over a copy). */
function sample(xs: number[], n: number, seed: number): number[] {
  if (xs.length <= n) return xs;
  const a = xs.slice();
  let state = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = i + (state % (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}

/**
 * log(sum(exp(x))) over the last axis, with the max that keeps it stable taken off the tape: the
 * result's gradient is softmax(x) either way, and tf.logSumExp's path through the max costs a
 * broadcast Equal of x's size (on wasm a scalar loop: a quarter of a PiXL step at crops of 128).
 */
export function logSumExp(x: tf.Tensor): tf.Tensor {
  const max = tf.max(x, -1, true);
  const constant = tf.tensor(max.dataSync(), max.shape); // a new tensor: no edge back to x
  return tf.squeeze(tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, constant)), -1, true)), constant), [-1]);
}

export function pixlAlignment(
  options: Pick<
    PixlOptions,
    "weight" | "quantile" | "temperature" | "memory" | "maxDriftPerClass" | "tau" | "rampFraction"
  > & {
    /**
     * The semi-supervised term starts late (at the plateau): PiXL starts with it, at zero until
     * then and ramped by the context's `consistency` after, instead of its own ramp from step 0.
     */
    withTeacher?: boolean;
  },
): PixlTerm {
  /** per class, the recent local prototypes (oldest first) */
  const memory: Float32Array[][] = [];
  let dim = 0;
  const globalOf = (c: number) => {
    const list = memory[c] ?? [];
    if (list.length === 0) return null;
    const mean = new Float32Array(dim);
    for (const p of list) for (let j = 0; j < dim; j++) mean[j] += p[j];
    return normalizedMean(mean, dim, [0]);
  };
  return {
    name: "pixl",
    usesEmbeddings: true,
    weight: options.withTeacher ? () => options.weight : ramp(options.weight, options.rampFraction),
    prototypes: () => {
      if (dim === 0) return undefined;
      const k = memory.length;
      const values = new Float32Array(k * dim);
      const present: boolean[] = [];
      for (let c = 0; c < k; c++) {
        const g = globalOf(c);
        present.push(g !== null);
        if (g) values.set(g, c * dim);
      }
      return { values, present };
    },
    compute: (ctx) => {
      const k = ctx.numClasses;
      const grid = embeddingGridOf(ctx);
      // (zero, and still a function of the embeddings, so its gradient is zero rather than missing)
      const zero = () => tf.mul(tf.sum(grid.rows([0])), 0) as tf.Scalar;
      if (options.withTeacher && ctx.consistency === 0) return zero();
      const [B, h, w] = grid.shape;
      while (memory.length < k) memory.push([]);
      const [, H, W] = ctx.labels.shape;
      const read = readTargets(ctx, options.tau, h, w);
      const blocks = blockTargets(read.targets, read.isLabel, B, H, W, h, w);
      const part = partitionPixels(blocks.classes, read.entropy, B, options.quantile);
      const hw = h * w;

      // Local prototypes (labels' joint blocks, their embeddings read back detached), then the
      // memory they join.
      const anchors: number[] = [];
      const positions: number[][][] = [];
      for (let b = 0; b < B; b++) {
        const blocksOf: number[][] = Array.from({ length: k }, () => []);
        for (let i = b * hw; i < (b + 1) * hw; i++) {
          const c = part.joint[i];
          if (c >= 0 && blocks.fromLabel[i]) blocksOf[c].push(i);
        }
        positions.push(
          blocksOf.map((list, c) =>
            sample(list, ANCHORS_PER_CLASS, ctx.step * 17 + b * k + c + 1).map((i) => anchors.push(i) - 1),
          ),
        );
      }
      let values: Float32Array = new Float32Array(0);
      if (anchors.length > 0) {
        const anchorEmbeddings = tf.tidy(() => grid.rows(anchors));
        dim = anchorEmbeddings.shape[1];
        values = anchorEmbeddings.dataSync() as Float32Array;
        anchorEmbeddings.dispose();
      }
      const D = dim;
      const local = positions.map((rows) => rows.map((r) => normalizedMean(values, D, r)));
      for (const perImage of local)
        perImage.forEach((p, c) => {
          if (!p) return;
          memory[c].push(p);
          if (memory[c].length > options.memory) memory[c].shift();
        });
      const global = Array.from({ length: k }, (_, c) => globalOf(c));

      // Drift blocks whose class has a prototype, at most maxDriftPerClass per class.
      const byClass: number[][] = Array.from({ length: k }, () => []);
      for (let i = 0; i < part.drift.length; i++) {
        const c = part.drift[i];
        if (c >= 0 && (global[c] || local[Math.floor(i / hw)][c])) byClass[c].push(i);
      }
      const chosen = byClass.flatMap((rows, c) =>
        sample(rows, options.maxDriftPerClass, ctx.step * 31 + c + 1),
      );
      if (chosen.length === 0) return zero();

      // Every image's 2K candidate prototypes (the global ones, then its local ones), as rows of
      // one matrix; each chosen block is scored against all of them (one small matMul over the
      // chosen blocks only) and masked to its own image's, whose two of its class are positive.
      const cols = B * 2 * k;
      const protos = new Float32Array(cols * D);
      const present = new Uint8Array(cols);
      for (let b = 0; b < B; b++)
        for (let j = 0; j < 2 * k; j++) {
          const p = j < k ? global[j] : local[b][j - k];
          if (!p) continue;
          protos.set(p, (b * 2 * k + j) * D);
          present[b * 2 * k + j] = 1;
        }
      const n = chosen.length;
      const bias = new Float32Array(n * cols).fill(-1e4);
      const notOwn = new Float32Array(n * cols).fill(-1e4);
      chosen.forEach((i, r) => {
        const b = Math.floor(i / hw);
        const c = part.drift[i];
        for (let j = b * 2 * k; j < (b + 1) * 2 * k; j++) if (present[j]) bias[r * cols + j] = 0;
        notOwn[r * cols + b * 2 * k + c] = 0;
        notOwn[r * cols + b * 2 * k + k + c] = 0;
      });
      const rows = grid.rows(chosen);
      const sims = tf.add(
        tf.div(tf.matMul(rows, tf.tensor2d(protos, [cols, D]), false, true), options.temperature),
        tf.tensor2d(bias, [n, cols]),
      );
      const perBlock = tf.sub(logSumExp(sims), logSumExp(tf.add(sims, tf.tensor2d(notOwn, [n, cols]))));
      const loss = tf.mean(perBlock) as tf.Scalar;
      return options.withTeacher && ctx.consistency !== undefined ? tf.mul(loss, ctx.consistency) : loss;
    },
  };
}
