/**
 * Training kernels for the wasm backend.
 *
 * @tensorflow/tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel at all (training any
 * convolution fails with "Kernel 'Conv2DBackpropFilter' not registered"), and its
 * Conv2DBackpropInput is a scalar C++ loop (~2-3 GFLOP/s here, 10x slower than its forward conv).
 * Both are replaced by our SIMD WebAssembly kernels (simd/simd-kernels.ts), or, where those
 * cannot serve, by compositions of the wasm backend's XNNPACK forward convolution
 * (conv-backprop.ts). Measured per-kernel figures are in docs/ml-engine.md.
 */
import { tf } from "../tf.ts";
import { conv2dFilterGradient, conv2dInputGradient, type Conv2DGeometry } from "./conv-backprop.ts";
import {
  simdChannelAffine,
  simdChannelSums,
  simdConv2dFilterGradient,
  simdConv2dInputGradient,
  simdExp,
} from "./simd/simd-kernels.ts";

const BACKEND = "wasm";

type Shape4 = [number, number, number, number];

interface ConvBackpropAttrs extends Conv2DGeometry {
  dataFormat: "NHWC" | "NCHW";
}

/** Kernel inputs arrive as TensorInfo; the engine passes Tensors, but be safe about it. */
function asTensor4D(info: tf.TensorInfo | undefined, name: string): tf.Tensor4D {
  if (info == null) throw new Error(`missing kernel input ${name}`);
  if (info instanceof tf.Tensor) return info as tf.Tensor4D;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
}

function geometryOf(attrs: tf.NamedAttrMap | undefined, kernel: string): Conv2DGeometry {
  const a = attrs as unknown as ConvBackpropAttrs;
  if (a.dataFormat === "NCHW") throw new Error(`${kernel} on wasm supports only NHWC tensors`);
  return { strides: a.strides, pad: a.pad, dimRoundingMode: a.dimRoundingMode };
}

function convInfo(xShape: Shape4, filterShape: Shape4, g: Conv2DGeometry): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, g.strides, 1, g.pad, g.dimRoundingMode);
}

const conv2dBackpropFilter: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: BACKEND,
  kernelFunc: ({ inputs, attrs }) => {
    const geometry = geometryOf(attrs, tf.Conv2DBackpropFilter);
    const filterShape = (attrs as unknown as { filterShape: Shape4 }).filterShape;
    return tf.tidy(() => {
      const x = asTensor4D(inputs.x, "x");
      const dy = asTensor4D(inputs.dy, "dy");
      return (
        simdConv2dFilterGradient(x, dy, convInfo(x.shape, filterShape, geometry)) ??
        conv2dFilterGradient(x, dy, filterShape, geometry)
      );
    });
  },
};

const conv2dBackpropInput: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: BACKEND,
  kernelFunc: ({ inputs, attrs }) => {
    const geometry = geometryOf(attrs, tf.Conv2DBackpropInput);
    const inputShape = (attrs as unknown as { inputShape: Shape4 }).inputShape;
    return tf.tidy(() => {
      const dy = asTensor4D(inputs.dy, "dy");
      const filter = asTensor4D(inputs.filter, "filter");
      return (
        simdConv2dInputGradient(dy, filter, convInfo(inputShape, filter.shape, geometry)) ??
        conv2dInputGradient(inputShape, dy, filter, geometry)
      );
    });
  },
};

type KernelArgs = Parameters<tf.KernelFunc>[0];
/** Our version of a stock kernel: its result, or null to let the stock kernel serve the call. */
type Attempt = (args: KernelArgs) => tf.TensorInfo | null;

/**
 * Sum and Mean over every axis but the last (batch norm's statistics and gradients): one pass
 * over the tensor; the stock kernels transpose the whole tensor first.
 */
const channelReduction =
  (mean: boolean): Attempt =>
  (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const allButLast =
      axes.length === rank - 1 && axes.every((a) => a < rank - 1) && new Set(axes).size === axes.length;
    const sums = allButLast ? simdChannelSums(asTensor4D(x, "x")) : null;
    if (!sums) return null;
    const channels = x.shape[rank - 1];
    return tf.tidy(() => {
      const reduced = mean ? tf.div(sums, tf.scalar(tf.util.sizeFromShape(x.shape) / channels)) : sums;
      return keepDims ? tf.reshape(reduced, [...x.shape.slice(0, -1).map(() => 1), channels]) : reduced;
    });
  };

/** Whether t is one value per channel of `full` (shape [C], or 1s then C) and full is the output's shape. */
function perChannelOf(t: tf.TensorInfo, full: tf.TensorInfo): boolean {
  const channels = full.shape[full.shape.length - 1];
  return (
    t.shape.length <= full.shape.length &&
    t.shape[t.shape.length - 1] === channels &&
    t.shape.slice(0, -1).every((d) => d === 1) &&
    full.shape.length >= 2
  );
}

/**
 * A full tensor times, or minus, one value per channel (batch norm's statistics and gradients,
 * Mean's gradient on other backends' path): one affine pass; the stock kernels' broadcasting is a
 * generic loop.
 */
