/**
 * An image's thumbnail for the grid and the start queue: the stored one, or, when there is none
 * (dropped by a migration that changed how thumbnails are drawn, e.g. format 6 for images over 8
 * bits), drawn again from the image file, stored, and returned. A file that is gone or cannot be
 * decoded is named with the reason; nothing stored changes.
 */
import type { ProjectStore } from "../store/project-store.ts";
import { makeThumbnail, readImageFile, unreadableFileReason } from "./decode.ts";

export type Thumbnail = { width: number; height: number; webp: Buffer };

export type ThumbnailResult =
  { ok: true; thumbnail: Thumbnail } | { ok: false; status: 404 | 422; message: string };

export async function thumbnailFor(store: ProjectStore, id: number): Promise<ThumbnailResult> {
  const stored = store.thumbnail(id);
  if (stored) return { ok: true, thumbnail: stored };
  const img = store.image(id);
  if (!img) return { ok: false, status: 404, message: `no image with id ${id}` };
  const file = store.absolutePath(img.path);
  let bytes: Buffer;
  try {
    bytes = await readImageFile(file);
  } catch (e) {
    return { ok: false, status: 404, message: `${file}: ${unreadableFileReason(e)}` };
  }
  let thumbnail: Thumbnail;
  try {
    thumbnail = await makeThumbnail(bytes, img.bitDepth);
  } catch (e) {
    return { ok: false, status: 422, message: `${file}: ${(e as Error).message}` };
  }
  try {
    store.putThumbnail(id, thumbnail);
  } catch {
    // A project opened read-only (or busy): serve the thumbnail now, draw it again next time.
  }
  return { ok: true, thumbnail };
}
