import { describe, expect, it } from "vitest";
import { seededRandom } from "../../engine/random.ts";
import { binFeatures } from "./bins.ts";
import { predictForest, trainForest, type Forest, type TrainingSet } from "./forest.ts";
import { sampleLabeledPixels } from "./sampling.ts";

/** Two classes inside / outside a circle in features 0 and 1, plus `noise` uninformative features. */
function circles(n: number, noise: number, seed: number): TrainingSet {
  const random = seededRandom(seed);
  const featureCount = 2 + noise;
  const x = new Float32Array(n * featureCount);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < featureCount; f++) x[i * featureCount + f] = 2 * random() - 1;
    const a = x[i * featureCount];
    const b = x[i * featureCount + 1];
    y[i] = a * a + b * b < 0.5 ? 1 : 0;
  }
  return { x, y, n, featureCount, numClasses: 2 };
}

function accuracy(forest: Forest, set: TrainingSet): number {
  const out = new Float32Array(set.n * set.numClasses);
  predictForest(forest, set.x, set.n, out);
  let right = 0;
  for (let i = 0; i < set.n; i++) if ((out[2 * i + 1] > out[2 * i] ? 1 : 0) === set.y[i]) right++;
  return right / set.n;
}

const OPTIONS = { trees: 30, maxDepth: 12, minLeaf: 2, seed: 3 };

describe("random forest", () => {
  it("separates a synthetic 2-class problem among noise features", () => {
    const forest = trainForest(circles(2000, 8, 1), OPTIONS);
    expect(accuracy(forest, circles(3000, 8, 2))).toBeGreaterThan(0.9);
  });

  it("gives probabilities that sum to 1 and respects the depth limit", () => {
    const set = circles(500, 3, 4);
    const forest = trainForest(set, { ...OPTIONS, maxDepth: 3 });
    for (const tree of forest.trees) {
      const depth = new Int32Array(tree.feature.length);
      for (let i = 0; i < tree.feature.length; i++) {
        if (tree.feature[i] < 0) continue;
        depth[tree.child[i]] = depth[tree.child[i] + 1] = depth[i] + 1;
      }
      expect(Math.max(...depth)).toBeLessThanOrEqual(3);
    }
    const out = new Float32Array(set.n * 2);
    predictForest(forest, set.x, set.n, out);
    for (let i = 0; i < set.n; i++) expect(out[2 * i] + out[2 * i + 1]).toBeCloseTo(1, 5);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const set = circles(800, 4, 5);
    const test = circles(500, 4, 6);
    const predict = (seed: number) => {
      const out = new Float32Array(test.n * 2);
      predictForest(trainForest(set, { ...OPTIONS, seed }), test.x, test.n, out);
      return out;
    };
    expect(predict(7)).toEqual(predict(7));
    expect(predict(7)).not.toEqual(predict(8));
  });

  it("never predicts a class without training samples", () => {
    const set = circles(400, 2, 9);
    const forest = trainForest({ ...set, numClasses: 4 }, OPTIONS); // classes 2 and 3 unseen
    const out = new Float32Array(set.n * 4);
    predictForest(forest, set.x, set.n, out);
    for (let i = 0; i < set.n; i++) expect(out[4 * i + 2] + out[4 * i + 3]).toBe(0);
  });

  it("bins at quantiles and keeps every distinct value apart when there are few", () => {
    const x = Float32Array.from([5, 1, 1, 1, 3, 3, 9, 1]);
    const binned = binFeatures(x, 8, 1, 256);
    expect(Array.from(binned.cuts[0])).toEqual([2, 4, 7]);
    expect(Array.from(binned.bins)).toEqual([2, 0, 0, 0, 1, 1, 3, 0]);
    const many = Float32Array.from({ length: 1000 }, (_, i) => i);
    const coarse = binFeatures(many, 1000, 1, 4);
    expect(coarse.cuts[0].length).toBe(3);
    expect(new Set(coarse.bins).size).toBe(4);
  });

  it("samples at most `cap` labeled pixels per class, the same for the same seed", () => {
    const labels = [new Uint8Array(1000).fill(255), new Uint8Array(500).fill(255)];
    labels[0].fill(0, 0, 800);
    labels[1].fill(1, 100, 110);
    const a = sampleLabeledPixels(labels, 3, 50, seededRandom(1));
    expect(a.perClass).toEqual([50, 10, 0]);
    expect(a.perImage[0].pixels.length).toBe(50);
    expect(Array.from(a.perImage[1].pixels)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    expect(Array.from(a.perImage[1].classes)).toEqual(Array(10).fill(1));
    expect(sampleLabeledPixels(labels, 3, 50, seededRandom(1))).toEqual(a);
  });
});
