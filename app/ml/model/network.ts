/**
 * The segmentation network: a small U-Net-style encoder-decoder with batch norm, built from
 * stock tfjs-layers layers so the logits part can be exported as a TensorFlow.js layers model.
 *
 * Input: float32 [B, H, W, 3], RGB values 0..255 (gray images are replicated to 3 channels by
 * the caller, alpha dropped). The model normalizes inside (x / 127.5 - 1, a Rescaling layer), so
 * an exported model takes raw pixel values. H and W must be multiples of `inputMultiple`
 * (2^stages); predict.ts pads.
 *
 * Outputs:
 *  - logits      [B, H, W, K]            class scores at full input resolution
 *  - embeddings  [B, H/2, W/2, D]        L2-normalized pixel embeddings from a projection head
 *                                        (stride `embeddingStride`), for PiXL prototypes.
 *                                        Dropped by logitsModel() for export; training asks
 *                                        for the cells it needs (forwardEmbeddingGrid).
 *
 * Layout (widths w0..w3, default 16/32/64/128):
 *   encoder stage i: conv3x3 stride 2 -> BN -> ReLU, conv3x3 -> BN -> ReLU   (1/2 ... 1/16)
 *   bottleneck: one more conv3x3 at 1/16
 *   decoder i = 2..0: conv1x1 to w_i, bilinear x2, add encoder skip i, conv3x3 -> BN -> ReLU
 *   head: conv1x1 -> K at 1/2, bilinear x2 -> logits; projection: conv1x1 -> ReLU -> conv1x1 -> L2.
 *
 * Options (off unless the config says so; a stored model's config says what it was built with):
 *   context:        global context at the bottleneck: the image's mean feature, through a dense
 *                   layer and ReLU, added at every position (ParseNet / DeepLab image pooling).
 *   residual:       identity shortcuts: each encoder stage's second convolution, the bottleneck
 *                   and each decoder convolution add their input before the ReLU
 *                   (relu(bn(conv(x)) + x), as in ResNet's basic block). No extra weights.
 *   fullResolution: a head at the input resolution: a conv3x3 stem on the input (FULL_WIDTH
 *                   channels), the decoder's 1/2 features projected and upsampled onto it, one
 *                   conv3x3 -> BN -> ReLU, then conv1x1 -> K, so structures 1-3 px wide are not
 *                   blurred by the x2 upsampling of the logits.
 *   embeddingLevels: 2 gives the projection head the decoder's last two levels (16 + 32 channels
 *                   by default, the coarser one upsampled x2), not the 16 channels the classifier
 *                   reads alone: PiXL's prototypes get features of their own to shape.
 */
import { gatherRows } from "../engine/gather-rows.ts";
import { tf, tfl } from "../engine/tf.ts";

/** The projection head's layers (see buildModel), from its input to the embeddings. */
const PROJECTION_LAYERS = ["proj_hidden", "proj_relu", "proj_out", "embeddings"];

export interface NetworkConfig {
  numClasses: number;
  /** Channel width of each encoder stage; the number of entries is the number of stages. */
  widths: number[];
  /** Dimension of the pixel embeddings. */
  embeddingDim: number;
  /** Hidden width of the projection head. */
  projectionHidden: number;
  /**
   * Working resolution: images are resized by this factor before the network, in training and
   * prediction (outputs are resized back). 1 (or absent) = native resolution. Chosen per project
   * by training (see project-training.ts `scale`); stored with the weights and the export.
   */
  inputScale?: number;
  /** Global-context branch at the bottleneck (see the module comment). */
  context?: boolean;
  /** Classifier head at the input resolution (see the module comment). */
  fullResolution?: boolean;
  /** Identity shortcuts around the same-width convolutions (see the module comment). */
  residual?: boolean;
  /**
   * Decoder levels the projection head reads (see the module comment): 1 (or absent) the last
   * one only; 2 also the one before it, upsampled and concatenated (a hypercolumn).
   */
  embeddingLevels?: 1 | 2;
}

/** Channels of the full-resolution head. */
export const FULL_WIDTH = 8;

export const DEFAULT_NETWORK_CONFIG: Omit<NetworkConfig, "numClasses"> = {
  widths: [16, 32, 64, 128],
  embeddingDim: 32,
  projectionHidden: 32,
};

