import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { ProjectStore } from "../store/project-store.ts";
import { exportModel, importModel, modelRow } from "./model.ts";
import { demoProject } from "../testing/demo-project.ts";
import { initBackend } from "../ml/engine/backend.ts";
import { createNetwork } from "../ml/model/network.ts";
import { networkFromWeights, serializeWeights } from "../ml/model/weights.ts";
import { predict } from "../ml/prediction/predict.ts";
import { decodePixels } from "../images/decode.ts";
import { withRawDb } from "../testing/raw-db.ts";

/** An untrained model of the project, exported to `dir` (the folder the refusal tests read). */
async function exportTinyModel(store: ProjectStore, dir: string): Promise<void> {
  await initBackend("wasm");
  const net = createNetwork({
    numClasses: 5,
    widths: [4, 8],
    embeddingDim: 4,
    projectionHidden: 4,
    inputScale: 0.5,
  });
  withRawDb(store, (db) =>
    db
      .prepare(
        "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics) VALUES ('tiny', '2026-11-22', '{}', 'wasm', ?, '{\"images\":4}', '{\"miou\":0.5}')",
      )
      .run(Buffer.from(serializeWeights(net))),
  );
  net.dispose();
  await exportModel(store, dir);
}

const { t, names, open } = demoProject();
let store: ProjectStore;

beforeAll(async () => {
  store = await open();
});
afterAll(() => {
  store.close();
  t.cleanup();
});

describe("models", () => {
  // Each test reads or replaces this folder; none needs another to have run first.
  beforeAll(() => exportTinyModel(store, path.join(t.dir, "model")));

  it("export -> import gives identical predictions; plain @tensorflow/tfjs runs the export", async () => {
    // Working resolution 0.5 (exportTinyModel): the example has to resize like predict() does.
    const out = path.join(t.dir, "model");
    await exportTinyModel(store, out);
    const meta = JSON.parse(fs.readFileSync(path.join(out, "metadata.json"), "utf8"));
    expect(meta.classes.map((c: { name: string }) => c.name)).toEqual([
      "sky",
      "grass",
      "road",
      "tree",
      "house",
    ]);
    expect(meta.metrics).toEqual({ miou: 0.5 });
    expect(meta.input.scale).toBe(0.5);
    const modelJson = JSON.parse(fs.readFileSync(path.join(out, "model.json"), "utf8"));
    expect(JSON.stringify(modelJson.modelTopology)).not.toContain("proj_");

    const { modelId } = await importModel(store, out);
    const original = networkFromWeights(new Uint8Array(modelRow(store, modelId - 1).weights));
    const imported = networkFromWeights(new Uint8Array(modelRow(store, modelId).weights));
    const px = await decodePixels(path.join(t.dir, "images", names[0]));
    const image = { pixels: px.data, width: px.width, height: px.height, channels: px.channels };
    const a = predict(original, image);
    const b = predict(imported, image);
    expect(Buffer.from(b.classMap).equals(Buffer.from(a.classMap))).toBe(true);
    original.dispose();
    imported.dispose();

    // The documented example: plain @tensorflow/tfjs, no Pixelloop code.
    const outPng = path.join(t.dir, "example.png");
    const ex = spawnSync(
      process.execPath,
      [
        path.resolve(import.meta.dirname, "../../examples/predict-with-tfjs.mjs"),
        out,
        path.join(t.dir, "images", names[0]),
        outPng,
      ],
      { encoding: "utf8" },
    );
    expect(ex.status, ex.stderr).toBe(0);
    const got = await sharp(outPng).extractChannel(0).raw().toBuffer();
    expect(got.length).toBe(a.classMap.length);
    // Different backend (plain JS cpu) and no tiling: near-ties of this untrained net may differ.
    let same = 0;
    for (let i = 0; i < got.length; i++) if (got[i] === a.classMap[i]) same++;
    console.log(
      `example agrees with pixelloop predict on ${((100 * same) / got.length).toFixed(2)}% of pixels`,
    );
    expect(same / got.length).toBeGreaterThan(0.999);
  });

  it("refuses a model whose classes differ from the project's", async () => {
    const other = ProjectStore.create(path.join(t.dir, "two.pxl"), {
      name: "two",
      classes: [
        { idx: 0, name: "fg", color: "#ffffff" },
        { idx: 1, name: "bg", color: "#000000" },
      ],
    });
    await expect(importModel(other, path.join(t.dir, "model"))).rejects.toThrow(
      /model's classes \(sky, grass, road, tree, house\) do not match the project's \(fg, bg\)/,
    );
    await expect(importModel(other, path.join(t.dir, "nowhere"))).rejects.toThrow(
      /not a Pixelloop model folder/,
    );
    other.close();
  });

  it("a truncated weights.bin is named, with the reason", async () => {
    const dir = path.join(t.dir, "truncated");
    fs.cpSync(path.join(t.dir, "model"), dir, { recursive: true });
    const weights = path.join(dir, "weights.bin");
    const full = fs.statSync(weights).size;
    fs.truncateSync(weights, 100);
    await expect(importModel(store, dir)).rejects.toThrow(
      `${weights}: 100 bytes, but model.json's weightsManifest needs ${full}: the file is truncated or does not belong to this model.json`,
    );
  });
});
