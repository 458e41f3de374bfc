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

/** The wasm backend's own kernels that ours replace, kept for what ours do not serve. */
const stockKernels = new Map<string, tf.KernelConfig>();

/**
 * Sum and Mean over every axis but the last (batch norm's statistics and gradients): ours, one
 * pass over the tensor; the stock kernels transpose the whole tensor first. Else the stock kernel.
 */
function channelReduction(stock: tf.KernelConfig): tf.KernelConfig {
  const mean = stock.kernelName === tf.Mean;
  return {
    ...stock,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const allButLast =
        axes.length === rank - 1 && axes.every((a) => a < rank - 1) && new Set(axes).size === axes.length;
      const sums = allButLast ? simdChannelSums(asTensor4D(x, "x")) : null;
      if (!sums) return (stock.kernelFunc as (a: typeof args) => tf.TensorInfo)(args);
      const channels = x.shape[rank - 1];
      return tf.tidy(() => {
        const reduced = mean ? tf.div(sums, tf.scalar(tf.util.sizeFromShape(x.shape) / channels)) : sums;
        return keepDims ? tf.reshape(reduced, [...x.shape.slice(0, -1).map(() => 1), channels]) : reduced;
      });
    },
  };
}

function exp(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) =>
      simdExp(asTensor4D(args.inputs.x, "x")) ??
      (stock.kernelFunc as (a: typeof args) => tf.TensorInfo)(args),
  };
}

/**
 * Batch norm with per-channel statistics as one affine map per channel,
 * x * (scale / sd) + (offset - mean * scale / sd), in one SIMD pass; else the stock kernel.
 */
function batchNorm(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const epsilon = (args.attrs as unknown as { varianceEpsilon: number }).varianceEpsilon;
      const channels = x!.shape[x!.shape.length - 1];
      const perChannel = [mean, variance, offset, scale].every(
        (v) => v == null || (v.shape.length === 1 && v.shape[0] === channels),
      );
      if (perChannel) {
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
        if (y) return y;
      }
      return (stock.kernelFunc as (a: typeof args) => tf.TensorInfo)(args);
    },
  };
}

/** Kernels this module registers for the wasm backend, with the reason. */
export const WASM_TRAINING_KERNELS: ReadonlyArray<{ kernel: string; reason: string }> = [
  { kernel: tf.Conv2DBackpropFilter, reason: "missing in tfjs-backend-wasm (ours: SIMD WebAssembly)" },
  { kernel: tf.Conv2DBackpropInput, reason: "replaces the slow scalar wasm kernel (ours: SIMD WebAssembly)" },
  { kernel: tf.Sum, reason: "per-channel sums without a transpose (ours: SIMD WebAssembly); others stock" },
  { kernel: tf.Mean, reason: "as Sum" },
  { kernel: tf.FusedBatchNorm, reason: "one affine map per channel (ours: SIMD WebAssembly)" },
  { kernel: tf.Exp, reason: "4 at a time (ours: SIMD WebAssembly); the stock kernel calls the scalar exp" },
];

/** Registers (or re-registers) our training kernels for the wasm backend. Idempotent. */
export function registerWasmTrainingKernels(): void {
  const ours = [conv2dBackpropFilter, conv2dBackpropInput];
  for (const name of [tf.Sum, tf.Mean, tf.Exp, tf.FusedBatchNorm]) {
    if (!stockKernels.has(name)) {
      const stock = tf.getKernel(name, BACKEND);
      if (!stock) continue;
      stockKernels.set(name, stock);
    }
    const stock = stockKernels.get(name)!;
    ours.push(
      name === tf.Exp ? exp(stock) : name === tf.FusedBatchNorm ? batchNorm(stock) : channelReduction(stock),
    );
  }
  for (const config of ours) {
    if (tf.getKernel(config.kernelName, BACKEND) != null) tf.unregisterKernel(config.kernelName, BACKEND);
    tf.registerKernel(config);
  }
}
