import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { importIndexMasks } from "../exchange/mask-files.ts";
import { encodeIndexPng, encodeRgbPng } from "../exchange/index-png.ts";
import { tmpDir } from "../testing/tmp.ts";
import { syntheticSample } from "../ml/testing/synthetic.ts";
import { syntheticValProject } from "../ml/testing/synthetic-project.ts";
import { FINE_TUNE_LEARNING_RATE, trainProject } from "./project-training.ts";
import { readWeightsConfig } from "../ml/model/weights.ts";
import { loadModel } from "./project-prediction.ts";
import { predict } from "../ml/prediction/predict.ts";
import { initBackend } from "../ml/engine/backend.ts";
import { withRawDb } from "../testing/raw-db.ts";

/** A project in `dir` with `count` synthetic W x H train images, each fully labeled; its file. */
async function labeledProject(
  dir: string,
  W: number,
  H: number,
  count: number,
  classes: string[],
): Promise<string> {
  for (const sub of ["images", "labels"]) fs.mkdirSync(path.join(dir, sub));
  for (let seed = 0; seed < count; seed++) {
    const s = syntheticSample(W, H, seed, true);
    fs.writeFileSync(path.join(dir, "images", `s${seed}.png`), encodeRgbPng(s.pixels, W, H, 3));
    fs.writeFileSync(path.join(dir, "labels", `s${seed}.png`), encodeIndexPng(s.labels as Uint8Array, W, H));
  }
  const file = path.join(dir, "p.pxl");
  const store = ProjectStore.create(file, {
    name: "synthetic",
    classes: classes.map((name, idx) => ({ idx, name, color: "#000000" })),
  });
  await importImages(store, [path.join(dir, "images")], { split: "train" });
  importIndexMasks(store, path.join(dir, "labels"));
  store.close();
  return file;
}

