import { describe, expect, it } from "vitest";
import { initBackend } from "../ml/engine/backend.ts";
import { startTrainingWorker } from "./worker.ts";
import { networkFromWeights } from "../ml/model/weights.ts";
import { syntheticSample } from "../ml/testing/synthetic.ts";
import type { TrainProgress } from "../ml/training/train.ts";

describe("training worker", () => {
  it("trains off the main thread, reports progress and cancels cleanly", async () => {
    const progress: TrainProgress[] = [];
    const checkpoints: number[] = [];
    const handle = startTrainingWorker(
      {
        backend: "wasm",
        network: { numClasses: 3, widths: [8, 16], embeddingDim: 4, projectionHidden: 4 },
        samples: [0, 1, 2].map((seed) => syntheticSample(40, 32, seed, true)),
        options: { steps: 10_000, batchSize: 2, inputSize: 32 },
      },
      {
        onProgress: (p) => {
          progress.push(p);
          if (p.step === 2) handle.cancel();
        },
        onCheckpoint: (c) => checkpoints.push(c.step),
      },
    );
    const outcome = await handle.outcome;
    expect(outcome.backend?.name).toBe("wasm");
    expect(outcome.result.cancelled).toBe(true);
    expect(outcome.result.stepsDone).toBeGreaterThanOrEqual(2);
    expect(outcome.result.stepsDone).toBeLessThan(10);
    expect(progress[0]).toMatchObject({ step: 1, totalSteps: 10_000 });
    expect(checkpoints).toEqual([outcome.result.stepsDone]);
    await initBackend("wasm");
    const net = networkFromWeights(outcome.weights);
    expect(net.config.numClasses).toBe(3);
    net.dispose();
  });

  it("trains the same model from the same data and seed, a different one from another seed", async () => {
    const job = (seed: number) => ({
      backend: "wasm" as const,
      network: { numClasses: 3, widths: [8, 16], embeddingDim: 4, projectionHidden: 4 },
      samples: [0, 1, 2].map((s) => syntheticSample(40, 32, s, true)),
      options: { steps: 6, batchSize: 2, inputSize: 32, seed },
    });
    const weights = async (seed: number) =>
      Buffer.from((await startTrainingWorker(job(seed)).outcome).weights);
    const [a, b, c] = [await weights(5), await weights(5), await weights(6)];
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it("reports errors from the worker", async () => {
    const handle = startTrainingWorker({
      backend: "cpu",
      network: { numClasses: 3, widths: [8, 16], embeddingDim: 4, projectionHidden: 4 },
      samples: [],
      options: { steps: 1, inputSize: 32 },
    });
    await expect(handle.outcome).rejects.toThrow(/no training sample has a labeled pixel/);
  });
});
