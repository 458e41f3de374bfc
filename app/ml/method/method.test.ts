import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { createNetwork } from "../model/network.ts";
import { seededRandom } from "../training/augment.ts";
import type { LossContext } from "./losses.ts";
import { classWeightsFromCounts, resolveMethod } from "./method.ts";
import { ramp } from "./ramp.ts";
import { DEFAULT_STRONG_AUGMENT, fixMatchLoss, strongView, teacherTargets } from "./semi-supervised.ts";
import { crfLoss } from "./crf.ts";

const U = 255;
const nll = (row: number[], label: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[label];

function ctx(parts: Partial<LossContext> & { logits: tf.Tensor4D; labels: tf.Tensor3D }): LossContext {
  const [b, h, w] = parts.logits.shape;
  return {
    outputs: { logits: parts.logits, embeddings: parts.outputs?.embeddings ?? tf.zeros([b, h, w, 2]) },
    images: parts.images ?? tf.zeros([b, h, w, 3]),
    labels: parts.labels,
    pseudoLabels: parts.pseudoLabels,
    numClasses: parts.logits.shape[3],
    step: 0,
    totalSteps: 1,
  };
}

describe("method options", () => {
  it("ramps weights in linearly and resolves partial options", () => {
    const r = ramp(2, 0.5);
    expect([r(0, 100), r(25, 100), r(50, 100), r(90, 100)]).toEqual([0, 1, 2, 2]);
    const m = resolveMethod({ pixl: { enabled: false }, semiSupervised: { strong: { blurProbability: 0 } } });
    expect(m.pixl.enabled).toBe(false);
    expect(m.pixl.temperature).toBe(0.1);
    expect(m.semiSupervised.strong.blurProbability).toBe(0);
    expect(m.semiSupervised.strong.cutmixProbability).toBe(DEFAULT_STRONG_AUGMENT.cutmixProbability);
  });

  it("takes labels from the pixel classifier by default, one option away from off", () => {
    expect(resolveMethod().forestLabels).toEqual({ enabled: true, tau: 0.8 });
    expect(resolveMethod({ forestLabels: { enabled: false } }).forestLabels.enabled).toBe(false);
    expect(resolveMethod().ema.enabled).toBe(false);
    expect(resolveMethod().propagation.colorGate).toBe(0);
  });

  it("weights rare classes up and frequent ones down, clipped", () => {
    expect(classWeightsFromCounts([100, 400, 25, 0, 1e6])).toEqual([1, 0.5, 2, 1, 0.25]);
  });
});

describe("semi-supervised term", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("keeps pseudo-labels only where the teacher's confidence is >= tau", () => {
    const net = createNetwork({ numClasses: 3, widths: [4, 8], embeddingDim: 2, projectionHidden: 2 });
    const images = tf.randomUniform([2, 16, 16, 3], 0, 255, "float32", 3) as tf.Tensor4D;
    const probs = tf.tidy(() => tf.softmax(net.forward(images, false).logits));
    const conf = tf.max(probs, -1).dataSync();
    const arg = tf.argMax(probs, -1).dataSync();
    const sorted = [...conf].sort((a, b) => a - b);
    // between two confidences, so that float rounding cannot decide the pixels at the bar
    const m = sorted.findIndex((v, i) => i >= sorted.length / 2 && v > sorted[i - 1]);
    const tau = (sorted[m - 1] + sorted[m]) / 2;
    const noLabels = tf.fill([2, 16, 16], U, "int32") as tf.Tensor3D;
    const pl = teacherTargets(net, images, noLabels, new Float32Array(3).fill(tau)).targets;
    const values = pl.dataSync();
    let kept = 0;
    for (let i = 0; i < values.length; i++) {
      if (conf[i] >= tau) {
        expect(values[i]).toBe(arg[i]);
        kept++;
      } else expect(values[i]).toBe(U);
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(values.length);
    tf.dispose([images, probs, pl, noLabels]);
    net.dispose();
  });

  it("trains only unlabeled pixels with a pseudo-label, averaged over unlabeled pixels", () => {
    const rows = [
      [2, 0, -1],
      [0.5, 0.1, 0.3],
      [-1, 3, 0],
      [0, 0, 5],
    ];
    const value = tf.tidy(() => {
      const c = ctx({
        logits: tf.tensor4d(rows.flat(), [1, 1, 4, 3]),
        labels: tf.tensor3d([0, U, U, U], [1, 1, 4], "int32"),
        pseudoLabels: tf.tensor3d([1, 2, U, 2], [1, 1, 4], "int32"),
      });
      return fixMatchLoss({ weight: 1, rampFraction: 0 }).compute(c).dataSync()[0];
    });
    // pixel 0 is labeled (ignored), pixel 2 has no confident pseudo-label; 3 unlabeled pixels.
    expect(value).toBeCloseTo((nll(rows[1], 2) + nll(rows[3], 2)) / 3, 5);
    const none = tf.tidy(
      () =>
        fixMatchLoss({ weight: 1, rampFraction: 0 })
          .compute(ctx({ logits: tf.zeros([1, 1, 2, 3]), labels: tf.tensor3d([U, U], [1, 1, 2], "int32") }))
          .dataSync()[0],
    );
    expect(none).toBe(0);
  });

  it("CutMix moves labels, pseudo-labels and the teacher's entropy with the pixels", () => {
    const b = 2;
    const s = 16;
    const images = tf.concat([tf.fill([1, s, s, 3], 50), tf.fill([1, s, s, 3], 200)], 0) as tf.Tensor4D;
    const labels = tf.concat(
      [tf.fill([1, s, s], 0, "int32"), tf.fill([1, s, s], 1, "int32")],
      0,
    ) as tf.Tensor3D;
    const pseudo = tf.concat(
      [tf.fill([1, s, s], 2, "int32"), tf.fill([1, s, s], U, "int32")],
      0,
    ) as tf.Tensor3D;
    const o = {
      ...DEFAULT_STRONG_AUGMENT,
      brightness: 0,
      contrast: 0,
      saturation: 0,
      blurProbability: 0,
      cutmixProbability: 1,
    };
    const entropy = tf.concat([tf.fill([1, s, s], 0.25), tf.fill([1, s, s], 0.75)], 0) as tf.Tensor3D;
    const v = strongView(images, labels, { targets: pseudo, entropy }, o, seededRandom(5));
    const img = v.images.dataSync();
    const lab = v.labels.dataSync();
    const pl = v.pseudoLabels.dataSync();
    const en = v.teacherEntropy.dataSync();
    let pasted = 0;
    for (let i = 0; i < b * s * s; i++) {
      const fromOther = lab[i] !== (i < s * s ? 0 : 1);
      if (fromOther) pasted++;
      expect(img[i * 3]).toBe(lab[i] === 0 ? 50 : 200);
      expect(pl[i]).toBe(lab[i] === 0 ? 2 : U);
      expect(en[i]).toBe(lab[i] === 0 ? 0.25 : 0.75);
    }
    expect(pasted).toBeGreaterThan(0);
    tf.dispose([images, labels, pseudo, entropy, v.images, v.labels, v.pseudoLabels, v.teacherEntropy]);
  });
});

describe("CRF label propagation", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("penalizes disagreement between neighbours of similar color, not across color edges", () => {
    const w = 8;
    // left half dark, right half bright; predictions: class 0 left, class 1 right.
    const img: number[] = [];
    const lg: number[] = [];
    for (let y = 0; y < w; y++)
      for (let x = 0; x < w; x++) {
        img.push(...(x < w / 2 ? [20, 20, 20] : [230, 230, 230]));
        lg.push(...(x < w / 2 ? [6, -6] : [-6, 6]));
      }
    const images = tf.tensor4d(img, [1, w, w, 3]);
    const term = crfLoss({ weight: 1, sigma: 15, offsets: [1], scale: 1, rampFraction: 0 });
    const aligned = tf.tidy(
      () =>
        term
          .compute(
            ctx({ logits: tf.tensor4d(lg, [1, w, w, 2]), labels: tf.zeros([1, w, w], "int32"), images }),
          )
          .dataSync()[0],
    );
    // Same colors, but the prediction flips at a column inside the dark half.
    const lg2 = lg.map((v, i) => (Math.floor(i / 2) % w === 1 ? -v : v));
    const split = tf.tidy(
      () =>
        term
          .compute(
            ctx({ logits: tf.tensor4d(lg2, [1, w, w, 2]), labels: tf.zeros([1, w, w], "int32"), images }),
          )
          .dataSync()[0],
    );
    expect(aligned).toBeLessThan(1e-3);
    expect(split).toBeGreaterThan(0.1);
    images.dispose();
  });
});
