import fs from "node:fs";
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { nowIso } from "../store/db.ts";
import { tf, tfl } from "../ml/tf.ts";
import { SegmentationNetwork, type NetworkConfig } from "../ml/network.ts";
import { networkFromWeights, readWeightsConfig, serializeWeights } from "../ml/weights.ts";
import { ensureFolder } from "./folders.ts";
import { ProtectedFiles } from "./output-guard.ts";

export const MODEL_FORMAT = "pixelloop-model/1";
const MODEL_FILES = ["model.json", "weights.bin", "metadata.json"];

/** metadata.json beside model.json: what another tool needs to use the model. */
export interface ModelMetadata {
  format: typeof MODEL_FORMAT;
  name: string;
  classes: { index: number; name: string; color: string }[];
  input: {
    channels: 3;
    dtype: "float32";
    layout: "NHWC";
    /** pixel values as decoded (0..255 RGB); the model normalizes (x / 127.5 - 1) itself */
    range: [0, 255];
    /** resize the image by this factor (bilinear) before the network, and the logits back after it */
    scale: number;
    /** height and width must be multiples of this (pad, then crop the output) */
    sizeMultiple: number;
    /** gray images: repeat the channel 3 times; RGBA: drop alpha */
    note: string;
  };
  output: { layout: "NHWC"; kind: "logits"; classes: number };
  architecture: NetworkConfig;
  backend: string;
  trainedAt: string;
  metrics: unknown;
  labelSnapshot: unknown;
}

interface ModelRow {
  id: number;
  name: string;
  created_at: string;
  backend: string;
  weights: Buffer;
  label_snapshot: string;
  metrics: string;
}

export function modelRow(store: ProjectStore, modelId?: number): ModelRow {
  const id = modelId ?? store.latestModelId();
  const row = store.db.prepare("SELECT * FROM models WHERE id = ?").get(id ?? null) as ModelRow | undefined;
  if (!row)
    throw new UserError(
      modelId === undefined
        ? `${store.file}: no trained model yet (run pixelloop train first)`
        : `${store.file}: no model with id ${modelId}`,
    );
  return row;
}

/**
 * Writes a TensorFlow.js layers-model folder (model.json + weights.bin, logits only: the
 * projection head is not exported) and metadata.json. Refuses, before writing, when one of the
 * three would replace an image of the project.
 */
export async function exportModel(
  store: ProjectStore,
  outDir: string,
  modelId?: number,
): Promise<{ dir: string; modelId: number }> {
  const row = modelRow(store, modelId);
  ProtectedFiles.ofProject(store).check(MODEL_FILES.map((f) => path.join(outDir, f)));
  const net = networkFromWeights(new Uint8Array(row.weights));
  try {
    ensureFolder(outDir);
    await net.logitsModel().save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData as ArrayBuffer;
        fs.writeFileSync(path.join(outDir, "weights.bin"), Buffer.from(weightData));
        const modelJson = {
          format: "layers-model",
          generatedBy: "Pixelloop",
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
        };
        fs.writeFileSync(path.join(outDir, "model.json"), JSON.stringify(modelJson));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const meta: ModelMetadata = {
      format: MODEL_FORMAT,
      name: row.name,
      // The classes the model predicts: a class added to the project since is not among them.
      classes: store
        .classes()
        .slice(0, net.config.numClasses)
        .map((c) => ({ index: c.idx, name: c.name, color: c.color })),
      input: {
        channels: 3,
        dtype: "float32",
        layout: "NHWC",
        range: [0, 255],
        scale: net.config.inputScale ?? 1,
        sizeMultiple: net.inputMultiple,
        note: "RGB pixel values 0..255; gray: repeat the channel 3 times; RGBA: drop alpha; more than 8 bits per sample (16-bit PNG/TIFF): contrast-stretch each image, its 1st..99.8th percentile to 0..255 (clipped), as the model was trained. Resize by `scale` (bilinear), pad H and W to a multiple of sizeMultiple, crop the output back, resize the logits to the image size.",
      },
      output: { layout: "NHWC", kind: "logits", classes: net.config.numClasses },
      architecture: net.config,
      backend: row.backend,
      trainedAt: row.created_at,
      metrics: JSON.parse(row.metrics),
      labelSnapshot: JSON.parse(row.label_snapshot),
    };
    fs.writeFileSync(path.join(outDir, "metadata.json"), JSON.stringify(meta, null, 2) + "\n");
    return { dir: outDir, modelId: row.id };
  } finally {
    net.dispose();
  }
}

