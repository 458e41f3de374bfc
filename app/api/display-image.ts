/**
 * An image's bytes as the UI shows it, for both shells (browser-mode server and the Electron app
 * protocol): PNG, JPEG and WebP as stored; other formats (TIFF) converted to PNG with EXIF
 * orientation applied, like import. A file that is gone or cannot be decoded gets a message
 * naming it and the reason, which the label screen shows instead of a blank canvas.
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import type { ProjectStore } from "../store/project-store.ts";

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

export async function displayImage(store: ProjectStore, id: number): Promise<DisplayImage> {
  const img = store.image(id);
  if (!img) return { ok: false, status: 404, message: `no image with id ${id}` };
  const file = store.absolutePath(img.path);
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "the file is missing (moved or deleted?)" : (e as Error).message;
    return { ok: false, status: 404, message: `${file}: ${reason}` };
  }
  const etag = `"${img.sha256}"`;
  const type = BROWSER_IMAGE_TYPES[path.extname(file).toLowerCase()];
  if (type) return { ok: true, contentType: type, body: bytes, etag };
  try {
    const png = await sharp(bytes, { limitInputPixels: false })
      .rotate()
      .png({ compressionLevel: 1 })
      .toBuffer();
    return { ok: true, contentType: "image/png", body: png, etag };
  } catch (e) {
    return { ok: false, status: 422, message: `${file}: cannot be decoded (${(e as Error).message})` };
  }
}