const channelBroadcast =
  (op: "mul" | "sub"): Attempt =>
  (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const [full, vector] = perChannelOf(b, a) ? [a, b] : op === "mul" && perChannelOf(a, b) ? [b, a] : [];
    if (!full || !vector || full.dtype !== "float32" || vector.dtype !== "float32") return null;
    const v = asTensor4D(vector, "vector");
    const [scale, shift] = tf.tidy(() => {
      const flat = tf.reshape(v, [v.size]);
      return op === "mul" ? [flat, tf.zerosLike(flat)] : [tf.onesLike(flat), tf.neg(flat)];
    });
    const y = simdChannelAffine(asTensor4D(full, "x"), scale, shift);
    tf.dispose([scale, shift]);
    return y;
  };

/**
 * Batch norm with per-channel statistics as one affine map per channel,
 * x * (scale / sd) + (offset - mean * scale / sd), in one pass.
 */
const batchNorm: Attempt = (args) => {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const epsilon = (args.attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
  const channels = x!.shape[x!.shape.length - 1];
  const perChannel = [mean, variance, offset, scale].every(
    (v) => v == null || (v.shape.length === 1 && v.shape[0] === channels),
  );
  if (!perChannel) return null;
  const [a, b] = tf.tidy(() => {
    const m = asTensor4D(mean, "mean");
    const a = tf.mul(
      tf.rsqrt(tf.add(asTensor4D(variance, "variance"), epsilon)),
      scale ? asTensor4D(scale, "scale") : 1,
    );
    return [a, tf.sub(offset ? asTensor4D(offset, "offset") : tf.zerosLike(m), tf.mul(m, a))];
  });
  const y = simdChannelAffine(asTensor4D(x, "x"), a, b);
  tf.dispose([a, b]);
  return y;
};

/**
 * Identity as a second reference to the same memory, as the cpu backend and wasm's own Reshape
 * do. The stock kernel copies, and tfjs-core clones (Identity) every tensor a kernel saves for its
 * gradient: on wasm each saved tensor was in memory twice, ~17-20% of a training step's heap
 * (bench/train-memory.ts). Safe because no kernel writes into its inputs.
 */
const sharedIdentity: Attempt = (args) => {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === "string") return null;
  (args.backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** Stock kernels ours go in front of (ours first, the stock kernel for what ours do not serve). */
const IN_FRONT: ReadonlyArray<[string, Attempt]> = [
  [tf.Sum, channelReduction(false)],
  [tf.Mean, channelReduction(true)],
  [tf.Multiply, channelBroadcast("mul")],
  [tf.Sub, channelBroadcast("sub")],
  [tf.FusedBatchNorm, batchNorm],
  [tf.Exp, (args) => simdExp(asTensor4D(args.inputs.x, "x"))],
  [tf.Identity, sharedIdentity],
];

/** The wasm backend's own kernels that ours go in front of, kept at the first registration. */
const stockKernels = new Map<string, tf.KernelConfig>();

/** Kernels this module registers for the wasm backend, with the reason. */
export const WASM_TRAINING_KERNELS: ReadonlyArray<{ kernel: string; reason: string }> = [
  { kernel: tf.Conv2DBackpropFilter, reason: "missing in tfjs-backend-wasm (ours: SIMD WebAssembly)" },
  { kernel: tf.Conv2DBackpropInput, reason: "replaces the slow scalar wasm kernel (ours: SIMD WebAssembly)" },
  { kernel: tf.Sum, reason: "per-channel sums without a transpose (ours: SIMD WebAssembly); others stock" },
  { kernel: tf.Mean, reason: "as Sum" },
  {
    kernel: tf.Multiply,
    reason: "times one value per channel: one affine pass (ours: SIMD WebAssembly); others stock",
  },
  { kernel: tf.Sub, reason: "minus one value per channel, as Multiply" },
  { kernel: tf.FusedBatchNorm, reason: "one affine map per channel (ours: SIMD WebAssembly)" },
  { kernel: tf.Exp, reason: "4 at a time (ours: SIMD WebAssembly); the stock kernel calls the scalar exp" },
  { kernel: tf.Identity, reason: "shares the input's memory; the stock kernel copies it" },
];

/** Registers (or re-registers) our training kernels for the wasm backend. Idempotent. */
export function registerWasmTrainingKernels(): void {
  const ours = [conv2dBackpropFilter, conv2dBackpropInput];
  for (const [name, attempt] of IN_FRONT) {
    if (!stockKernels.has(name)) {
      const stock = tf.getKernel(name, BACKEND);
      if (!stock) continue;
      stockKernels.set(name, stock);
    }
    const stock = stockKernels.get(name)!;
    ours.push({ ...stock, kernelFunc: (args) => attempt(args) ?? (stock.kernelFunc(args) as tf.TensorInfo) });
  }
  for (const config of ours) {
    if (tf.getKernel(config.kernelName, BACKEND) != null) tf.unregisterKernel(config.kernelName, BACKEND);
    tf.registerKernel(config);
  }
}
