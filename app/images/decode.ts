import sharp, { type Metadata, type Sharp } from "sharp";
import { FILE_LIMITS, FileCheckError, readFileChecked } from "../store/safe-read.ts";
import { MAX_PIXELS } from "../common/limits.ts";

/** File types we import; anything else is skipped with a reason. */
export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"] as const;
const FORMATS = new Set(["png", "jpeg", "tiff", "webp"]);

export { MAX_PIXELS } from "../common/limits.ts";

export const THUMBNAIL_SIZE = 256;

/**
 * How damaged an image may be and still decode: not at all where the decoder reports an error
 * (a truncated file, a TIFF strip past the end of the file, which would decode as black), but a
 * warning (a few stray bytes in a JPEG) is let through, as image viewers do.
 */
const DECODE_FAIL_ON = "error";

export interface ImageInfo {
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  format: string;
}

/** Reads the header and checks format and size; throws an Error whose message is the reason. */
export async function probe(bytes: Buffer): Promise<ImageInfo> {
  if (bytes.length === 0) throw new Error("empty file");
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new Error(`not a readable image (${shortReason(e)})`, { cause: e });
  }
  if (!meta.format || !FORMATS.has(meta.format)) {
    throw new Error(
      `unsupported format ${meta.format ?? "unknown"} (PNG, JPEG, TIFF and WebP are supported)`,
    );
  }
  if (!meta.width || !meta.height) throw new Error("image has no size");
  if (meta.width * meta.height > MAX_PIXELS) {
    throw new Error(
      `${meta.width}x${meta.height} is ${((meta.width * meta.height) / 1e6).toFixed(0)} megapixels, over the limit of ${MAX_PIXELS / 1e6}; split it into tiles first`,
    );
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const depth = !isHighDepth(meta) ? 8 : meta.depth === "ushort" || meta.depth === "short" ? 16 : 32;
  return {
    width: rotated ? meta.height : meta.width,
    height: rotated ? meta.width : meta.height,
    channels: meta.channels ?? 3,
    bitDepth: depth,
    format: meta.format,
  };
}

/**
 * Decodes fully (so truncated files fail here) and renders a WebP thumbnail. `bitDepth` (from
 * probe) saves reading the header again.
 */
export async function makeThumbnail(
  bytes: Buffer,
  bitDepth?: number,
): Promise<{ width: number; height: number; webp: Buffer }> {
  try {
    const { data, info } = await (
      await eightBitSharp(bytes, bitDepth === undefined ? undefined : bitDepth > 8)
    )
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true })
      .toColourspace("srgb")
      .webp({ quality: 80 })
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, webp: data };
  } catch (e) {
    throw new Error(`cannot decode image data (${shortReason(e)})`, { cause: e });
  }
}

export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * Decodes to 8-bit pixels, EXIF orientation applied, alpha dropped: gray images stay one
 * channel, everything else becomes sRGB. Images of more than 8 bits per sample are contrast-
 * stretched (see stretchToEightBits).
 */
