import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../engine/backend.ts";
import { seededNetwork } from "../testing/seeded.ts";
import { syntheticSample } from "../testing/synthetic.ts";
import { datasetFromArray, train } from "../training/train.ts";
import { superpixelVotes } from "./self-training.ts";

const U = 255;

describe("self-training rounds", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("labels the unlabeled pixels of confident, pure superpixels and never overwrites a label", () => {
    // 3 superpixels of 4 pixels each.
    const superpixels = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    const classMap = Uint8Array.from([1, 1, 1, 1, /* mixed */ 0, 1, 0, 1, /* unsure */ 2, 2, 2, 2]);
    const confidence = Float32Array.from([
      0.95, 0.97, 0.99, 0.93, 0.99, 0.99, 0.99, 0.99, 0.5, 0.6, 0.5, 0.6,
    ]);
    const labels = Uint8Array.from([0, U, U, U, U, U, U, U, U, U, U, U]);
    const out = superpixelVotes(classMap, confidence, superpixels, 3, labels, 3, 0.9, 0.9);
    // the human label stays; superpixel 0 takes class 1; the mixed and the unsure stay unlabeled
    expect(Array.from(out)).toEqual([0, 1, 1, 1, U, U, U, U, U, U, U, U]);
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
        selfTraining: { enabled: true, at: [0.5], tau: 0.6, purity: 0.8, regionSize: 6 },
      },
      onSelfTraining: (r) => rounds.push(r),
    });
    expect(rounds).toHaveLength(1);
    expect(rounds[0]).toMatchObject({ step: 20, images: 4 });
    expect(rounds[0].added).toBeGreaterThan(0);
    net.dispose();
  });
});
