import { beforeAll, describe, expect, it } from "vitest";
import { tf, tfl } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { createNetwork, FULL_WIDTH } from "./network.ts";
import { loadWeights, networkFromWeights, serializeWeights } from "./weights.ts";

const config = { numClasses: 5, widths: [8, 16, 16], embeddingDim: 8, projectionHidden: 8 };

describe("segmentation network", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("outputs full-resolution logits and unit-norm embeddings at stride 2", () => {
    const net = createNetwork(config);
    tf.tidy(() => {
      const { logits, embeddings } = net.forward(
        tf.randomUniform([2, 32, 48, 3], 0, 255) as tf.Tensor4D,
        false,
      );
      expect(logits.shape).toEqual([2, 32, 48, 5]);
      expect(embeddings.shape).toEqual([2, 16, 24, 8]);
      // Unit length, except where the ReLU'd projection is exactly zero (then the vector is 0).
      const norms = Array.from(tf.norm(embeddings, "euclidean", -1).dataSync());
      expect(norms.every((n) => Math.abs(n - 1) < 1e-4 || n === 0)).toBe(true);
      expect(norms.filter((n) => n > 0).length).toBeGreaterThan(norms.length / 2);
    });
    expect(net.inputMultiple).toBe(8);
    net.dispose();
  });

  it("counts forward FLOPs from its convolutions", () => {
    const net = createNetwork({ numClasses: 2, widths: [4, 8], embeddingDim: 2, projectionHidden: 3 });
    const h = 16;
    const at = (stride: number, k: number, ci: number, co: number) => 2 * (h / stride) ** 2 * k * k * ci * co;
    const expected =
      at(2, 3, 3, 4) +
      at(2, 3, 4, 4) +
      at(4, 3, 4, 8) +
      at(4, 3, 8, 8) +
      at(4, 3, 8, 8) + // encoder + bottleneck
      at(4, 1, 8, 4) +
      at(2, 3, 4, 4) + // decoder
      at(2, 1, 4, 2) +
      at(2, 1, 4, 3) +
      at(2, 1, 3, 2); // logits head, projection head
    expect(net.forwardFlops(h, h)).toBe(expected);
    expect(net.forwardFlops(2 * h, 2 * h)).toBe(4 * expected);
    net.dispose();
  });

  it("round-trips all weights (including batch-norm statistics) through bytes", () => {
    const a = createNetwork(config);
    // Move the BN moving averages away from their initial values.
    tf.tidy(() => {
      a.forward(tf.randomUniform([2, 16, 16, 3], 0, 255) as tf.Tensor4D, true);
    });
    const bytes = serializeWeights(a);
    const b = createNetwork(config);
    loadWeights(b, Buffer.from(bytes)); // a Node Buffer (as SQLite returns) works too
    const c = networkFromWeights(bytes.slice());
    expect(c.config).toEqual(a.config);
    const x = tf.randomUniform([1, 16, 24, 3], 0, 255) as tf.Tensor4D;
    const outs = [a, b, c].map((n) => tf.tidy(() => n.forward(x, false).logits.dataSync()));
    expect(Array.from(outs[1])).toEqual(Array.from(outs[0]));
    expect(Array.from(outs[2])).toEqual(Array.from(outs[0]));
    expect(() => loadWeights(createNetwork({ ...config, numClasses: 4 }), bytes)).toThrow(/shape mismatch/);
    expect(() => loadWeights(a, new Uint8Array(10))).toThrow(/bad magic/);
    x.dispose();
    [a, b, c].forEach((n) => n.dispose());
  });

  it("exports the logits part as a stock layers model without the projection head", async () => {
    const net = createNetwork(config);
    const exported = net.logitsModel();
    expect(exported.outputs).toHaveLength(1);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await exported.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const topology = JSON.stringify(artifacts?.modelTopology);
    expect(topology).not.toMatch(/proj_|Pixelloop/);
    const reloaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    tf.tidy(() => {
      const x = tf.randomUniform([1, 16, 16, 3], 0, 255);
      const a = (exported.predict(x) as tf.Tensor).dataSync();
      const b = (reloaded.predict(x) as tf.Tensor).dataSync();
      expect(Array.from(b)).toEqual(Array.from(a));
    });
    reloaded.dispose();
    net.dispose();
  });

  it("adds identity shortcuts as an option, with the same weights and FLOPs, and rebuilds them", () => {
    const plain = createNetwork(config, { seed: 3 });
    const net = createNetwork({ ...config, residual: true }, { seed: 3 });
    expect(net.parameterCount()).toBe(plain.parameterCount());
    expect(net.forwardFlops(64, 64)).toBe(plain.forwardFlops(64, 64));
    const x = tf.randomUniform([1, 32, 32, 3], 0, 255, "float32", 5) as tf.Tensor4D;
    const gap = tf.tidy(
      () => tf.max(tf.abs(tf.sub(net.forwardLogits(x, false), plain.forwardLogits(x, false)))).dataSync()[0],
    );
    expect(gap).toBeGreaterThan(0); // the shortcuts change what the same weights compute
    const copy = networkFromWeights(serializeWeights(net));
    expect(copy.config.residual).toBe(true);
    const same = tf.tidy(
      () => tf.max(tf.abs(tf.sub(net.forwardLogits(x, false), copy.forwardLogits(x, false)))).dataSync()[0],
    );
    expect(same).toBe(0);
    tf.dispose([x]);
    [plain, net, copy].forEach((n) => n.dispose());
  });

  it("gives the projection head two decoder levels as an option, the logits unchanged, and rebuilds it", () => {
    const plain = createNetwork(config, { seed: 3 });
    const net = createNetwork({ ...config, embeddingLevels: 2 }, { seed: 3 });
    // proj_hidden reads 8 + 16 channels instead of 8: 16 x 8 more weights, nothing else
    expect(net.parameterCount() - plain.parameterCount()).toBe(16 * 8);
    const x = tf.randomUniform([1, 32, 32, 3], 0, 255, "float32", 5) as tf.Tensor4D;
    const both = (n: typeof net) => n.forward(x, false);
    const [a, b] = [both(plain), both(net)];
    expect(b.embeddings.shape).toEqual(a.embeddings.shape);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a.logits, b.logits))).dataSync()[0])).toBe(0);
    const copy = networkFromWeights(serializeWeights(net));
    expect(copy.config.embeddingLevels).toBe(2);
    const c = both(copy);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(b.embeddings, c.embeddings))).dataSync()[0])).toBe(0);
    expect(() => createNetwork({ ...config, embeddingLevels: 3 as 2 })).toThrow(/embeddingLevels/);
    tf.dispose([x, a.logits, a.embeddings, b.logits, b.embeddings, c.logits, c.embeddings]);
    [plain, net, copy].forEach((n) => n.dispose());
  });

  it("computes the embeddings of asked-for grid cells alone, as the full head does, gradients too", () => {
    for (const embeddingLevels of [1, 2] as const) {
      const net = createNetwork({ ...config, embeddingLevels }, { seed: 5 });
      const variables = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
      const x = tf.randomUniform([2, 16, 24, 3], 0, 255, "float32", 9) as tf.Tensor4D;
      const cells = [0, 7, 95, 96, 150, 191]; // both images, first and last cells
      const weights = tf.randomNormal([cells.length, 8], 0, 1, "float32", 4);
      // A loss on some cells' embeddings, through the whole-grid head and through the grid's rows.
      const viaFull = tf.variableGrads(() => {
        const e = net.forward(x, true).embeddings;
        const pick = tf.oneHot(tf.tensor1d(cells, "int32"), 2 * 8 * 12); // tf.gather has no wasm gradient
        const rows = tf.matMul(tf.cast(pick, "float32"), tf.reshape(e, [2 * 8 * 12, 8]));
        return tf.sum(tf.mul(rows, weights)) as tf.Scalar;
      }, variables);
      const viaRows = tf.variableGrads(() => {
        const { grid } = net.forwardEmbeddingGrid(x, true);
        expect(grid.shape).toEqual([2, 8, 12]);
        return tf.sum(tf.mul(grid.rows(cells), weights)) as tf.Scalar;
      }, variables);
      expect(viaRows.value.dataSync()[0]).toBeCloseTo(viaFull.value.dataSync()[0], 4);
      let reached = 0;
      for (const v of variables) {
        const a = viaRows.grads[v.name]?.dataSync();
        const b = viaFull.grads[v.name]?.dataSync();
        expect(a?.length, v.name).toBe(b?.length);
        if (!a || !b) continue;
        for (let i = 0; i < a.length; i++) expect(a[i], v.name).toBeCloseTo(b[i], 3);
        if (v.name.includes("proj_")) reached++;
      }
      expect(reached).toBe(4); // the head's two kernels and biases
      tf.dispose([x, weights, viaFull.value, viaRows.value, viaFull.grads, viaRows.grads]);
      net.dispose();
    }
  });

  it("builds the global-context branch and the full-resolution head as options, and exports them", async () => {
    const plain = createNetwork(config);
    const net = createNetwork({ ...config, context: true, fullResolution: true });
    const x = tf.randomUniform([2, 32, 48, 3], 0, 255) as tf.Tensor4D;
    tf.tidy(() => {
      const { logits, embeddings } = net.forward(x, true);
      expect(logits.shape).toEqual([2, 32, 48, 5]);
      expect(embeddings.shape).toEqual([2, 16, 24, 8]);
      // training without the projection head gives the same logits
      const only = net.forwardLogits(x, false);
      const both = net.forward(x, false).logits;
      expect(Array.from(only.dataSync())).toEqual(Array.from(both.dataSync()));
    });
    // the full-resolution head and its stem cost convolutions at the input resolution
    const h = 32;
    const full = (k: number, ci: number, co: number) => 2 * h * h * k * k * ci * co;
    const half = (k: number, ci: number, co: number) => 2 * (h / 2) ** 2 * k * k * ci * co;
    expect(net.forwardFlops(h, h) - plain.forwardFlops(h, h)).toBe(
      full(3, 3, FULL_WIDTH) +
        half(1, 8, FULL_WIDTH) +
        full(3, FULL_WIDTH, FULL_WIDTH) +
        full(1, FULL_WIDTH, 5) -
        half(1, 8, 5),
    );
    // the context branch makes the logits depend on the whole image: change a far corner of a
    // 160x160 image, beyond the plain network's receptive field
    const probe = (n: typeof net) =>
      tf.tidy(() => {
        const a = tf.fill([1, 160, 160, 3], 100) as tf.Tensor4D;
        const corner = tf.pad(tf.fill([1, 8, 8, 3], 150), [
          [0, 0],
          [152, 0],
          [152, 0],
          [0, 0],
        ]);
        const b = tf.add(a, corner) as tf.Tensor4D;
        const at00 = (t: tf.Tensor4D) => tf.slice(n.forwardLogits(t, false), [0, 0, 0, 0], [1, 1, 1, -1]);
        return tf.max(tf.abs(tf.sub(at00(a), at00(b)))).dataSync()[0];
      });
    expect(probe(plain)).toBe(0);
    expect(probe(net)).toBeGreaterThan(0);
    // a stored model rebuilds with its options
    const copy = networkFromWeights(serializeWeights(net));
    expect(copy.config).toMatchObject({ context: true, fullResolution: true });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await net.logitsModel().save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const reloaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    tf.tidy(() => {
      const a = (net.logitsModel().predict(x) as tf.Tensor).dataSync();
      const b = (reloaded.predict(x) as tf.Tensor).dataSync();
      expect(Array.from(b)).toEqual(Array.from(a));
    });
    expect(() => createNetwork({ ...config, context: "yes" as unknown as boolean })).toThrow(
      /context must be true or false/,
    );
    [plain, net, copy, reloaded].forEach((n) => n.dispose());
    x.dispose();
  });
});
