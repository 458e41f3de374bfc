/**
 * Data-parallel training: a helper thread computes half of every batch. It must learn, train the
 * very model that computing the same slices one after the other in this thread trains (so the
 * thread plumbing changes nothing), leak no tensors, and fail with the helper's reason.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { seededNetwork } from "../testing/seeded.ts";
import { syntheticSample } from "../testing/synthetic.ts";
import { predict } from "../prediction/predict.ts";
import { datasetFromArray, train, type TrainProgress } from "./train.ts";
import { serializeWeights } from "../model/weights.ts";
import { buildLossTerms, resolveMethod, type PartialMethod } from "../method/method.ts";
import {
  DEFAULT_NETWORK_CONFIG,
  SegmentationNetwork,
  type EmbeddingGrid,
  type NetworkConfig,
} from "../model/network.ts";
import {
  cutBatch,
  emptyReplicaTiming,
  replicaCount,
  sliceSizes,
  sliceTensors,
  stepGradients,
  type BatchSlice,
  type GradientHelpers,
  type SliceGradients,
} from "./data-parallel.ts";
import { startGradientHelpers } from "./gradient-helpers.ts";
import { computeSlice, PreparedSlices } from "./replica-step.ts";

const config = { numClasses: 3, widths: [8, 16, 16], embeddingDim: 4, projectionHidden: 8 };
const samples = [0, 1, 2, 3, 4, 5].map((seed) => syntheticSample(48, 40, seed, seed % 2 === 0));
const method = { propagation: { enabled: false } };
const network: NetworkConfig = { ...DEFAULT_NETWORK_CONFIG, ...config };

/** The helpers' work done here, one slice after the other, on a second copy of the network. */
function sameThreadHelpers(
  net: SegmentationNetwork,
  count: number,
  partial: PartialMethod = method,
): GradientHelpers {
  const copy = new SegmentationNetwork(net.config, { seed: 1 });
  const variables = copy.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const stats = copy.model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const resolved = resolveMethod(partial);
  const terms = buildLossTerms(resolved);
  const semi = resolved.semiSupervised.enabled ? resolved.semiSupervised : undefined;
  const prepared = Array.from({ length: count }, () => new PreparedSlices());
  return {
    count,
    compute: async (weights, moving, slices, step, totalSteps) =>
      slices.map((slice, i) =>
        computeSlice(
          copy,
          variables,
          stats,
          terms,
          semi,
          { weights, stats: moving, slice, step, totalSteps },
          prepared[i],
        ),
      ),
    renderAhead: (id, pixels) => pixels.forEach((p, i) => prepared[i].render(id, p)),
    dispose: async () => {
      prepared.forEach((p) => p.drop());
      copy.dispose();
    },
  };
}

