/**
 * The blobs of the predictions table's embedding columns (docs/schema.md), written by
 * app/jobs/project-prediction.ts and read by app/loop/prediction-data.ts.
 */

/**
 * The network's pixel embeddings averaged over square cells of an image (row-major cells, each
 * L2-normalized; a cell no embedding pixel fell into is all zeros).
 */
export interface EmbeddingGrid {
  cols: number;
  rows: number;
  /** cell side in original pixels (the last column / row may be cut off by the image edge) */
  cell: number;
  dim: number;
  /** cols x rows x dim values */
  values: Float32Array;
}

/** `embedding`: float32 little-endian. */
export function encodeEmbedding(values: Float32Array): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

/** Copied out, so the result is aligned. */
export function decodeEmbedding(blob: Buffer): Float32Array {
  const out = new Float32Array(Math.floor(blob.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = blob.readFloatLE(i * 4);
  return out;
}

const GRID_HEADER = 8;

/** `embedding_grid`: uint16 cols, rows, dim, cell (LE), then int8 values x 127 (unit vectors fit). */
export function encodeEmbeddingGrid(g: EmbeddingGrid): Buffer {
  const b = Buffer.alloc(GRID_HEADER + g.values.length);
  b.writeUInt16LE(g.cols, 0);
  b.writeUInt16LE(g.rows, 2);
  b.writeUInt16LE(g.dim, 4);
  b.writeUInt16LE(g.cell, 6);
  g.values.forEach((v, i) =>
    b.writeInt8(Math.max(-127, Math.min(127, Math.round(v * 127))), GRID_HEADER + i),
  );
  return b;
}

/** The grid, or null when the blob is not a whole grid (a damaged row reads as no grid). */
export function decodeEmbeddingGrid(blob: Buffer): EmbeddingGrid | null {
  if (blob.length < GRID_HEADER) return null;
  const cols = blob.readUInt16LE(0);
  const rows = blob.readUInt16LE(2);
  const dim = blob.readUInt16LE(4);
  const cell = blob.readUInt16LE(6);
  const n = cols * rows * dim;
  if (n === 0 || cell === 0 || blob.length !== GRID_HEADER + n) return null;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = blob.readInt8(GRID_HEADER + i) / 127;
  return { cols, rows, cell, dim, values };
}
