/**
 * Our SIMD WebAssembly kernels (text and register blocks: simd-kernels-wat.ts): the two
 * convolution gradients, per-channel sums, broadcasts and affine maps, and exp. They run inside the tfjs wasm
 * backend's own memory: the module imports the backend's WebAssembly.Memory, so tensors are read
 * and written where they live, with no copy.
 *
 * Channel counts that are not multiples of the register block (the image's 3 channels, a head's
 * K classes) are zero-padded and the result cut back, by a copy loop of the same module. What the
 * kernels cannot serve (another backend, no SIMD, a tfjs build that does not expose its memory,
 * other shapes) returns null, and the caller runs the stock kernel or the forward-convolution
 * compositions of conv-backprop.ts instead.
 */
import { tf } from "../../tf.ts";
import { SIMD_KERNELS_WASM } from "./simd-kernels-binary.ts";

type Shape4 = [number, number, number, number];
type Kernel = (...args: number[]) => void;

/** The WebAssembly API we use (app/ compiles without the DOM library, which declares it). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** What we use of tfjs-backend-wasm's BackendWasm (4.22). */
interface WasmBackendView {
  wasm?: { asm?: { memory?: unknown } };
  getMemoryOffset(dataId: object): number;
}

interface Instance {
  memory: object;
  /** by channels per block: 8 (the fast one) or 4 */
  filterGrad: Record<4 | 8, Kernel>;
  inputGrad: Record<4 | 8, Kernel>;
  copyChannels: Kernel;
  channelSums: Kernel;
  exp: Kernel;
  broadcastChannels: Kernel;
  channelAffine: Kernel;
}

let compiled: object | null | undefined;
let instance: Instance | null = null;
let unavailableReason: string | null = null;

function compile(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = new wasmApi.Module(Uint8Array.from(atob(SIMD_KERNELS_WASM), (c) => c.charCodeAt(0)));
  } catch (e) {
    compiled = null;
    unavailableReason = `this runtime cannot compile SIMD WebAssembly (${e instanceof Error ? e.message : String(e)})`;
  }
  return compiled;
}

/** The kernels bound to the current wasm backend's memory, or null (simdKernelsStatus says why). */
function kernels(): Instance | null {
  if (tf.getBackend() !== "wasm") return null;
  const memory = (tf.backend() as unknown as WasmBackendView).wasm?.asm?.memory;
  if (!(memory instanceof wasmApi.Memory)) {
    unavailableReason = "the tfjs wasm backend does not expose its memory";
    return null;
  }
  if (instance?.memory === memory) return instance;
  const module = compile();
  if (!module) return null;
  const exports = new wasmApi.Instance(module, { env: { memory } }).exports;
  instance = {
    memory,
    filterGrad: { 8: exports.filterGrad8 as Kernel, 4: exports.filterGrad4 as Kernel },
    inputGrad: { 8: exports.inputGrad8 as Kernel, 4: exports.inputGrad4 as Kernel },
    copyChannels: exports.copyChannels as Kernel,
    channelSums: exports.channelSums as Kernel,
    exp: exports.exp as Kernel,
    broadcastChannels: exports.broadcastChannels as Kernel,
    channelAffine: exports.channelAffine as Kernel,
  };
  return instance;
}

/** Whether the SIMD kernels serve the current backend; the reason when they do not. */
export function simdKernelsStatus(): { available: boolean; reason: string | null } {
  const available = kernels() !== null;
  return { available, reason: available ? null : (unavailableReason ?? "the backend is not wasm") };
}

const roundUp = (v: number, m: number) => Math.ceil(v / m) * m;
/** The block width for a channel count: 8, or 4 when 8 would pad more than 4 would. */
const blockFor = (channels: number): 4 | 8 => (roundUp(channels, 8) === roundUp(channels, 4) ? 8 : 4);
const offsetOf = (t: tf.Tensor) => (tf.backend() as unknown as WasmBackendView).getMemoryOffset(t.dataId);

/** t with its last axis zero-padded or cut to `channels` (t itself when it has that many). */
function withChannels<T extends tf.Tensor>(k: Instance, t: T, channels: number): T {
  const from = t.shape[t.rank - 1];
  if (from === channels) return t;
  const out = output([...t.shape.slice(0, -1), channels]) as T;
  k.copyChannels(offsetOf(t), offsetOf(out), t.size / from, from, channels);
  return out;
}

