import sharp, { type Metadata } from "sharp";

/** File types we import; anything else is skipped with a reason. */
export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"] as const;
const FORMATS = new Set(["png", "jpeg", "tiff", "webp"]);

/** Images larger than this are refused at import: decoding them would exhaust memory. */
export const MAX_PIXELS = 100_000_000;

export const THUMBNAIL_SIZE = 256;

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
  const depth = meta.depth === "ushort" || meta.depth === "short" ? 16 : meta.depth === "float" ? 32 : 8;
  return {
    width: rotated ? meta.height : meta.width,
    height: rotated ? meta.width : meta.height,
    channels: meta.channels ?? 3,
    bitDepth: depth,
    format: meta.format,
  };
}

/** Decodes fully (so truncated files fail here) and renders a WebP thumbnail. */
export async function makeThumbnail(bytes: Buffer): Promise<{ width: number; height: number; webp: Buffer }> {
  try {
    const { data, info } = await sharp(bytes, { failOn: "truncated", limitInputPixels: MAX_PIXELS })
      .rotate()
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
 * channel, everything else becomes sRGB. 16-bit images are scaled to 8 bits.
 */
export async function decodePixels(file: string | Buffer): Promise<Pixels> {
  const img = sharp(file, { failOn: "truncated", limitInputPixels: MAX_PIXELS }).rotate();
  const meta = await sharp(file, { limitInputPixels: MAX_PIXELS }).metadata();
  const gray = meta.space === "b-w" || meta.space === "grey16" || (meta.channels ?? 3) <= 2;
  const pipeline = gray ? img.removeAlpha().toColourspace("b-w") : img.removeAlpha().toColourspace("srgb");
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

export function shortReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg
    .split("\n")[0]
    .replace(/^Input (buffer|file) /, "")
    .trim();
}

/** An image a command left out (training, prediction): its file and a one-line reason. */
export interface SkippedImage {
  file: string;
  reason: string;
}

/** The one-line reason for an image file that cannot be decoded. */
export function unreadableReason(e: unknown): string {
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
function sizeChangedReason(
  px: { width: number; height: number },
  row: { width: number; height: number },
): string | null {
  if (px.width === row.width && px.height === row.height) return null;
  return `image is ${px.width}x${px.height} now, ${row.width}x${row.height} when imported; re-import it`;
}
