/**
 * Network weights <-> bytes, for checkpoints stored in SQLite.
 *
 * Layout: "PXLW" | uint32 LE header length | header JSON (utf-8) | zero padding to 4 bytes |
 * float32 LE data of every weight in header order. The header carries the network config, so a
 * checkpoint alone is enough to rebuild the network (networkFromWeights).
 * All weights are stored, including batch-norm moving statistics.
 */
import { tf } from "../engine/tf.ts";
import { SegmentationNetwork, type NetworkConfig } from "./network.ts";
import { networkConfigProblem } from "../../common/limits.ts";

const MAGIC = "PXLW";
const FORMAT_VERSION = 1;

interface WeightSpec {
  name: string;
  shape: number[];
}

interface WeightsHeader {
  format: "pixelloop-weights";
  version: number;
  config: NetworkConfig;
  weights: WeightSpec[];
}

/** Weights keyed by layer-scoped name ("enc0a_conv/kernel"), stable across processes. */
function namedWeights(net: SegmentationNetwork): Array<{ name: string; variable: tfl_LayerVariable }> {
  return net.model.weights.map((w) => ({ name: w.originalName, variable: w }));
}
type tfl_LayerVariable = SegmentationNetwork["model"]["weights"][number];

export function serializeWeights(net: SegmentationNetwork): Uint8Array {
  const entries = namedWeights(net);
  const header: WeightsHeader = {
    format: "pixelloop-weights",
    version: FORMAT_VERSION,
    config: net.config,
    weights: entries.map((e) => ({ name: e.name, shape: e.variable.shape as number[] })),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataOffset = Math.ceil((8 + headerBytes.length) / 4) * 4;
  const totalFloats = entries.reduce((n, e) => n + e.variable.read().size, 0);
  const out = new Uint8Array(dataOffset + totalFloats * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(4, headerBytes.length, true);
  out.set(headerBytes, 8);
  const floats = new Float32Array(out.buffer, dataOffset, totalFloats);
  let offset = 0;
  for (const e of entries) {
    const values = e.variable.read().dataSync() as Float32Array;
    floats.set(values, offset);
    offset += values.length;
  }
  return out;
}

function parseHeader(bytes: Uint8Array): { header: WeightsHeader; dataOffset: number } {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new Error("not a Pixelloop weights blob (bad magic)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new Error("truncated Pixelloop weights blob (header)");
  let header: WeightsHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as WeightsHeader;
  } catch (e) {
    throw new Error(`damaged Pixelloop weights blob (header: ${(e as Error).message})`, { cause: e });
  }
  if (header?.format !== "pixelloop-weights" || header.version !== FORMAT_VERSION) {
    throw new Error(`unsupported weights format ${String(header?.format)} v${String(header?.version)}`);
  }
  // Checked before a network is built from it: a damaged config could ask for any width.
  // (Fields left out are not made up here; building the network refuses an incomplete config.)
  const problem = networkConfigProblem(header.config, { partial: true });
  if (problem) throw new Error(`damaged Pixelloop weights blob (network: ${problem})`);
  return { header, dataOffset: Math.ceil((8 + headerLength) / 4) * 4 };
}

/** The network config stored in a weights blob. */
export function readWeightsConfig(bytes: Uint8Array): NetworkConfig {
  return parseHeader(bytes).header.config;
}

/** Loads weights into an existing network with the same architecture. */
export function loadWeights(net: SegmentationNetwork, bytes: Uint8Array): void {
  const { header, dataOffset } = parseHeader(bytes);
  const byName = new Map(namedWeights(net).map((e) => [e.name, e.variable]));
  const total = header.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  if (dataOffset + total * 4 > bytes.length) throw new Error("truncated Pixelloop weights blob (data)");
  if (header.weights.length !== byName.size) {
    throw new Error(`weights blob has ${header.weights.length} tensors, the network has ${byName.size}`);
  }
  // Copy into a fresh, aligned buffer: the input may be a Node Buffer (whose slice() is a view
  // into a shared pool) starting at any byte offset.
  const floats = new Float32Array(new Uint8Array(bytes.subarray(dataOffset, dataOffset + total * 4)).buffer);
  let offset = 0;
  for (const spec of header.weights) {
    const variable = byName.get(spec.name);
    if (!variable) throw new Error(`weights blob has "${spec.name}", which the network does not have`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (variable.shape.join("x") !== spec.shape.join("x")) {
      throw new Error(
        `shape mismatch for ${spec.name}: blob ${spec.shape.join("x")}, network ${variable.shape.join("x")}`,
      );
    }
    const t = tf.tensor(floats.subarray(offset, offset + size), spec.shape);
    variable.write(t);
    t.dispose();
    offset += size;
  }
}

/** Builds a network from the config stored in the blob and loads its weights. */
export function networkFromWeights(bytes: Uint8Array): SegmentationNetwork {
  const net = new SegmentationNetwork(readWeightsConfig(bytes));
  loadWeights(net, bytes);
  return net;
}
