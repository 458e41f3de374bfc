import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../engine/backend.ts";
import { seededNetwork } from "../testing/seeded.ts";
import { syntheticSample } from "../testing/synthetic.ts";
import { datasetFromArray, train } from "../training/train.ts";
import { classThresholds, superpixelCandidates, superpixelLabels } from "./self-training.ts";

const U = 255;

describe("self-training rounds", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("labels the unlabeled pixels of pure superpixels that reach their class's bar, never a labeled one", () => {
    // 3 superpixels of 4 pixels each.
    const superpixels = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    const classMap = Uint8Array.from([1, 1, 1, 1, /* mixed */ 0, 1, 0, 1, /* unsure */ 2, 2, 2, 2]);
    const confidence = Float32Array.from([
      0.95, 0.97, 0.99, 0.93, 0.99, 0.99, 0.99, 0.99, 0.5, 0.6, 0.5, 0.6,
    ]);
    const candidates = superpixelCandidates(classMap, confidence, superpixels, 3, 3, 0.9);
    expect(Array.from(candidates.classes)).toEqual([1, U, 2]);
    expect(candidates.confidence[0]).toBeCloseTo(0.96, 5);
    expect(candidates.confidence[2]).toBeCloseTo(0.55, 5);
    const labels = Uint8Array.from([0, U, U, U, U, U, U, U, U, U, U, U]);
    const bars = Float32Array.from([Infinity, 0.9, 0.6]);
    const out = superpixelLabels(labels, superpixels, candidates, bars, 3);
    // the human label stays; superpixel 0 takes class 1; the mixed one and the one below its bar stay unlabeled
    expect(Array.from(out)).toEqual([0, 1, 1, 1, U, U, U, U, U, U, U, U]);
  });

  it("keeps the most confident share of each class's superpixels over all images, above a floor", () => {
    const image = (classes: number[], confidence: number[]) => ({
      classes: Int32Array.from(classes),
      confidence: Float32Array.from(confidence),
    });
    const images = [image([0, 0, 1, U], [0.9, 0.6, 0.55, 0.99]), image([0, 0, 1, 3], [0.8, 0.7, 0.52, 0.4])];
    const bars = classThresholds(images, 4, 0.5, 0.5);
    // class 0: 0.9, 0.8 | 0.7, 0.6; class 1 (rare, unsure): its better half, 0.55, though far below
    // class 0's; class 2: no candidate; class 3: its best (0.4) is under the floor.
    expect(Array.from(bars)).toEqual([Math.fround(0.8), Math.fround(0.55), Infinity, 0.5]);
    expect(classThresholds(images, 4, 0, 0.5)[0]).toBe(Infinity);
  });

  it("runs a round at the fraction asked for during training, adding labels", async () => {
    const config = { numClasses: 3, widths: [8, 16, 16], embeddingDim: 4, projectionHidden: 8 };
    const samples = [0, 1, 2, 3].map((seed) => syntheticSample(48, 40, seed, true));
    const net = seededNetwork(config);
    const rounds: { step: number; images: number; added: number }[] = [];
    await train(net, datasetFromArray(samples), {
      steps: 40,
      batchSize: 4,
      inputSize: 32,
      learningRate: 1e-2,
      method: {
        propagation: { enabled: false },
        forestLabels: { enabled: false },
        selfTraining: { enabled: true, at: [0.5], portion: 0.5, tau: 0.5, purity: 0.8, regionSize: 6 },
      },
      onSelfTraining: (r) => rounds.push(r),
    });
    expect(rounds).toHaveLength(1);
    expect(rounds[0]).toMatchObject({ step: 20, images: 4 });
    expect(rounds[0].added).toBeGreaterThan(0);
    net.dispose();
  });
});
