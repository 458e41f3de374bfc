import fs from "node:fs";
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import type { ModelRow } from "../store/models.ts";
import { tf } from "../ml/engine/tf.ts";
import { SegmentationNetwork, type NetworkConfig } from "../ml/model/network.ts";
import { networkFromWeights, readWeightsConfig, serializeWeights } from "../ml/model/weights.ts";
import { ensureFolder } from "./folders.ts";
import { ProtectedFiles } from "./output-guard.ts";
import {
  FILE_LIMITS,
  checkFileSync,
  errnoReason,
  formatBytes,
  readFileSyncChecked,
} from "../store/safe-read.ts";
import { NETWORK_LIMITS, networkConfigProblem } from "../common/limits.ts";

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

export function modelRow(store: ProjectStore, modelId?: number): ModelRow {
  const id = modelId ?? store.latestModelId();
  const row = store.models.get(id ?? null);
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
  ProtectedFiles.ofProject(store).check(
    MODEL_FILES.map((f) => path.join(outDir, f)),
    outDir,
  );
  let net: SegmentationNetwork;
  try {
    net = networkFromWeights(new Uint8Array(row.weights));
  } catch (e) {
    throw new UserError(`${store.file}: model ${row.id} cannot be read (${(e as Error).message})`);
  }
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

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

// A segmentation network's weights are float32 (stored as they are, or quantized).
const WEIGHT_DTYPES = new Set(["float32"]);
const QUANTIZED_DTYPES = new Set(["uint8", "uint16", "float16"]);

/**
 * Reads an exported model folder, checking before anything is allocated: metadata.json and
 * model.json are regular files within FILE_LIMITS.modelJson; the architecture is within
 * NETWORK_LIMITS; every weights path is a plain relative path whose real path stays inside the
 * folder; the weight files are regular, their sizes add up to what the manifest's shapes need,
 * within FILE_LIMITS.weights. The topology in model.json is never built: the network is built
 * from the checked architecture and the weights are matched to it by name.
 */
export async function loadExportedModel(
  dir: string,
): Promise<{ weights: tf.NamedTensorMap; meta: ModelMetadata }> {
  let realDir: string;
  try {
    if (!fs.statSync(dir).isDirectory())
      throw new UserError(`${dir}: not a Pixelloop model folder (not a folder)`);
    realDir = fs.realpathSync(dir);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${dir}: not a Pixelloop model folder (${errnoReason(e)})`);
  }
  const readJson = (f: string): unknown => {
    const p = path.join(dir, f);
    if (!fs.existsSync(p)) throw new UserError(`${dir}: not a Pixelloop model folder (${f} is missing)`);
    const bytes = readFileSyncChecked(p, FILE_LIMITS.modelJson, "a model's JSON file");
    try {
      return JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, ""));
    } catch (e) {
      throw new UserError(`${p}: not valid JSON (${(e as Error).message})`);
    }
  };
  const metaFile = path.join(dir, "metadata.json");
  const modelFile = path.join(dir, "model.json");
  const meta = readJson("metadata.json") as ModelMetadata;
  const modelJson = readJson("model.json") as { weightsManifest?: unknown };
  if (typeof meta !== "object" || meta === null || meta.format !== MODEL_FORMAT)
    throw new UserError(`${metaFile}: format is ${String(meta?.format)}, expected ${MODEL_FORMAT}`);
  if (
    !Array.isArray(meta.classes) ||
    meta.classes.length > NETWORK_LIMITS.maxClasses ||
    !meta.classes.every((c) => typeof c === "object" && c !== null && typeof c.name === "string")
  )
    throw new UserError(`${metaFile}: classes must be a list of at most 255 {name, color} entries`);
  const problem = networkConfigProblem(meta.architecture);
  if (problem) throw new UserError(`${metaFile}: architecture: ${problem}`);
  if (meta.architecture.numClasses !== meta.classes.length)
    throw new UserError(
      `${metaFile}: architecture.numClasses is ${meta.architecture.numClasses}, but ${meta.classes.length} classes are listed`,
    );

  const groups = modelJson?.weightsManifest;
  if (!Array.isArray(groups) || groups.length === 0)
    throw new UserError(`${modelFile}: weightsManifest is missing`);
  const files: string[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const [g, group] of (groups as ManifestGroup[]).entries()) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights))
      throw new UserError(`${modelFile}: weightsManifest[${g}] needs "paths" and "weights" lists`);
    for (const p of group.paths) files.push(weightFileInside(dir, realDir, p, modelFile));
    for (const w of group.weights) specs.push(checkedSpec(w, modelFile));
  }
  const expected = weightBytes(specs);
  if (expected > FILE_LIMITS.weights)
    throw new UserError(
      `${modelFile}: the weights would take ${formatBytes(expected)}, over the limit of ${formatBytes(FILE_LIMITS.weights)}`,
    );
  // Sizes from stat before reading: a file that does not fit is named without reading it.
  const sizes = files.map((f) => checkFileSync(f, FILE_LIMITS.weights, "a model's weights").size);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== expected)
    throw new UserError(
      `${files.join(", ")}: ${total} bytes, but model.json's weightsManifest needs ${expected}: the file is truncated or does not belong to this model.json`,
    );
  const data = Buffer.concat(
    files.map((f) => readFileSyncChecked(f, FILE_LIMITS.weights, "a model's weights")),
  );
  if (data.length !== expected)
    throw new UserError(`${files.join(", ")}: changed while it was read; try again`);
  const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.length) as ArrayBuffer;
  return { weights: tf.io.decodeWeights(buffer, specs), meta };
}

