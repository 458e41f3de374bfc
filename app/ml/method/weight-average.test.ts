import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { seededNetwork } from "../testing/seeded.ts";
import { syntheticSample } from "../testing/synthetic.ts";
import { datasetFromArray, train } from "../training/train.ts";
import { networkFromWeights, serializeWeights } from "../model/weights.ts";
import type { SegmentationNetwork } from "../model/network.ts";
import { WeightAverage } from "./weight-average.ts";

const config = { numClasses: 3, widths: [8, 16, 16], embeddingDim: 4, projectionHidden: 8 };
const samples = [0, 1, 2, 3].map((seed) => syntheticSample(48, 40, seed, seed % 2 === 0));

/** A score that depends on the weights only: the first kernel's sum. */
const kernelSum = (net: SegmentationNetwork) =>
  tf.tidy(() => tf.sum(net.model.trainableWeights[0].read()).dataSync()[0]);

describe("weight average", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("averages the weights with a warmed-up decay, and swaps them in and back", () => {
    const w = tf.variable(tf.tensor1d([0, 0]));
    const avg = new WeightAverage([w], 0.5);
    w.assign(tf.tensor1d([10, 20]));
    avg.update(0); // d = min(0.5, 1/10) = 0.1: 0.1 * 0 + 0.9 * w
    avg.swap();
    expect(Array.from(w.dataSync())).toEqual([9, 18]);
    avg.swap();
    expect(Array.from(w.dataSync())).toEqual([10, 20]);
    avg.update(100); // d = 0.5
    expect(avg.withAverage(() => Array.from(w.dataSync()))).toEqual([9.5, 19]);
    expect(Array.from(w.dataSync())).toEqual([10, 20]);
    expect(() => new WeightAverage([w], 1)).toThrow(/decay must be in \[0, 1\)/);
    avg.dispose();
    w.dispose();
  });

  it("training with it on exports the average, leaks nothing, and a check keeps the better weights", async () => {
    const run = async (ema: boolean, validate: boolean) => {
      const net = seededNetwork(config);
      const checks: number[] = [];
      const result = await train(net, datasetFromArray(samples), {
        steps: 12,
        batchSize: 2,
        inputSize: 32,
        learningRate: 1e-2,
        method: { ema: { enabled: ema, decay: 0.9 } },
        validation: validate
          ? {
              every: 100,
              run: (n) => {
                checks.push(kernelSum(n));
                return { score: kernelSum(n), metrics: {} };
              },
            }
          : undefined,
      });
      const final = kernelSum(net);
      const best = result.best ? networkFromWeights(result.best.weights) : undefined;
      const out = { final, checks, bestScore: result.best?.score, bestSum: best && kernelSum(best) };
      best?.dispose();
      net.dispose();
      return out;
    };
    const tensors = tf.memory().numTensors;
    const live = await run(false, false);
    const averaged = await run(true, false);
    // Same seed and steps: the run with the average ends on different weights (the average).
    expect(Math.abs(averaged.final - live.final)).toBeGreaterThan(1e-4);
    expect(tf.memory().numTensors).toBe(tensors);
    // With a held-out check, both are scored; the better one is kept as best, with its weights.
    const checked = await run(true, true);
    expect(checked.checks).toHaveLength(2);
    expect(checked.checks[0]).toBeCloseTo(live.final, 4); // the live weights, as without the average
    expect(checked.checks[1]).toBeCloseTo(averaged.final, 4);
    expect(checked.bestScore).toBeCloseTo(Math.max(...checked.checks), 4);
    expect(checked.bestSum).toBeCloseTo(checked.bestScore!, 4);
    expect(checked.final).toBeCloseTo(live.final, 4); // the network itself keeps its live weights
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("serializes the swapped-in average like any weights", () => {
    const net = seededNetwork(config);
    const variables = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const avg = new WeightAverage(variables, 0.99);
    const bytes = avg.withAverage(() => serializeWeights(net));
    const copy = networkFromWeights(bytes);
    expect(kernelSum(copy)).toBeCloseTo(kernelSum(net), 5); // nothing folded in yet: equal
    copy.dispose();
    avg.dispose();
    net.dispose();
  });
});
