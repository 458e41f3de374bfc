/**
 * Prediction at any image size. The image is processed at its own resolution (optionally
 * rescaled by `scale`), in tiles when larger than `tileSize`; each tile is padded (reflection) to a
 * multiple of the network's input multiple, and its logits are cropped to the scaled tile; the
 * class maps are computed from them at the tile's original size (logit-maps.ts). Outputs are at
 * the original image size.
 */
import { tf } from "../engine/tf.ts";
import type { SegmentationNetwork } from "../model/network.ts";
import { rgbTensor, type RawImage } from "../model/image.ts";
import type { EmbeddingGrid } from "../../store/embedding-blobs.ts";
import { workingSize } from "../training/working-resolution.ts";
import { writeClassMaps } from "./logit-maps.ts";

export type { EmbeddingGrid };

export interface PredictOptions {
  /** Tiles are at most this many pixels on a side (in network input pixels). Default 1024. */
  tileSize?: number;
  /** Overlap between neighbouring tiles, in original pixels. Default 64. */
  overlap?: number;
  /** Resize factor applied before the network (default: the network's working resolution, inputScale). */
  scale?: number;
  /** Also return the image embedding and the embedding grid (see Prediction.embedding, embeddingGrid). */
  embedding?: boolean;
  /** Side of an embedding-grid cell in original pixels (default: ceil(shorter side / 8)). */
  gridCell?: number;
  /**
   * Also run the mirrored image and average the two logit maps (test-time flip). Twice the
   * network's work; the embeddings come from the unflipped pass.
   */
  flip?: boolean;
}

export interface Prediction {
  width: number;
  height: number;
  numClasses: number;
  /** Arg-max class per pixel, row-major. */
  classMap: Uint8Array;
  /** Softmax probability of the arg-max class. */
  confidence: Float32Array;
  /** Top-1 minus top-2 softmax probability: 0 = a tie between two classes, 1 = certain. */
  margin: Float32Array;
  /** Softmax entropy divided by log(K): 0 = certain, 1 = uniform. */
  entropy: Float32Array;
  /**
   * With options.embedding: the network's pixel embeddings (the PiXL projection head) averaged
   * over the image and L2-normalized, a unit vector of embeddingDim values. Images that look
   * alike to the network are close (suggestions' diversity can use it).
   */
  embedding?: Float32Array;
  /** With options.embedding: the pixel embeddings averaged per grid cell. */
  embeddingGrid?: EmbeddingGrid;
}

interface Span {
  /** Tile start and length in original pixels. */
  start: number;
  length: number;
  /** The part of the tile whose results are kept. */
  keepStart: number;
  keepEnd: number;
}

/** Tiles along one axis, with the kept parts meeting in the middle of each overlap. */
export function tileSpans(total: number, tile: number, overlap: number): Span[] {
  if (total <= tile) return [{ start: 0, length: total, keepStart: 0, keepEnd: total }];
  const step = Math.max(1, tile - overlap);
  const starts: number[] = [];
  for (let s = 0; s + tile < total; s += step) starts.push(s);
  starts.push(total - tile);
  return starts.map((start, i) => ({
    start,
    length: tile,
    keepStart: i === 0 ? 0 : Math.floor((starts[i - 1] + tile + start) / 2),
    keepEnd: i === starts.length - 1 ? total : Math.floor((start + tile + starts[i + 1]) / 2),
  }));
}

function padToMultiple(x: tf.Tensor4D, multiple: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const ph = Math.ceil(h / multiple) * multiple - h;
  const pw = Math.ceil(w / multiple) * multiple - w;
  if (ph === 0 && pw === 0) return x;
  const paddings: Array<[number, number]> = [
    [0, 0],
    [0, ph],
    [0, pw],
    [0, 0],
  ];
  // Reflection needs the padding to be smaller than the size; fall back to zeros on tiny inputs.
  return ph < h && pw < w ? tf.mirrorPad(x, paddings, "reflect") : tf.pad(x, paddings);
}

/**
 * Runs the network on one RGB tile [h, w, 3]; returns its logits at the network's resolution
 * ([sh, sw, K], the scaled tile; writeClassMaps resizes them to [h, w]) and, when `withEmbedding`,
 * its pixel embeddings ([eh, ew, D], at embeddingStride of the scaled tile).
 */
function tileOutputs(
  net: SegmentationNetwork,
  rgb: tf.Tensor3D,
  scale: number,
  withEmbedding: boolean,
  flip: boolean,
): { logits: tf.Tensor3D; embeddings?: tf.Tensor3D } {
  return tf.tidy(() => {
    const [h, w] = rgb.shape;
    let x = tf.expandDims(rgb, 0) as tf.Tensor4D;
    const { width: sw, height: sh } = workingSize(w, h, scale);
    if (sh !== h || sw !== w) x = tf.image.resizeBilinear(x, [sh, sw]);
    const padded = padToMultiple(x, net.inputMultiple);
    let raw: tf.Tensor4D;
    let embeddings: tf.Tensor3D | undefined;
    if (withEmbedding) {
      const out = net.forward(padded, false);
      raw = out.logits;
      const eh = Math.ceil(sh / net.embeddingStride);
      const ew = Math.ceil(sw / net.embeddingStride);
      embeddings = tf.squeeze(tf.slice(out.embeddings, [0, 0, 0, 0], [1, eh, ew, -1]), [0]) as tf.Tensor3D;
    } else {
      raw = net.logitsModel().predict(padded) as tf.Tensor4D;
    }
    if (flip) {
      // The mirrored pass sees the padding on the left; mirroring its logits back lines them up.
      const mirrored = net.logitsModel().predict(tf.reverse(padded, 2)) as tf.Tensor4D;
      raw = tf.mul(tf.add(raw, tf.reverse(mirrored, 2)), 0.5);
    }
    const logits = tf.squeeze(tf.slice(raw, [0, 0, 0, 0], [1, sh, sw, -1]), [0]) as tf.Tensor3D;
    return embeddings ? { logits, embeddings } : { logits };
  });
}