describe("data-parallel training", () => {
  let helpers: GradientHelpers;
  beforeAll(async () => {
    await initBackend("wasm");
    helpers = await startGradientHelpers(1, { backend: "wasm", network, method });
  });
  afterAll(async () => {
    await helpers?.dispose();
  });

  it("gives every replica at least four images of a batch, and cuts batches as evenly as it can", () => {
    expect(replicaCount(2, 8)).toBe(2);
    expect(replicaCount(4, 8)).toBe(2);
    expect(replicaCount(2, 4)).toBe(1);
    expect(replicaCount(4, 16)).toBe(4);
    expect(replicaCount(1, 16)).toBe(1);
    expect(sliceSizes(8, 2)).toEqual([4, 4]);
    expect(sliceSizes(8, 3)).toEqual([3, 3, 2]);
    expect(sliceSizes(4, 4)).toEqual([1, 1, 1, 1]);
    expect(() => sliceSizes(2, 3)).toThrow(/batch of 2 into 3/);
  });

  it("learns on two threads, trains the same model as one thread doing both slices, and leaks no tensors", async () => {
    const options = { steps: 30, batchSize: 8, inputSize: 32, learningRate: 1e-2, method, seed: 3 };
    const net = seededNetwork(config);
    const before = tf.memory().numTensors;
    const events: TrainProgress[] = [];
    const tensorsAtProgress: number[] = [];
    await train(net, datasetFromArray(samples), {
      ...options,
      helpers,
      onProgress: (p) => {
        events.push(p);
        tensorsAtProgress.push(tf.memory().numTensors);
      },
    });
    expect(new Set(tensorsAtProgress.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    const early = events.slice(0, 5).reduce((s, e) => s + e.losses.ce, 0) / 5;
    const late = events.slice(-5).reduce((s, e) => s + e.losses.ce, 0) / 5;
    expect(late).toBeLessThan(early * 0.5);
    const p = predict(net, samples[0]);
    let correct = 0;
    for (let i = 0; i < p.classMap.length; i++) if (p.classMap[i] === samples[0].gt[i]) correct++;
    expect(correct / p.classMap.length).toBeGreaterThan(0.8);

    const reference = seededNetwork(config);
    const local = sameThreadHelpers(reference, 1);
    const compute = local.compute.bind(local);
    const ahead: boolean[] = []; // per step: had the helper rendered its slice ahead?
    local.compute = async (...args) => {
      ahead.push("prepared" in args[2][0].pixels);
      return compute(...args);
    };
    await train(reference, datasetFromArray(samples), { ...options, helpers: local });
    await local.dispose();
    expect(ahead).toEqual([false, ...new Array(29).fill(true)]);
    expect(Buffer.from(serializeWeights(net)).equals(Buffer.from(serializeWeights(reference)))).toBe(true);
    net.dispose();
    reference.dispose();
  });

  it("times each step's phases on the training thread and the helper's own time on its slice", async () => {
    const net = seededNetwork(config);
    const timing = emptyReplicaTiming();
    await train(net, datasetFromArray(samples), {
      steps: 3,
      batchSize: 8,
      inputSize: 32,
      method,
      helpers,
      timing,
    });
    net.dispose();
    expect(timing.steps).toBe(3);
    const phases = [
      timing.send,
      timing.ownSlice,
      timing.nextCrops,
      timing.wait,
      timing.average,
      timing.optimizer,
    ];
    expect(phases.every((ms) => ms >= 0)).toBe(true);
    expect(timing.ownSlice).toBeGreaterThan(0);
    expect(timing.helperSlice).toBeGreaterThan(0);
    expect(phases.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(timing.total + 1e-6);
  });

  it("renders a slice ahead and hands it to its step; says why when it cannot", () => {
    const slices = new PreparedSlices();
    const sample = samples[0];
    const crop = {
      part: sample,
      plan: { box: [0, 0, 1, 1] as [number, number, number, number], contrast: 1, brightness: 0 },
    };
    const before = tf.memory().numTensors;
    slices.render(1, { crops: [crop], size: 32 });
    const batch = slices.take({ pixels: { prepared: 1 }, consistency: 0.5 });
    expect(batch.images.shape).toEqual([1, 32, 32, 3]);
    expect(batch.consistency).toBe(0.5);
    tf.dispose([batch.images, batch.labels]);
    expect(() => slices.take({ pixels: { prepared: 1 } })).toThrow("slice 1 was not rendered ahead");
    slices.render(2, { crops: [crop], size: 32 });
    expect(() => slices.take({ pixels: { prepared: 3 } })).toThrow("slice 3 was not rendered ahead");
    const bad = { ...crop, part: { ...sample, labels: new Uint8Array(3) } };
    slices.render(4, { crops: [bad], size: 32 });
    expect(() => slices.take({ pixels: { prepared: 4 } })).toThrow(/^rendering slice 4 failed: .*has 3/);
    slices.render(5, { crops: [crop], size: 32 });
    slices.drop();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("cuts a batch into slices that carry every field across to a helper and back", () => {
    const batch = {
      images: tf.randomUniform([3, 2, 2, 3], 0, 255, "float32", 1) as tf.Tensor4D,
      labels: tf.tensor3d([...Array(12).keys()], [3, 2, 2], "int32"),
      pseudoLabels: tf.tensor3d(
        [...Array(12).keys()].map((i) => 20 + i),
        [3, 2, 2],
        "int32",
      ),
      teacherEntropy: tf.tensor3d(
        [...Array(12).keys()].map((i) => i / 12),
        [3, 2, 2],
        "float32",
      ),
      consistency: 0.5,
    };
    const cut = cutBatch(batch, [2, 1]);
    expect(cut.first.images.shape).toEqual([2, 2, 2, 3]);
    const [slice] = cut.rest;
    // the slice crosses threads as plain arrays (structured clone), then becomes tensors again
    const back = sliceTensors(structuredClone(slice));
    const fields = ["images", "labels", "pseudoLabels", "teacherEntropy"] as const;
    for (const f of fields) {
      expect(Array.from(cut.first[f]!.dataSync())).toEqual(
        Array.from(batch[f].dataSync()).slice(0, (batch[f].size * 2) / 3),
      );
      expect(Array.from(back[f]!.dataSync())).toEqual(
        Array.from(batch[f].dataSync()).slice((batch[f].size * 2) / 3),
      );
    }
    expect(back.consistency).toBe(0.5);
    tf.dispose([batch.images, batch.labels, batch.pseudoLabels, batch.teacherEntropy]);
    for (const f of fields) tf.dispose([cut.first[f]!, back[f]!]);
  });

  /**
   * Trains with `partial` twice: with a helper thread, then with the same-thread helpers, whose
   * every step `watch` sees (the slices sent, the gradients back). Checks that the threaded run
   * leaks no tensors and both end with the same weights; returns the threaded run's progress.
   */
  async function bothWays(
    partial: PartialMethod,
    seed: number,
    steps: number,
    watch: (slices: BatchSlice[], out: SliceGradients[]) => void,
  ): Promise<TrainProgress[]> {
    const options = { steps, batchSize: 8, inputSize: 32, learningRate: 1e-2, method: partial, seed };
    const threads = await startGradientHelpers(1, { backend: "wasm", network, method: partial });
    const net = seededNetwork(config);
    const before = tf.memory().numTensors;
    const events: TrainProgress[] = [];
    try {
      await train(net, datasetFromArray(samples), {
        ...options,
        helpers: threads,
        onProgress: (p) => events.push(p),
      });
    } finally {
      await threads.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const reference = seededNetwork(config);
    const local = sameThreadHelpers(reference, 1, partial);
    const compute = local.compute.bind(local);
    local.compute = async (...args) => {
      const out = await compute(...args);
      watch(args[2], out);
      return out;
    };
    await train(reference, datasetFromArray(samples), { ...options, helpers: local });
    await local.dispose();
    expect(Buffer.from(serializeWeights(net)).equals(Buffer.from(serializeWeights(reference)))).toBe(true);
    net.dispose();
    reference.dispose();
    return events;
  }

  it("with semi-supervision, each replica makes its own slice's views: the same model as one thread", async () => {
    const made: boolean[] = []; // per step: did the helper's slice carry the teacher's part, and did it use it?
    const events = await bothWays(
      { ...method, semiSupervised: { enabled: true, start: "step0" } },
      5,
      8,
      (slices, out) =>
        made.push(slices[0].teacher !== undefined && Number.isFinite(out[0].teacherStats?.meanConfidence)),
    );
    expect(made).toEqual(new Array(8).fill(true));
    const fixmatch = events.map((p) => p.losses.fixmatch).filter((v) => v !== undefined); // not at step 0 (ramp 0)
    expect(fixmatch.length).toBeGreaterThan(4);
    expect(fixmatch.every((v) => Number.isFinite(v))).toBe(true);
    expect(fixmatch.some((v) => v > 0)).toBe(true);
  });

  it("in strong mode, the training thread makes the whole batch's views and sends the slices rendered", async () => {
    const strong: PartialMethod = {
      ...method,
      semiSupervised: { enabled: true, start: "step0", views: "strong", teacher: "student" },
    };
    const rendered: boolean[] = []; // per step: did the helper's slice arrive with its pseudo-labels?
    await bothWays(strong, 9, 6, (slices) => {
      const pixels = slices[0].pixels;
      rendered.push("images" in pixels && pixels.pseudoLabels !== undefined);
    });
    expect(rendered).toEqual(new Array(6).fill(true));
  });

  it("says why when a helper cannot start, and refuses more replicas than images in a batch", async () => {
    await expect(
      startGradientHelpers(1, { backend: "wasm", network: { ...network, widths: [8] }, method }),
    ).rejects.toThrow("gradient helper failed: widths must list at least 2 positive integers, got [8]");
    const net = seededNetwork(config);
    await expect(
      train(net, datasetFromArray(samples), { steps: 1, batchSize: 1, inputSize: 32, method, helpers }),
    ).rejects.toThrow(/a batch of 1 cannot feed 2 replicas/);
    net.dispose();
  });

  it("skips the projection head while no term reads embeddings, with the same gradients", () => {
    const net = new SegmentationNetwork(network, { seed: 3 });
    const variables = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const ce = buildLossTerms(resolveMethod(method));
    const batch = sliceTensors({
      pixels: {
        images: new Float32Array(2 * 32 * 32 * 3).map((_, i) => (i * 37) % 255),
        labels: new Int32Array(2 * 32 * 32).map((_, i) => (i % 7 === 0 ? i % 3 : 255)),
        shape: [2, 32, 32, 3],
      },
    });
    // the same CE with a term that reads embeddings at weight 0 vs weight > 0 (full forward)
    const readsEmbeddings = (weight: number) => ({
      name: "probe",
      usesEmbeddings: true,
      weight: () => weight,
      compute: (ctx: { outputs: { grid?: EmbeddingGrid } }) => {
        if (!ctx.outputs.grid) throw new Error("no embeddings");
        return tf.mul(tf.sum(ctx.outputs.grid.rows([0, 1, 2])), 0) as tf.Scalar;
      },
    });
    let fullForwards = 0;
    const forward = net.forwardEmbeddingGrid.bind(net);
    net.forwardEmbeddingGrid = (x, training) => (fullForwards++, forward(x, training));
    const skipped = stepGradients(net, variables, [...ce, readsEmbeddings(0)], batch, 0, 10);
    expect(fullForwards).toBe(0);
    const full = stepGradients(net, variables, [...ce, readsEmbeddings(1)], batch, 0, 10);
    expect(fullForwards).toBe(1);
    expect(skipped.losses.ce).toBeCloseTo(full.losses.ce, 6);
    variables.forEach((v, i) => {
      const a = skipped.grads[i].dataSync();
      const b = full.grads[i].dataSync();
      let worst = 0;
      for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]));
      expect(worst, v.name).toBeLessThan(1e-5);
    });
    tf.dispose([skipped.grads, full.grads, batch]);
    net.dispose();
  });
});