describe("working resolution", () => {
  let t: ReturnType<typeof tmpDir>;
  beforeEach(() => {
    t = tmpDir();
  });
  afterEach(() => t.cleanup());

  it("a model trained at half resolution stores its scale, predicts at full size, and fine-tuning keeps it; unlabeled classes are named", async () => {
    const W = 96;
    const H = 64;
    const file = await labeledProject(t.dir, W, H, 3, ["a", "b", "c", "unused"]);

    const common = { epochs: 1, batchSize: 2, backend: "wasm" as const, network: { widths: [4, 8] } };
    let inputSize = 0;
    let unlabeledClasses: string[] = [];
    const first = await trainProject(
      file,
      { ...common, scale: 0.5 },
      { onData: (d) => ({ inputSize, unlabeledClasses } = d) },
    ).outcome;
    // Crops are capped by the working size (64 * 0.5 = 32), not the image size.
    expect(inputSize).toBe(32);
    // A class nobody labeled is named before training (the CLI and the app warn).
    expect(unlabeledClasses).toEqual(["unused"]);
    // An exact step count (reproducible rounds) overrides epochs.
    const rates: number[] = [];
    const second = await trainProject(
      file,
      { ...common, steps: 3, fineTuneFrom: "latest" },
      { onProgress: (p) => rates.push(p.learningRate) },
    ).outcome;
    expect(second.stepsDone).toBe(3);
    // Fine-tuning continues at the lower rate the loop benchmark's rounds used, not from-scratch's 1e-3.
    expect(Math.max(...rates)).toBeLessThanOrEqual(FINE_TUNE_LEARNING_RATE);
    expect(Math.max(...rates)).toBeGreaterThan(FINE_TUNE_LEARNING_RATE / 2);

    await initBackend("wasm"); // training ran in a worker; predict here
    const s = ProjectStore.open(file, { readonly: true });
    for (const id of [first.modelId, second.modelId]) {
      const row = withRawDb(s, (db) => db.prepare("SELECT weights FROM models WHERE id = ?").get(id)) as {
        weights: Buffer;
      };
      expect(readWeightsConfig(new Uint8Array(row.weights)).inputScale).toBe(0.5);
    }
    const model = loadModel(s, second.modelId ?? undefined);
    s.close();
    const px = syntheticSample(W, H, 7, false).pixels;
    const p = predict(model.net, { pixels: px, width: W, height: H, channels: 3 });
    expect(p.classMap.length).toBe(W * H);
    model.net.dispose();
  });

  it("a self-training round in the worker is reported, and kept in the run's log", async () => {
    const file = await labeledProject(t.dir, 64, 48, 2, ["a", "b", "c"]);
    const rounds: { step: number; images: number; added: number }[] = [];
    const off = { enabled: false };
    const outcome = await trainProject(
      file,
      {
        steps: 6,
        batchSize: 2,
        size: 32,
        backend: "wasm",
        network: { widths: [4, 8] },
        // every pure superpixel (portion 1, no floor): the round must label something
        method: {
          propagation: off,
          forestLabels: off,
          selfTraining: { enabled: true, at: [0.5], portion: 1, tau: 0, purity: 0.5 },
        },
      },
      { onSelfTraining: (r) => rounds.push(r) },
    ).outcome;
    expect(rounds).toEqual([{ step: 3, images: 2, added: expect.any(Number) }]);
    expect(rounds[0].added).toBeGreaterThan(0);
    const log = withRawDb(file, (db) =>
      JSON.parse(
        (db.prepare("SELECT log FROM training_runs WHERE id = ?").get(outcome.runId) as { log: string }).log,
      ),
    ) as Array<{ step?: number; selfTraining?: unknown }>;
    expect(log.filter((e) => e.selfTraining)).toEqual([
      expect.objectContaining({ step: 3, selfTraining: { images: 2, added: rounds[0].added } }),
    ]);
  });

  it("fine-tuning that only makes the model worse on val keeps the model it continued from, and says so", async () => {
    const W = 64;
    const H = 48;
    const file = await syntheticValProject(t.dir, W, H, "kept");

    const common = { batchSize: 2, backend: "wasm" as const, network: { widths: [4, 8] }, seed: 3 };
    const first = await trainProject(file, { ...common, steps: 30 }).outcome;
    expect(first.validation).toBeDefined();
    // A learning rate far too high wrecks the weights at the first step.
    const checks: number[] = [];
    const second = await trainProject(
      file,
      { ...common, steps: 4, learningRate: 1e4, fineTuneFrom: "latest" },
      { onValidation: (v) => checks.push(v.step) },
    ).outcome;
    expect(checks[0]).toBe(0); // the parent is checked before the first step
    expect(second.keptParent).toEqual({ modelId: first.modelId, score: first.validation?.score });
    expect(second.validation?.score).toBe(first.validation?.score);
    const s = ProjectStore.open(file, { readonly: true });
    const weights = (id: number | null) =>
      (
        withRawDb(s, (db) => db.prepare("SELECT weights FROM models WHERE id = ?").get(id)) as {
          weights: Buffer;
        }
      ).weights;
    expect(second.modelId).not.toBe(first.modelId);
    expect(Buffer.compare(weights(second.modelId), weights(first.modelId))).toBe(0);
    s.close();
  });

  it("labeled train images held out are checked, not trained on (background training without val labels)", async () => {
    const file = await syntheticValProject(t.dir, 48, 32, "held");
    const store = ProjectStore.open(file);
    const val = store.listImages({ split: "val", limit: 10 }).map((r) => r.id);
    store.setSplits(val, "train"); // no val split: only the held-out image can be checked
    const ids = store.listImages({ split: "train", limit: 10 }).map((r) => r.id);
    store.close();
    const common = { steps: 2, batchSize: 2, backend: "wasm" as const, network: { widths: [4, 8] } };
    const plain = await trainProject(file, common).outcome;
    expect(plain.validation).toBeUndefined();
    let summary = { labeledImages: 0, valImages: 0 };
    const held = await trainProject(file, { ...common, holdOut: [ids[0]] }, { onData: (d) => (summary = d) })
      .outcome;
    expect(summary).toMatchObject({ labeledImages: ids.length - 1, valImages: 1 });
    expect(held.validation).toBeDefined();
    const s = ProjectStore.open(file, { readonly: true });
    const snapshot = JSON.parse(s.models.get(held.modelId)!.label_snapshot) as {
      images: { id: number; split: string }[];
    };
    s.close();
    expect(snapshot.images.find((im) => im.id === ids[0])?.split).toBe("held-out");
    expect(snapshot.images.filter((im) => im.split === "train")).toHaveLength(ids.length - 1);
  });
});
