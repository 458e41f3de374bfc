import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { seededRandom } from "../training/augment.ts";
import { AdaptiveThresholds } from "./adaptive-thresholds.ts";
import { PlateauDetector } from "./plateau.ts";
import {
  DEFAULT_STRONG_AUGMENT,
  fixMatchLoss,
  splitViews,
  strongPositions,
  teacherTargets,
} from "./semi-supervised.ts";
import { seededNetwork } from "../testing/seeded.ts";
import { syntheticSample } from "../testing/synthetic.ts";
import { networkFromWeights } from "../model/weights.ts";
import { datasetFromArray, train, type TrainProgress } from "../training/train.ts";
import type { LossContext } from "./losses.ts";

const U = 255;

describe("class-aware thresholds", () => {
  it("give a class the teacher favours less a lower bar, within [min, max]", () => {
    const t = new AdaptiveThresholds(3, { momentum: 0.9, min: 0.5, max: 0.95 });
    expect([...t.thresholds()]).toEqual([0.95, 0.95, 0.95].map(Math.fround));
    t.update(0.9, [0.6, 0.35, 0.05]);
    const [a, b, c] = t.thresholds();
    expect(a).toBeCloseTo(0.9, 5); // the favoured class: the mean confidence
    expect(b).toBeCloseTo((0.9 * 0.35) / 0.6, 5);
    expect(c).toBe(0.5); // clipped at min
    // Moving averages: one more pass moves the level a tenth of the way.
    t.update(0.5, [0.6, 0.35, 0.05]);
    expect(t.thresholds()[0]).toBeCloseTo(0.86, 5);
    expect(() => t.update(0.9, [0.5, 0.5])).toThrow(/2 class means for 3 classes/);
  });
});

describe("plateau", () => {
  it("starts when the smoothed loss stops falling, and at the latest half-way", () => {
    const p = new PlateauDetector({ smoothing: 0, window: 0.1, minDrop: 0.05, latest: 0.5 });
    let started: number | undefined;
    for (let step = 0; step < 400 && started === undefined; step++) {
      const loss = step < 100 ? 2 - step / 100 : 1; // falls for 100 steps, then flat
      if (p.update(step, 1000, loss)) started = p.step;
    }
    // window 100 steps: flat from step 100, so by step 200 it fell by 0 over the window
    expect(started).toBeGreaterThan(150);
    expect(started).toBeLessThanOrEqual(201);
    const q = new PlateauDetector({ smoothing: 0, window: 0.1, minDrop: 0.05, latest: 0.5 });
    let at: number | undefined;
    for (let step = 0; step < 1000 && at === undefined; step++)
      if (q.update(step, 1000, 1000 - step)) at = q.step;
    expect(at).toBe(500);
  });
});

