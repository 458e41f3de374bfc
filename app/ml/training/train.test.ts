import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { seededNetwork } from "../testing/seeded.ts";
import { predict } from "../prediction/predict.ts";
import { datasetFromArray, train, type TrainProgress } from "./train.ts";
import { networkFromWeights } from "../model/weights.ts";
import { syntheticSample } from "../testing/synthetic.ts";

const config = { numClasses: 3, widths: [8, 16, 16], embeddingDim: 4, projectionHidden: 8 };
const samples = [0, 1, 2, 3, 4, 5].map((seed) => syntheticSample(48, 40, seed, seed % 2 === 0));

describe("training loop", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("learns from scribbles, reports progress, checkpoints and leaks no tensors", async () => {
    const net = seededNetwork(config);
    const before = tf.memory().numTensors;
    const events: TrainProgress[] = [];
    const tensorsAtProgress: number[] = [];
    const checkpoints: number[] = [];
    let lastWeights: Uint8Array | undefined;
    const result = await train(net, datasetFromArray(samples), {
      steps: 60,
      batchSize: 4,
      inputSize: 32,
      learningRate: 1e-2,
      checkpointEvery: 25,
      onProgress: (p) => {
        events.push(p);
        tensorsAtProgress.push(tf.memory().numTensors);
      },
      onCheckpoint: (c) => {
        checkpoints.push(c.step);
        lastWeights = c.weights;
      },
    });
    expect(result).toMatchObject({ stepsDone: 60, cancelled: false });
    expect(events.map((e) => e.step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(events[59]).toMatchObject({ totalSteps: 60, etaSec: 0 });
    expect(events[59].epoch).toBe(Math.floor((59 * 4) / 6));
    expect(events.every((e) => e.imagesPerSec > 0 && Number.isFinite(e.losses.ce))).toBe(true);
    expect(checkpoints).toEqual([25, 50, 60]);
    // Tensor count is flat across steps and back to the start afterwards.
    expect(new Set(tensorsAtProgress.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    // It learned: loss fell and the trained net segments a training image well.
    const early = events.slice(0, 5).reduce((s, e) => s + e.losses.ce, 0) / 5;
    const late = events.slice(-5).reduce((s, e) => s + e.losses.ce, 0) / 5;
    expect(late).toBeLessThan(early * 0.5);
    const restored = networkFromWeights(lastWeights as Uint8Array);
    const p = predict(restored, samples[0]);
    let correct = 0;
    for (let i = 0; i < p.classMap.length; i++) if (p.classMap[i] === samples[0].gt[i]) correct++;
    expect(correct / p.classMap.length).toBeGreaterThan(0.8);
    restored.dispose();
    net.dispose();
  });

  it.each([
    ["alone", {}],
    ["with semi-supervision's teacher", { semiSupervised: { enabled: true, start: "step0" as const } }],
  ])(
    "trains with PiXL alignment on (%s): a finite pixl loss every step, no tensor leaked",
    async (_, more) => {
      const net = seededNetwork(config);
      const before = tf.memory().numTensors;
      const pixl: number[] = [];
      const tensorsAtProgress: number[] = [];
      await train(net, datasetFromArray(samples), {
        steps: 12,
        batchSize: 4,
        inputSize: 32,
        method: { pixl: { enabled: true, rampFraction: 0 }, ...more },
        onProgress: (p) => {
          pixl.push(p.losses.pixl);
          tensorsAtProgress.push(tf.memory().numTensors);
        },
      });
      expect(pixl).toHaveLength(12);
      expect(pixl.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      expect(pixl.some((v) => v > 0)).toBe(true);
      expect(new Set(tensorsAtProgress.slice(1)).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
      net.dispose();
    },
  );

  it("starts PiXL with a late-starting teacher, not before", async () => {
    const net = seededNetwork(config);
    const pixl: number[] = [];
    // Semi-supervision waits for the CE to level off, at the latest half-way: after step 8 of 16.
    await train(net, datasetFromArray(samples), {
      steps: 16,
      batchSize: 4,
      inputSize: 32,
      method: { pixl: { enabled: true }, semiSupervised: { enabled: true, start: "plateau" } },
      onProgress: (p) => pixl.push(p.losses.pixl),
    });
    expect(pixl).toHaveLength(16);
    // Nothing while the teacher has not started (and at its first step, where its ramp is 0) ...
    expect(pixl.slice(0, 9).every((v) => v === 0)).toBe(true);
    // ... then it aligns.
    expect(pixl.slice(9).some((v) => v > 0)).toBe(true);
    net.dispose();
  });

  it("stops at once when the signal aborts", async () => {
    const net = seededNetwork(config);
    const abort = new AbortController();
    const result = await train(net, datasetFromArray(samples), {
      steps: 1000,
      batchSize: 2,
      inputSize: 32,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.step === 3) abort.abort();
      },
    });
    expect(result).toMatchObject({ stepsDone: 3, cancelled: true });
    net.dispose();
  });

  it("refuses a dataset without labels", async () => {
    const net = seededNetwork(config);
    const unlabeled = samples.map(({ labels: _labels, ...rest }) => rest);
    await expect(train(net, datasetFromArray(unlabeled), { steps: 1, inputSize: 32 })).rejects.toThrow(
      /no training sample has a labeled pixel/,
    );
    net.dispose();
  });
});