/** A weights path of a manifest as a file inside the model folder; refused when it leaves it. */
function weightFileInside(dir: string, realDir: string, p: unknown, modelFile: string): string {
  const refuse = (why: string) =>
    new UserError(
      `${modelFile}: weights path ${JSON.stringify(p)} ${why}; weights must lie in the model folder`,
    );
  if (typeof p !== "string" || p.length === 0 || p.includes("\0")) throw refuse("is not a file name");
  if (path.isAbsolute(p) || path.win32.isAbsolute(p) || /^[a-z][a-z0-9+.-]*:/i.test(p))
    throw refuse("is absolute");
  if (p.split(/[\\/]/).includes("..")) throw refuse("climbs out of the folder (..)");
  const abs = path.resolve(dir, p);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch (e) {
    throw new UserError(`${abs}: ${errnoReason(e)} (named in ${modelFile})`);
  }
  const rel = path.relative(realDir, real);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel))
    throw refuse(`leads to ${real} (a symlink)`);
  return abs;
}

/** A manifest entry with a name, a known dtype and a shape of whole numbers. */
function checkedSpec(w: unknown, modelFile: string): tf.io.WeightsManifestEntry {
  const e = w as tf.io.WeightsManifestEntry;
  const name = typeof e?.name === "string" ? e.name : "?";
  const bad = (why: string) => new UserError(`${modelFile}: weight "${name}" ${why}`);
  if (typeof e !== "object" || e === null || typeof e.name !== "string") throw bad("has no name");
  if (
    !Array.isArray(e.shape) ||
    e.shape.length > 8 ||
    !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
  )
    throw bad(`has an impossible shape ${JSON.stringify(e.shape)}`);
  if (!WEIGHT_DTYPES.has(e.dtype)) throw bad(`has an unsupported dtype ${JSON.stringify(e.dtype)}`);
  if (e.quantization !== undefined && !QUANTIZED_DTYPES.has(e.quantization?.dtype))
    throw bad(`has an unsupported quantization ${JSON.stringify(e.quantization?.dtype)}`);
  return e;
}

/** Bytes the weights of a manifest take (float32: 4 per value; quantized: 1 or 2). */
function weightBytes(specs: tf.io.WeightsManifestEntry[]): number {
  const size: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };
  return specs.reduce((sum, w) => {
    const values = w.shape.reduce((a, b) => a * b, 1);
    const each = w.quantization ? (size[w.quantization.dtype] ?? 4) : 4;
    return sum + values * each;
  }, 0);
}

/**
 * Imports an exported model folder into the project (to predict or fine-tune). Refuses a model
 * whose classes differ from the project's. The projection head, not part of an export, starts
 * fresh.
 */
export async function importModel(store: ProjectStore, dir: string): Promise<{ modelId: number }> {
  const { weights, meta } = await loadExportedModel(dir);
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
      // Every weight of the exported part (all but the projection head) comes from the folder,
      // with its shape; a weight the network does not have means another architecture.
      const modelFile = path.join(dir, "model.json");
      const exported = new Set(net.logitsModel().weights.map((w) => w.originalName));
      const byName = new Map(net.model.weights.map((w) => [w.originalName, w]));
      for (const [name, t] of Object.entries(weights)) {
        const v = byName.get(name);
        if (!v)
          throw new UserError(
            `${modelFile}: weight "${name}" is not part of the architecture in metadata.json`,
          );
        if (v.shape.join("x") !== t.shape.join("x"))
          throw new UserError(
            `${modelFile}: weight "${name}" is ${t.shape.join("x")}, the architecture in metadata.json needs ${v.shape.join("x")}`,
          );
      }
      const missing = [...exported].filter((n) => !(n in weights));
      if (missing.length > 0)
        throw new UserError(
          `${modelFile}: weights missing for ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ` and ${missing.length - 3} more` : ""}`,
        );
      for (const [name, t] of Object.entries(weights)) byName.get(name)!.write(t);
      const bytes = serializeWeights(net);
      readWeightsConfig(bytes); // sanity: the blob we store reads back
      const modelId = store.models.insert({
        name: `imported: ${String(meta.name).slice(0, 200)}`,
        architecture: { type: "pixelloop-unet", ...meta.architecture, importedFrom: path.resolve(dir) },
        backend: String(meta.backend ?? "unknown"),
        weights: Buffer.from(bytes),
        labelSnapshot: meta.labelSnapshot ?? {},
        metrics: meta.metrics ?? {},
        parentId: null,
      });
      return { modelId };
    } finally {
      net.dispose();
    }
  } finally {
    tf.dispose(Object.values(weights));
  }
}