export async function decodePixels(source: string | Buffer): Promise<Pixels> {
  // A path is read through the checks (a regular file, within the size limit), never handed to
  // the decoder to open: a FIFO or a device would block it.
  const file = typeof source === "string" ? await readImageFile(source) : source;
  const meta = await sharp(file, { limitInputPixels: MAX_PIXELS }).metadata();
  if (isHighDepth(meta)) return decodeHighDepth(file, meta);
  const img = sharp(file, { failOn: DECODE_FAIL_ON, limitInputPixels: MAX_PIXELS }).rotate();
  const pipeline = isGray(meta)
    ? img.removeAlpha().toColourspace("b-w")
    : img.removeAlpha().toColourspace("srgb");
  const { data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  const channels = info.channels === 1 ? 1 : 3;
  if (info.channels !== channels) throw new Error(`unexpected channel count ${info.channels}`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    channels,
  };
}

function isGray(meta: Metadata): boolean {
  return meta.space === "b-w" || meta.space === "grey16" || (meta.channels ?? 3) <= 2;
}

/** More than 8 bits per sample: 16-bit PNG or TIFF, float TIFF. */
export function isHighDepth(meta: Metadata): boolean {
  return meta.depth !== undefined && meta.depth !== "uchar" && meta.depth !== "char";
}

/**
 * Percentiles of an image's values that become 0 and 255 when a high-bit-depth image is reduced
 * to 8 bits (the per-image normalization of StarDist and CSBDeep). A 12-bit microscope image
 * stored in 16 bits holds values up to 4095, which a plain 16-to-8-bit scaling maps to 0..15: a
 * black image to the eye and to the network.
 */
export const STRETCH_PERCENTILES = { low: 1, high: 99.8 } as const;

/**
 * Maps samples linearly so that the STRETCH_PERCENTILES of all of them (every channel, one
 * mapping, so colors keep their balance) become 0 and 255, clipping beyond. A constant image
 * becomes 0. Percentiles are read from a 65,536-bin histogram between the minimum and maximum.
 */
export function stretchToEightBits(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) return out;
  const bins = 65536;
  const hist = new Uint32Array(bins);
  const toBin = (bins - 1) / (max - min);
  for (let i = 0; i < n; i++) hist[Math.round((values[i] - min) * toBin)]++;
  const binAt = (percent: number): number => {
    const target = (percent / 100) * n;
    let seen = 0;
    for (let b = 0; b < bins; b++) {
      seen += hist[b];
      if (seen >= target) return b;
    }
    return bins - 1;
  };
  const lo = min + binAt(STRETCH_PERCENTILES.low) / toBin;
  let hi = min + binAt(STRETCH_PERCENTILES.high) / toBin;
  if (!(hi > lo)) hi = max > lo ? max : lo + 1;
  const scale = 255 / (hi - lo);
  for (let i = 0; i < n; i++) {
    const v = Math.round((values[i] - lo) * scale);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

async function decodeHighDepth(file: Buffer, meta: Metadata): Promise<Pixels> {
  const gray = isGray(meta);
  let img = sharp(file, { failOn: DECODE_FAIL_ON, limitInputPixels: MAX_PIXELS }).rotate().removeAlpha();
  // Float images keep their bands (a colourspace conversion would rescale them); integer ones
  // become 16-bit gray or RGB, read as 16-bit samples (half the memory of floats: a 100-megapixel
  // RGB scan is 600 MB of them).
  const sixteen = meta.depth === "ushort" || meta.depth === "short";
  if (sixteen) img = img.toColourspace(gray ? "grey16" : "rgb16");
  const { data: raw, info } = await img
    .raw({ depth: sixteen ? meta.depth : "float" })
    .toBuffer({ resolveWithObject: true });
  const data = raw.byteOffset % 4 === 0 ? raw : new Uint8Array(raw); // typed views need alignment
  const samples =
    meta.depth === "ushort"
      ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
      : meta.depth === "short"
        ? new Int16Array(data.buffer, data.byteOffset, data.length / 2)
        : new Float32Array(data.buffer, data.byteOffset, data.length / 4);
  const channels = gray || info.channels < 3 ? 1 : 3;
  const kept = info.channels === channels ? samples : pickChannels(samples, info.channels, channels);
  return { data: stretchToEightBits(kept), width: info.width, height: info.height, channels };
}

function pickChannels(
  samples: Uint16Array | Int16Array | Float32Array,
  from: number,
  to: number,
): Float32Array {
  const n = samples.length / from;
  const out = new Float32Array(n * to);
  for (let i = 0; i < n; i++) for (let c = 0; c < to; c++) out[i * to + c] = samples[i * from + c];
  return out;
}

/**
 * A sharp pipeline of the image as the app shows and trains on it (8 bits, orientation
 * applied): as decoded for high-bit-depth images, the file itself otherwise.
 */
export async function eightBitSharp(bytes: Buffer, highDepth?: boolean): Promise<Sharp> {
  const plain = () => sharp(bytes, { failOn: DECODE_FAIL_ON, limitInputPixels: MAX_PIXELS }).rotate();
  if (highDepth === false) return plain();
  const meta = await sharp(bytes, { limitInputPixels: MAX_PIXELS }).metadata();
  if (!isHighDepth(meta)) return plain();
  const px = await decodeHighDepth(bytes, meta);
  return sharp(px.data, { raw: { width: px.width, height: px.height, channels: px.channels } });
}

export function shortReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return (
    msg
      .split("\n")[0]
      .replace(/^Input (buffer|file) /, "")
      .trim()
      // libvips says "has corrupt header:" and nothing after it
      .replace(/^has corrupt header:$/, "the header is damaged")
      .replace(/^Unknown error$/, "the data is damaged")
  );
}

/** An image file's bytes: a regular file of at most FILE_LIMITS.image, or a FileCheckError naming it. */
export function readImageFile(file: string): Promise<Buffer> {
  return readFileChecked(file, FILE_LIMITS.image, "an image file");
}

/** Why an image file could not be read, in words a person acts on. */
export function unreadableFileReason(e: unknown): string {
  if (e instanceof FileCheckError) return e.reason;
  return (e as NodeJS.ErrnoException).code === "ENOENT"
    ? "the file is missing (moved or deleted?)"
    : (e as Error).message;
}

/** An image a command left out (training, prediction): its file and a one-line reason. */
export interface SkippedImage {
  file: string;
  reason: string;
}

/** The one-line reason for an image file that cannot be decoded. */
export function unreadableReason(e: unknown): string {
  if (e instanceof FileCheckError) return e.reason;
  return `cannot read image (${(e instanceof Error ? e.message : String(e)).split("\n")[0]})`;
}

/**
 * A project image's pixels from its file, or why it has to be left out: the file cannot be read
 * (moved, deleted, damaged), or it no longer has the size it had at import (labels and
 * predictions would not line up with it).
 */
export async function readStoredImage(
  file: string,
  imported: { width: number; height: number },
): Promise<{ pixels: Pixels } | { skipped: SkippedImage }> {
  let pixels;
  try {
    pixels = await decodePixels(file);
  } catch (e) {
    return { skipped: { file, reason: unreadableReason(e) } };
  }
  const changed = sizeChangedReason(pixels, imported);
  if (changed) return { skipped: { file, reason: changed } };
  return { pixels };
}

/** Why an image's file no longer matches the size stored at import, or null when it does. */
export function sizeChangedReason(
  px: { width: number; height: number },
  row: { width: number; height: number },
): string | null {
  if (px.width === row.width && px.height === row.height) return null;
  return `image is ${px.width}x${px.height} now, ${row.width}x${row.height} when imported; put the original file back, or remove the image from the project and import the file again`;
}