export interface NetworkOutputs {
  logits: tf.Tensor4D;
  /** absent when the network ran without its projection head (forwardLogits) */
  embeddings?: tf.Tensor4D;
  /** The projection head run only where asked (forwardEmbeddingGrid). */
  grid?: EmbeddingGrid;
}

/**
 * The pixel embeddings of a batch, computed per request: the projection head is a pointwise
 * (1x1) stack, so the embedding of a grid cell is the head applied to that cell's decoder
 * features alone, and a term that reads a few thousand cells pays for those only.
 */
export interface EmbeddingGrid {
  /** [B, h, w]: the grid, at 1/embeddingStride of the input */
  shape: [number, number, number];
  /** L2-normalized embeddings [n, D] of cells `rows` (flat: (b * h + y) * w + x); differentiable. */
  rows(rows: readonly number[]): tf.Tensor2D;
}

interface ConvRecord {
  kernel: number;
  inChannels: number;
  outChannels: number;
  /** Output resolution divisor relative to the network input. */
  outStride: number;
}

/** x / ||x||_2 over the channel axis. No weights. */
class L2Normalize extends tfl.layers.Layer {
  static readonly className = "PixelloopL2Normalize";
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-12))));
  }
}
tf.serialization.registerClass(L2Normalize);

export class SegmentationNetwork {
  readonly config: NetworkConfig;
  /** Two outputs: [logits, embeddings]. */
  readonly model: tfl.LayersModel;
  /** Spatial sizes must be multiples of this. */
  readonly inputMultiple: number;
  /** Embeddings are at 1/embeddingStride of the input resolution. */
  readonly embeddingStride = 2;
  private readonly convs: ConvRecord[];
  private readonly projectionInput: tfl.SymbolicTensor;
  private logitsOnly: tfl.LayersModel | undefined;
  private withFeatures: tfl.LayersModel | undefined;

  /** `seed` makes the initial weights the same on every run (else they are random). */
  constructor(config: NetworkConfig, init: { seed?: number } = {}) {
    validateConfig(config);
    this.config = { ...config, widths: [...config.widths] };
    this.inputMultiple = 2 ** config.widths.length;
    const built = buildModel(this.config, init.seed);
    this.model = built.model;
    this.convs = built.convs;
    this.projectionInput = built.projectionInput;
  }

  /** Runs the network. `training` uses batch statistics and updates the BN moving averages. */
  forward(images: tf.Tensor4D, training: boolean): { logits: tf.Tensor4D; embeddings: tf.Tensor4D } {
    const [logits, embeddings] = this.model.apply(images, { training }) as tf.Tensor4D[];
    return { logits, embeddings };
  }

  /** Logits only: skips the projection head (~6% of the forward FLOPs) when no term reads embeddings. */
  forwardLogits(images: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return this.logitsModel().apply(images, { training }) as tf.Tensor4D;
  }

  /**
   * Logits, and the embeddings as an EmbeddingGrid: the projection head runs only on the cells a
   * term asks for (PiXL: its sampled drift blocks and the labeled blocks of its prototypes).
   */
  forwardEmbeddingGrid(images: tf.Tensor4D, training: boolean): { logits: tf.Tensor4D; grid: EmbeddingGrid } {
    this.withFeatures ??= tfl.model({
      inputs: this.model.inputs,
      outputs: [this.model.outputs[0], this.projectionInput],
      name: "pixelloop_segmenter_features",
    });
    const [logits, features] = this.withFeatures.apply(images, { training }) as tf.Tensor4D[];
    const [b, h, w, c] = features.shape;
    const flat = tf.reshape(features, [b * h * w, c]) as tf.Tensor2D;
    return { logits, grid: { shape: [b, h, w], rows: (rows) => this.project(gatherRows(flat, rows)) } };
  }

  /** The projection head on rows of its input features: [n, C] -> [n, D], L2-normalized. */
  private project(features: tf.Tensor2D): tf.Tensor2D {
    const [n, c] = features.shape;
    let y = tf.reshape(features, [1, n, 1, c]) as tf.Tensor;
    for (const name of PROJECTION_LAYERS) y = this.model.getLayer(name).apply(y) as tf.Tensor;
    return tf.reshape(y, [n, this.config.embeddingDim]) as tf.Tensor2D;
  }

