/**
 * An image's bytes as the UI shows it, for both shells (browser-mode server and the Electron app
 * protocol): 8-bit PNG, JPEG and WebP as stored; other formats (TIFF) and 16-bit PNG converted to
 * 8-bit PNG as training sees them (EXIF orientation applied, high bit depths contrast-stretched,
 * decode.ts). A file that is gone or cannot be decoded gets a message
 * naming it and the reason, which the label screen shows instead of a blank canvas.
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import type { ProjectStore } from "../store/project-store.ts";
import {
  eightBitSharp,
  isHighDepth,
  readImageFile,
  shortReason,
  unreadableFileReason,
} from "../images/decode.ts";
import { FILE_LIMITS, refusalReason } from "../store/safe-read.ts";

export type DisplayImage =
  | { ok: true; contentType: string; body: Buffer; etag: string }
  | { ok: false; status: 404 | 422; message: string };

/** Image formats a browser shows as they are, by extension. */
export const BROWSER_IMAGE_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
};

type Missing = { ok: false; status: 404; message: string };

/** The image's file, or why it cannot be read (named, with the reason). */
async function locate(
  store: ProjectStore,
  id: number,
): Promise<{ ok: true; file: string; etag: string } | Missing> {
  const img = store.image(id);
  if (!img) return { ok: false, status: 404, message: `no image with id ${id}` };
  const file = store.absolutePath(img.path);
  try {
    const st = await fs.promises.stat(file);
    const refused = refusalReason(st, FILE_LIMITS.image, "an image file");
    if (refused) return { ok: false, status: 404, message: `${file}: ${refused}` };
    return {
      ok: true,
      file,
      etag: `"${st.ino.toString(36)}-${st.size.toString(36)}-${Math.round(st.mtimeMs).toString(36)}"`,
    };
  } catch (e) {
    return { ok: false, status: 404, message: `${file}: ${unreadableFileReason(e)}` };
  }
}

/**
 * A validator of the file as it is on disk now (inode, size, modification time), without
 * reading it: the browser revalidates every image it shows, so a file deleted or replaced
 * since it was last shown is never shown from cache.
 */
export async function imageVersion(
  store: ProjectStore,
  id: number,
): Promise<{ ok: true; etag: string } | Missing> {
  const found = await locate(store, id);
  return found.ok ? { ok: true, etag: found.etag } : found;
}

export async function displayImage(store: ProjectStore, id: number): Promise<DisplayImage> {
  const found = await locate(store, id);
  if (!found.ok) return found;
  const { file, etag } = found;
  let bytes: Buffer;
  try {
    bytes = await readImageFile(file);
  } catch (e) {
    return { ok: false, status: 404, message: `${file}: ${unreadableFileReason(e)}` };
  }
  const type = BROWSER_IMAGE_TYPES[path.extname(file).toLowerCase()];
  const format = await imageFormat(bytes);
  if ("error" in format)
    // Served only while it is an image: a file replaced by something else (a text file, a key)
    // is never handed to the page.
    return { ok: false, status: 422, message: `${file}: cannot be decoded (${format.error})` };
  if (type && type === `image/${format.format}` && !format.highDepth) {
    return { ok: true, contentType: type, body: bytes, etag };
  }
  try {
    const png = await (await eightBitSharp(bytes)).png({ compressionLevel: 1 }).toBuffer();
    return { ok: true, contentType: "image/png", body: png, etag };
  } catch (e) {
    return { ok: false, status: 422, message: `${file}: cannot be decoded (${(e as Error).message})` };
  }
}

/**
 * The format the bytes are in (from the header), and whether samples have more than 8 bits
 * (browsers show a 16-bit PNG reduced to 8 bits without a stretch: a 12-bit scan looks black);
 * why not when they are not an image.
 */
async function imageFormat(
  bytes: Buffer,
): Promise<{ format: string; highDepth: boolean } | { error: string }> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    if (!meta.format) return { error: "not an image" };
    return { format: meta.format, highDepth: isHighDepth(meta) };
  } catch (e) {
    return { error: `not an image: ${shortReason(e)}` };
  }
}