export function predict(net: SegmentationNetwork, image: RawImage, options: PredictOptions = {}): Prediction {
  const scale = options.scale ?? net.config.inputScale ?? 1;
  const overlap = options.overlap ?? 64;
  if (!(scale > 0)) throw new Error(`scale must be positive, got ${scale}`);
  const tileSize = Math.max(net.inputMultiple, Math.floor((options.tileSize ?? 1024) / scale));
  const { width, height } = image;
  const k = net.config.numClasses;
  const classMap = new Uint8Array(width * height);
  const confidence = new Float32Array(width * height);
  const entropy = new Float32Array(width * height);
  const margin = new Float32Array(width * height);
  const maps = { width, classMap, confidence, margin, entropy };
  const withEmbedding = options.embedding ?? false;
  // Sums of the embeddings whose centres fall in each tile's kept part; a sum's direction is the mean's.
  const dim = net.config.embeddingDim;
  const embedding = withEmbedding ? new Float32Array(dim) : undefined;
  const cell = Math.max(1, Math.round(options.gridCell ?? Math.ceil(Math.min(width, height) / 8)));
  const cols = Math.ceil(width / cell);
  const rows = Math.ceil(height / cell);
  const grid = withEmbedding ? new Float32Array(cols * rows * dim) : undefined;

  const rgb = rgbTensor(image);
  try {
    for (const ys of tileSpans(height, tileSize, overlap)) {
      for (const xs of tileSpans(width, tileSize, overlap)) {
        // Tensors out of tidy, read after: tidy walks whatever it returns element by element,
        // which for typed arrays of a 12-megapixel image took longer than the network.
        const outputs = tf.tidy(() => {
          const tile = tf.slice(rgb, [ys.start, xs.start, 0], [ys.length, xs.length, 3]);
          return tileOutputs(net, tile, scale, withEmbedding, options.flip ?? false);
        });
        const { logits, embeddings } = outputs;
        const [sh, sw] = logits.shape;
        const tileLogits = { values: logits.dataSync() as Float32Array, width: sw, height: sh, classes: k };
        const e = embeddings?.dataSync();
        tf.dispose([logits, ...(embeddings ? [embeddings] : [])]);
        if (embedding && grid && embeddings && e) {
          const [eh, ew] = embeddings.shape;
          // embedding pixel -> original pixel of its centre
          const fy = ys.length / sh;
          const fx = xs.length / sw;
          for (let ey = 0; ey < eh; ey++) {
            const oy = ys.start + Math.floor((ey + 0.5) * net.embeddingStride * fy);
            if (oy < ys.keepStart || oy >= ys.keepEnd) continue;
            for (let ex = 0; ex < ew; ex++) {
              const ox = xs.start + Math.floor((ex + 0.5) * net.embeddingStride * fx);
              if (ox < xs.keepStart || ox >= xs.keepEnd) continue;
              const src = (ey * ew + ex) * dim;
              const dst = (Math.floor(oy / cell) * cols + Math.floor(ox / cell)) * dim;
              for (let d = 0; d < dim; d++) {
                embedding[d] += e[src + d];
                grid[dst + d] += e[src + d];
              }
            }
          }
        }
        const region = {
          x0: xs.keepStart - xs.start,
          x1: xs.keepEnd - xs.start,
          y0: ys.keepStart - ys.start,
          y1: ys.keepEnd - ys.start,
        };
        writeClassMaps(tileLogits, xs.length, ys.length, region, maps, xs.keepStart, ys.keepStart);
      }
    }
  } finally {
    rgb.dispose();
  }
  if (embedding && grid) {
    normalize(embedding);
    for (let c = 0; c < cols * rows; c++) normalize(grid.subarray(c * dim, (c + 1) * dim));
    const embeddingGrid = { cols, rows, cell, dim, values: grid };
    return { width, height, numClasses: k, classMap, confidence, margin, entropy, embedding, embeddingGrid };
  }
  return { width, height, numClasses: k, classMap, confidence, margin, entropy };
}

/** In place to unit length; an all-zero vector stays zero. */
function normalize(v: Float32Array): void {
  let norm = 0;
  for (const x of v) norm += x * x;
  if (norm === 0) return;
  norm = Math.sqrt(norm);
  for (let d = 0; d < v.length; d++) v[d] /= norm;
}