  /**
   * A model sharing these weights with only the logits output, i.e. without the projection head
   * (for export and prediction). Stock layers only, so `model.save(...)` gives a layers-model
   * folder plain @tensorflow/tfjs can load. Do not dispose it separately.
   */
  logitsModel(): tfl.LayersModel {
    this.logitsOnly ??= tfl.model({
      inputs: this.model.inputs,
      outputs: this.model.outputs[0],
      name: "pixelloop_segmenter",
    });
    return this.logitsOnly;
  }

  /** FLOPs of one forward pass at this input size (2 per multiply-add, convolutions only). */
  forwardFlops(height: number, width: number): number {
    let flops = 0;
    for (const c of this.convs) {
      const pixels = Math.ceil(height / c.outStride) * Math.ceil(width / c.outStride);
      flops += 2 * pixels * c.kernel * c.kernel * c.inChannels * c.outChannels;
    }
    return flops;
  }

  parameterCount(): number {
    return this.model.countParams();
  }

  dispose(): void {
    this.model.dispose();
  }
}

export function createNetwork(
  config: Partial<NetworkConfig> & { numClasses: number },
  init: { seed?: number } = {},
): SegmentationNetwork {
  return new SegmentationNetwork({ ...DEFAULT_NETWORK_CONFIG, ...config }, init);
}

function validateConfig(config: NetworkConfig): void {
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!positiveInt(config.numClasses) || config.numClasses > 255) {
    throw new Error(
      `numClasses must be an integer in 1..255 (255 marks unlabeled pixels), got ${config.numClasses}`,
    );
  }
  if (config.widths.length < 2 || !config.widths.every(positiveInt)) {
    throw new Error(`widths must list at least 2 positive integers, got [${config.widths.join(", ")}]`);
  }
  if (config.inputScale !== undefined && !(config.inputScale > 0 && config.inputScale <= 4)) {
    throw new Error(`inputScale must be in (0, 4], got ${config.inputScale}`);
  }
  for (const key of ["context", "fullResolution", "residual"] as const)
    if (config[key] !== undefined && typeof config[key] !== "boolean")
      throw new Error(`${key} must be true or false, got ${String(config[key])}`);
  if (config.embeddingLevels !== undefined && config.embeddingLevels !== 1 && config.embeddingLevels !== 2)
    throw new Error(`embeddingLevels must be 1 or 2, got ${String(config.embeddingLevels)}`);
  if (!positiveInt(config.embeddingDim) || !positiveInt(config.projectionHidden)) {
    throw new Error("embeddingDim and projectionHidden must be positive integers");
  }
}