/** The kernels' geometry parameters after N, with the channel counts as the kernel sees them. */
function geometry(info: tf.backend_util.Conv2DInfo, ci: number, co: number): number[] {
  return [
    info.inHeight,
    info.inWidth,
    ci,
    info.outHeight,
    info.outWidth,
    co,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

/** A new float32 tensor whose memory the kernel fills (the kernels zero it first). */
function output(shape: number[]): tf.Tensor {
  return tf
    .engine()
    .makeTensorFromTensorInfo(
      (tf.backend() as unknown as { makeOutput(s: number[], d: "float32"): tf.TensorInfo }).makeOutput(
        shape,
        "float32",
      ),
    );
}

/** dL/dW of conv2d (NHWC, dilation 1) as [KH, KW, Ci, Co], or null when the kernels cannot serve. */
export function simdConv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D | null {
  const k = kernels();
  if (!k || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const [n, , , ci] = x.shape;
  const co = dy.shape[3];
  const block = blockFor(co);
  const ciP = roundUp(ci, 4);
  const coP = roundUp(co, block);
  return tf.tidy(() => {
    const xp = withChannels(k, x, ciP);
    const dyp = withChannels(k, dy, coP);
    const shape: Shape4 = [info.filterHeight, info.filterWidth, ciP, coP];
    const dw = output(shape) as tf.Tensor4D;
    k.filterGrad[block](offsetOf(xp), offsetOf(dyp), offsetOf(dw), n, ...geometry(info, ciP, coP));
    if (ciP === ci) return withChannels(k, dw, co);
    // Padded input channels are whole rows of dw: cut them off after the output channels.
    return tf.slice(withChannels(k, dw, co), [0, 0, 0, 0], [shape[0], shape[1], ci, co]);
  });
}

/** dL/dx of conv2d (NHWC, dilation 1), or null when the kernels cannot serve. */
export function simdConv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  info: tf.backend_util.Conv2DInfo,
): tf.Tensor4D | null {
  const k = kernels();
  if (!k || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  const n = dy.shape[0];
  const ci = info.inChannels;
  const co = dy.shape[3];
  const block = blockFor(ci);
  const ciP = roundUp(ci, block);
  return tf.tidy(() => {
    // [KH, KW, Ci, Co] -> [KH, KW, Co, Ci'], so a tap's weights for one co are contiguous in ci.
    let wt = tf.transpose(filter, [0, 1, 3, 2]) as tf.Tensor4D;
    wt = withChannels(k, wt, ciP);
    const shape: Shape4 = [n, info.inHeight, info.inWidth, ciP];
    const dx = output(shape) as tf.Tensor4D;
    k.inputGrad[block](offsetOf(dy), offsetOf(wt), offsetOf(dx), n, ...geometry(info, ciP, co));
    return withChannels(k, dx, ci);
  });
}

/**
 * The sum over every axis but the last of a float32 tensor whose last axis is a multiple of 4
 * (batch norm's per-channel reductions), as [C], or null when the kernels cannot serve.
 */
export function simdChannelSums(x: tf.Tensor): tf.Tensor1D | null {
  const channels = x.shape[x.rank - 1];
  if (x.dtype !== "float32" || x.rank < 2 || channels % 4 !== 0 || x.size === 0) return null;
  const k = kernels();
  if (!k) return null;
  const out = output([channels]) as tf.Tensor1D;
  k.channelSums(offsetOf(x), offsetOf(out), x.size / channels, channels);
  return out;
}

/** e^x of a float32 tensor whose size is a multiple of 4, or null when the kernels cannot serve. */
export function simdExp(x: tf.Tensor): tf.Tensor | null {
  if (x.dtype !== "float32" || x.size % 4 !== 0 || x.size === 0) return null;
  const k = kernels();
  if (!k) return null;
  const out = output(x.shape);
  k.exp(offsetOf(x), offsetOf(out), x.size / 4);
  return out;
}

/**
 * A float32 tensor of `shape` whose every pixel (all axes but the last) holds `values` (length: the
 * last axis, a multiple of 4), or null when the kernels cannot serve.
 */
export function simdBroadcastChannels(values: tf.Tensor, shape: number[]): tf.Tensor | null {
  const channels = shape[shape.length - 1];
  if (values.dtype !== "float32" || values.size !== channels || channels % 4 !== 0) return null;
  const k = kernels();
  if (!k) return null;
  const out = output(shape);
  k.broadcastChannels(offsetOf(values), offsetOf(out), out.size / channels, channels);
  return out;
}

/**
 * x * a + b with a and b per channel (float32 vectors as long as x's last axis, a multiple of 4),
 * or null when the kernels cannot serve.
 */
export function simdChannelAffine(x: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor | null {
  const channels = x.shape[x.rank - 1];
  const fits = (v: tf.Tensor) => v.dtype === "float32" && v.size === channels;
  if (x.dtype !== "float32" || x.rank < 2 || channels % 4 !== 0 || !fits(a) || !fits(b)) return null;
  const k = kernels();
  if (!k) return null;
  const out = output(x.shape);
  k.channelAffine(offsetOf(x), offsetOf(a), offsetOf(b), offsetOf(out), x.size / channels, channels);
  return out;
}
