import { FILE_LIMITS, FileCheckError, readFileSyncChecked } from "../store/safe-read.ts";
import { MAX_PIXELS } from "../common/limits.ts";
import { decode, encode } from "fast-png";

/**
 * Reads a PNG whose pixel values are class indices: 8-bit (or 16-bit) gray, or indexed color
 * (palette indices are the class indices, as in Pascal VOC). Returns one value per pixel.
 */
export function readIndexPng(file: string): {
  width: number;
  height: number;
  values: Uint16Array | Uint8Array;
} {
  let bytes: Buffer;
  try {
    bytes = readFileSyncChecked(file, FILE_LIMITS.mask, "a mask file");
  } catch (e) {
    throw new Error(
      `${file}: cannot read (${e instanceof FileCheckError ? e.reason : (e as Error).message})`,
      {
        cause: e,
      },
    );
  }
  if (bytes.length === 0) throw new Error(`${file}: empty file`);
  // The size in the header, checked before the decoder allocates for it.
  if (bytes.length >= 24 && bytes.toString("latin1", 12, 16) === "IHDR") {
    const w = bytes.readUInt32BE(16);
    const h = bytes.readUInt32BE(20);
    if (w * h > MAX_PIXELS)
      throw new Error(`${file}: ${w}x${h} is over the limit of ${MAX_PIXELS / 1e6} megapixels`);
  }
  let png;
  try {
    png = decode(bytes);
  } catch (e) {
    // fast-png's own words for a short or damaged file ("Offset is outside the bounds of the
    // DataView", "Unsupported filter: undefined") say little: say what they mean first.
    const m = (e as Error).message;
    const plain = /signature/i.test(m)
      ? "it does not start with the PNG signature: not a PNG file"
      : /Invalid|Unsupported|bounds|decompress|zlib|end of/i.test(m)
        ? `the file is cut short or damaged: ${m}`
        : m;
    throw new Error(`${file}: not a readable PNG (${plain})`, { cause: e });
  }
  const { width, height, channels, depth } = png;
  const n = width * height;
  if (png.palette) {
    return { width, height, values: unpackBits(png.data as Uint8Array, width, height, depth) };
  }
  if (channels === 1 || channels === 2) {
    const data = depth < 8 ? unpackBits(png.data as Uint8Array, width, height, depth) : png.data;
    if (channels === 1) return { width, height, values: data as Uint8Array | Uint16Array };
    const out = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = data[i * 2];
    return { width, height, values: out };
  }
  // RGB(A) whose channels are all equal is a gray mask saved as color: accept it.
  const out = depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = png.data[i * channels];
    if (png.data[i * channels + 1] !== r || png.data[i * channels + 2] !== r) {
      throw new Error(
        `${file}: a color PNG, not a class-index mask (pixel ${i % width},${Math.floor(i / width)} is not gray); use --format color with a color map`,
      );
    }
    out[i] = r;
  }
  return { width, height, values: out };
}

function unpackBits(data: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  if (depth === 8) return data;
  const out = new Uint8Array(width * height);
  const perByte = 8 / depth;
  const rowBytes = Math.ceil(width / perByte);
  const maskBits = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = data[y * rowBytes + Math.floor(x / perByte)];
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * width + x] = (byte >> shift) & maskBits;
    }
  }
  return out;
}

/** Writes an 8-bit gray PNG: one class index per pixel (255 = unlabeled). */
export function encodeIndexPng(values: Uint8Array, width: number, height: number): Uint8Array {
  return encode({ width, height, data: values, channels: 1, depth: 8 });
}

/** Values 0..1 as bytes 0..255 (clamped), for an 8-bit gray PNG of a probability map. */
export function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
  return out;
}

/** Writes an 8-bit RGB(A) PNG. */
export function encodeRgbPng(data: Uint8Array, width: number, height: number, channels: 3 | 4): Uint8Array {
  return encode({ width, height, data, channels, depth: 8 });
}