function buildModel(
  config: NetworkConfig,
  seed?: number,
): { model: tfl.LayersModel; convs: ConvRecord[]; projectionInput: tfl.SymbolicTensor } {
  const convs: ConvRecord[] = [];
  const channelsOf = (t: tfl.SymbolicTensor) => t.shape[3] as number;

  const conv = (
    x: tfl.SymbolicTensor,
    name: string,
    filters: number,
    kernel: number,
    stride: number,
    inStride: number,
    useBias: boolean,
  ): tfl.SymbolicTensor => {
    convs.push({ kernel, inChannels: channelsOf(x), outChannels: filters, outStride: inStride * stride });
    return tfl.layers
      .conv2d({
        name,
        filters,
        kernelSize: kernel,
        strides: stride,
        padding: "same",
        useBias,
        // One seed per convolution, derived from the network's (He-normal either way).
        kernelInitializer:
          seed === undefined ? "heNormal" : tfl.initializers.heNormal({ seed: seed * 1009 + convs.length }),
      })
      .apply(x) as tfl.SymbolicTensor;
  };
  const convBnRelu = (
    x: tfl.SymbolicTensor,
    name: string,
    filters: number,
    stride: number,
    inStride: number,
  ) => {
    let y = conv(x, `${name}_conv`, filters, 3, stride, inStride, false);
    y = tfl.layers
      .batchNormalization({ name: `${name}_bn`, momentum: 0.9, epsilon: 1e-3 })
      .apply(y) as tfl.SymbolicTensor;
    return tfl.layers.reLU({ name: `${name}_relu` }).apply(y) as tfl.SymbolicTensor;
  };
  /** convBnRelu at the input's width, with the input added before the ReLU when `residual`. */
  const sameWidth = (x: tfl.SymbolicTensor, name: string, inStride: number) => {
    if (!config.residual) return convBnRelu(x, name, channelsOf(x), 1, inStride);
    let y = conv(x, `${name}_conv`, channelsOf(x), 3, 1, inStride, false);
    y = tfl.layers
      .batchNormalization({ name: `${name}_bn`, momentum: 0.9, epsilon: 1e-3 })
      .apply(y) as tfl.SymbolicTensor;
    y = tfl.layers.add({ name: `${name}_shortcut` }).apply([y, x]) as tfl.SymbolicTensor;
    return tfl.layers.reLU({ name: `${name}_relu` }).apply(y) as tfl.SymbolicTensor;
  };
  const upsample = (x: tfl.SymbolicTensor, name: string) =>
    tfl.layers.upSampling2d({ name, size: [2, 2], interpolation: "bilinear" }).apply(x) as tfl.SymbolicTensor;

  const input = tfl.input({ shape: [null, null, 3], name: "image", dtype: "float32" });
  let x = tfl.layers
    .rescaling({ name: "normalize", scale: 1 / 127.5, offset: -1 })
    .apply(input) as tfl.SymbolicTensor;
  const stem = config.fullResolution ? convBnRelu(x, "full_stem", FULL_WIDTH, 1, 1) : undefined;

  const skips: tfl.SymbolicTensor[] = [];
  let stride = 1;
  config.widths.forEach((w, i) => {
    x = convBnRelu(x, `enc${i}a`, w, 2, stride);
    stride *= 2;
    x = sameWidth(x, `enc${i}b`, stride);
    skips.push(x);
  });
  const last = config.widths.length - 1;
  x = sameWidth(x, "bottleneck", stride);
  if (config.context) {
    const c = config.widths[last];
    let g = tfl.layers.globalAveragePooling2d({ name: "context_pool" }).apply(x) as tfl.SymbolicTensor;
    g = tfl.layers
      .dense({
        name: "context_fc",
        units: c,
        activation: "relu",
        kernelInitializer:
          seed === undefined ? "heNormal" : tfl.initializers.heNormal({ seed: seed * 1009 + 997 }),
      })
      .apply(g) as tfl.SymbolicTensor;
    g = tfl.layers
      .reshape({ name: "context_reshape", targetShape: [1, 1, c] })
      .apply(g) as tfl.SymbolicTensor;
    x = tfl.layers.add({ name: "context_add" }).apply([x, g]) as tfl.SymbolicTensor;
  }

  let previousLevel = x;
  for (let i = last - 1; i >= 0; i--) {
    const w = config.widths[i];
    previousLevel = x;
    x = conv(x, `dec${i}_proj`, w, 1, 1, stride, true);
    x = upsample(x, `dec${i}_up`);
    stride /= 2;
    x = tfl.layers.add({ name: `dec${i}_add` }).apply([x, skips[i]]) as tfl.SymbolicTensor;
    x = sameWidth(x, `dec${i}`, stride);
  }

  let logits: tfl.SymbolicTensor;
  if (stem) {
    let f = conv(x, "full_proj", FULL_WIDTH, 1, 1, stride, true);
    f = upsample(f, "full_up");
    f = tfl.layers.add({ name: "full_add" }).apply([f, stem]) as tfl.SymbolicTensor;
    f = convBnRelu(f, "full", FULL_WIDTH, 1, 1);
    logits = conv(f, "logits", config.numClasses, 1, 1, 1, true);
  } else {
    logits = conv(x, "head_logits", config.numClasses, 1, 1, stride, true);
    logits = upsample(logits, "logits");
  }

  const embeddingInput =
    config.embeddingLevels === 2
      ? (tfl.layers
          .concatenate({ name: "proj_levels" })
          .apply([x, upsample(previousLevel, "proj_up")]) as tfl.SymbolicTensor)
      : x;
  // PROJECTION_LAYERS, in order: forwardEmbeddingGrid applies them to rows of embeddingInput.
  let emb = conv(embeddingInput, "proj_hidden", config.projectionHidden, 1, 1, stride, true);
  emb = tfl.layers.reLU({ name: "proj_relu" }).apply(emb) as tfl.SymbolicTensor;
  emb = conv(emb, "proj_out", config.embeddingDim, 1, 1, stride, true);
  emb = new L2Normalize({ name: "embeddings" }).apply(emb) as tfl.SymbolicTensor;

  const model = tfl.model({ inputs: input, outputs: [logits, emb], name: "pixelloop_segmenter_train" });
  return { model, convs, projectionInput: embeddingInput };
}