/** Reads an exported model folder into memory as a layers model (plain tfjs-layers). */
export async function loadExportedModel(
  dir: string,
): Promise<{ model: tfl.LayersModel; meta: ModelMetadata }> {
  const read = (f: string) => {
    const p = path.join(dir, f);
    if (!fs.existsSync(p)) throw new UserError(`${dir}: not a Pixelloop model folder (${f} is missing)`);
    return fs.readFileSync(p);
  };
  let meta: ModelMetadata;
  let modelJson: {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  try {
    meta = JSON.parse(read("metadata.json").toString("utf8"));
    modelJson = JSON.parse(read("model.json").toString("utf8"));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${dir}: malformed model.json or metadata.json (${(e as Error).message})`);
  }
  if (meta.format !== MODEL_FORMAT)
    throw new UserError(
      `${path.join(dir, "metadata.json")}: format is ${String(meta.format)}, expected ${MODEL_FORMAT}`,
    );
  const manifest = modelJson.weightsManifest?.[0];
  if (!manifest) throw new UserError(`${path.join(dir, "model.json")}: weightsManifest is missing`);
  const weights = Buffer.concat(manifest.paths.map((p) => read(p)));
  const expected = weightBytes(manifest.weights);
  if (weights.length !== expected)
    throw new UserError(
      `${manifest.paths.map((p) => path.join(dir, p)).join(", ")}: ${weights.length} bytes, but model.json's weightsManifest needs ${expected}: the file is truncated or does not belong to this model.json`,
    );
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: manifest.weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    }),
  );
  return { model, meta };
}

/** Bytes the weights of a manifest take (float32 and int32: 4 per value; quantized: 1 or 2). */
function weightBytes(specs: tf.io.WeightsManifestEntry[]): number {
  const size: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
  return specs.reduce((sum, w) => {
    const values = w.shape.reduce((a, b) => a * b, 1);
    const each = w.quantization ? (size[w.quantization.dtype] ?? 4) : w.dtype === "bool" ? 1 : 4;
    return sum + values * each;
  }, 0);
}

/**
 * Imports an exported model folder into the project (to predict or fine-tune). Refuses a model
 * whose classes differ from the project's. The projection head, not part of an export, starts
 * fresh.
 */
export async function importModel(store: ProjectStore, dir: string): Promise<{ modelId: number }> {
  const { model, meta } = await loadExportedModel(dir);
  try {
    const mine = store.classes().map((c) => c.name);
    const theirs = meta.classes.map((c) => c.name);
    if (mine.length !== theirs.length || mine.some((n, i) => n !== theirs[i])) {
      throw new UserError(
        `${dir}: the model's classes (${theirs.join(", ")}) do not match the project's (${mine.join(", ")})`,
      );
    }
    const net = new SegmentationNetwork(meta.architecture);
    try {
      for (const layer of model.layers) {
        const w = layer.getWeights();
        if (w.length === 0) continue;
        net.model.getLayer(layer.name).setWeights(w);
      }
      const bytes = serializeWeights(net);
      readWeightsConfig(bytes); // sanity: the blob we store reads back
      const info = store.db
        .prepare(
          `INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics, parent_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
        )
        .run(
          `imported: ${meta.name}`,
          nowIso(),
          JSON.stringify({ type: "pixelloop-unet", ...meta.architecture, importedFrom: path.resolve(dir) }),
          meta.backend,
          Buffer.from(bytes),
          JSON.stringify(meta.labelSnapshot ?? {}),
          JSON.stringify(meta.metrics ?? {}),
        );
      return { modelId: Number(info.lastInsertRowid) };
    } finally {
      net.dispose();
    }
  } finally {
    model.dispose();
  }
}