describe("split views and the teacher's targets", () => {
  beforeAll(async () => {
    await initBackend("cpu");
  });

  it("keeps human labels on weak positions and gives strong positions the teacher's targets", () => {
    const net = seededNetwork({ numClasses: 3, widths: [8, 16], embeddingDim: 4, projectionHidden: 4 });
    const s = 16;
    const images = tf.randomUniform([4, s, s, 3], 0, 255, "float32", 3) as tf.Tensor4D;
    const labelArr = new Int32Array(4 * s * s).fill(U);
    labelArr[0] = 1; // image 0 (weak)
    labelArr[s * s + 5] = 2; // image 1 (strong)
    const labels = tf.tensor3d(labelArr, [4, s, s], "int32");
    expect(strongPositions(4)).toEqual([1, 3]);
    // A threshold of 0 takes every pixel: the teacher's class everywhere but where a human labeled.
    const teach = (im: tf.Tensor4D, lb: tf.Tensor3D) => teacherTargets(net, im, lb, new Float32Array(3));
    const o = {
      ...DEFAULT_STRONG_AUGMENT,
      cutmixProbability: 0,
      blurProbability: 0,
      brightness: 0,
      contrast: 0,
      saturation: 0,
    };
    const out = splitViews(images, labels, teach, o, seededRandom(1));
    const l = out.labels.arraySync() as number[][][];
    const p = out.pseudoLabels.arraySync() as number[][][];
    expect(l[0][0][0]).toBe(1); // weak keeps its human label
    expect(l[1].flat().every((v) => v === U)).toBe(true); // strong: no human labels for the CE
    expect(p[0].flat().every((v) => v === U)).toBe(true); // weak: no targets for consistency
    expect(p[1][0][5]).toBe(2); // strong: the human label wins over the teacher
    expect(p[3].flat().every((v) => v >= 0 && v < 3)).toBe(true);
    // The teacher's entropy on the strong positions' clean view, -1 (none) on the weak ones.
    const e = out.teacherEntropy.arraySync() as number[][][];
    expect(e[0].flat().every((v) => v === -1)).toBe(true);
    expect(e[1].flat().every((v) => v >= 0 && v <= 1)).toBe(true);
    // The human labels on every position, for PiXL's anchors (not for training).
    expect(Array.from(out.anchorLabels.dataSync())).toEqual(Array.from(labelArr));
    // Weak images are untouched; the order of the batch is kept.
    const diff = tf.tidy(
      () => tf.max(tf.abs(tf.sub(tf.gather(out.images, [0, 2]), tf.gather(images, [0, 2])))).dataSync()[0],
    );
    expect(diff).toBe(0);
    // Teacher statistics: over pixels without a human label.
    const pass = teacherTargets(net, images, labels, new Float32Array(3).fill(0.99));
    expect(pass.meanConfidence).toBeGreaterThan(1 / 3 - 1e-6);
    expect(pass.meanProbabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    tf.dispose([
      images,
      labels,
      out.images,
      out.labels,
      out.pseudoLabels,
      out.teacherEntropy,
      out.anchorLabels,
    ]);
    tf.dispose([pass.targets, pass.entropy]);
    net.dispose();
  });

  it("weights the pseudo-label loss by class and scales it by the ramp", () => {
    const value = (consistency: number | undefined, weights?: number[]) =>
      tf.tidy(() => {
        const ctx: LossContext = {
          outputs: { logits: tf.tensor4d([0, 1, 1, 0], [1, 1, 2, 2]) },
          images: tf.zeros([1, 1, 2, 3]),
          labels: tf.tensor3d([U, U], [1, 1, 2], "int32"),
          pseudoLabels: tf.tensor3d([0, 1], [1, 1, 2], "int32"),
          consistency,
          numClasses: 2,
          step: 0,
          totalSteps: 1,
        };
        return fixMatchLoss({ weight: 1, rampFraction: 0 }, weights).compute(ctx).dataSync()[0];
      });
    const nll = Math.log(1 + Math.E) - 0; // -log softmax of the lower logit
    expect(value(undefined)).toBeCloseTo(nll, 5);
    expect(value(0.5)).toBeCloseTo(nll / 2, 5);
    expect(value(0)).toBe(0);
    expect(value(undefined, [3, 1])).toBeCloseTo((3 * nll + nll) / 2, 5);
  });
});

describe("semi-supervised training", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("starts the consistency term only once the supervised loss levels off, and leaks no tensors", async () => {
    const net = seededNetwork({ numClasses: 3, widths: [8, 16, 16], embeddingDim: 4, projectionHidden: 8 });
    const samples = [0, 1, 2, 3].map((seed) => syntheticSample(48, 40, seed, seed % 2 === 0));
    const unlabeled = [4, 5].map((seed) => ({ ...syntheticSample(48, 40, seed, true), labels: undefined }));
    const before = tf.memory().numTensors;
    const events: TrainProgress[] = [];
    await train(net, datasetFromArray([...samples, ...unlabeled]), {
      steps: 80,
      batchSize: 4,
      inputSize: 32,
      learningRate: 1e-2,
      seed: 3,
      method: {
        semiSupervised: { enabled: true },
        pixl: { enabled: false },
        propagation: { enabled: false },
        forestLabels: { enabled: false },
      },
      onProgress: (p) => events.push(p),
    });
    const first = events.findIndex((e) => e.losses.fixmatch !== undefined && e.losses.fixmatch > 0);
    expect(first).toBeGreaterThan(10); // not from step 0
    expect(first).toBeLessThanOrEqual(41); // at the latest half-way
    expect(events.slice(first).every((e) => Number.isFinite(e.losses.total))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
  it("lets a held-out check keep the mean teacher when it scores better than the live weights", async () => {
    const net = seededNetwork({ numClasses: 3, widths: [8, 16, 16], embeddingDim: 4, projectionHidden: 8 });
    const samples = [0, 1, 2, 3].map((seed) => syntheticSample(48, 40, seed, true));
    /** a score of the weights alone: the first kernel's sum */
    const kernelSum = (n: typeof net) =>
      tf.tidy(() => tf.sum(n.model.trainableWeights[0].read()).dataSync()[0]);
    const checks: number[] = [];
    const result = await train(net, datasetFromArray(samples), {
      steps: 12,
      batchSize: 4,
      inputSize: 32,
      learningRate: 1e-2,
      seed: 3,
      method: {
        semiSupervised: { enabled: true, start: "step0" },
        propagation: { enabled: false },
        forestLabels: { enabled: false },
      },
      validation: {
        every: 100,
        run: (n) => {
          checks.push(kernelSum(n));
          return { score: kernelSum(n), metrics: {} };
        },
      },
    });
    // One check at the end: the live weights, then the teacher's (a lagging average: other weights).
    expect(checks).toHaveLength(2);
    expect(Math.abs(checks[1] - checks[0])).toBeGreaterThan(1e-4);
    expect(result.best?.score).toBeCloseTo(Math.max(...checks), 5);
    const kept = networkFromWeights(result.best!.weights);
    expect(kernelSum(kept)).toBeCloseTo(result.best!.score, 4);
    expect(kernelSum(net)).toBeCloseTo(checks[0], 5); // the network keeps its live weights
    kept.dispose();
    net.dispose();
  });
});
