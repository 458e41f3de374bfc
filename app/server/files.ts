/**
 * Bytes the UI needs that are not JSON: the renderer build, image files and thumbnails.
 * Images are addressed by id only (never by a path from the request), so nothing outside
 * the project's own images can be read; the renderer's files are resolved inside its folder.
 */
import fs from "node:fs";
import path from "node:path";
import type { ServerResponse } from "node:http";
import sharp from "sharp";
import type { ProjectStore } from "../store/project-store.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

/** Formats a browser shows as they are; others (TIFF) are converted to PNG on the way out. */
const BROWSER_FORMATS = new Set([".png", ".jpg", ".jpeg", ".webp"]);

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(data);
}

/** Serves a file of the renderer build; unknown paths get index.html (client-side routes). */
export function serveStatic(res: ServerResponse, root: string, urlPath: string): void {
  const indexFile = path.join(root, "index.html");
  if (!fs.existsSync(indexFile)) {
    sendText(res, 503, `the UI is not built (no ${indexFile}): run \`npm run build:renderer\` and reload`);
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    sendText(res, 400, "bad path");
    return;
  }
  const abs = path.resolve(root, "." + path.posix.normalize("/" + rel));
  const inside = path.relative(root, abs);
  if (inside.startsWith("..") || path.isAbsolute(inside)) {
    sendText(res, 403, "forbidden");
    return;
  }
  let file = abs;
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) file = indexFile;
  const ext = path.extname(file).toLowerCase();
  const hashed = inside.startsWith("assets" + path.sep);
  res.writeHead(200, {
    "content-type": TYPES[ext] ?? "application/octet-stream",
    "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
    "x-content-type-options": "nosniff",
  });
  fs.createReadStream(file).pipe(res);
}

export async function serveImage(res: ServerResponse, store: ProjectStore, id: number): Promise<void> {
  const img = store.image(id);
  if (!img) return sendText(res, 404, `no image with id ${id}`);
  const file = store.absolutePath(img.path);
  if (!fs.existsSync(file)) return sendText(res, 404, `image file is missing: ${file}`);
  const headers = {
    "cache-control": "private, max-age=3600",
    etag: `"${img.sha256}"`,
    "x-content-type-options": "nosniff",
  };
  const ext = path.extname(file).toLowerCase();
  if (BROWSER_FORMATS.has(ext)) {
    res.writeHead(200, { ...headers, "content-type": TYPES[ext] });
    fs.createReadStream(file).pipe(res);
    return;
  }
  try {
    const png = await sharp(file, { limitInputPixels: false })
      .rotate()
      .png({ compressionLevel: 1 })
      .toBuffer();
    res.writeHead(200, { ...headers, "content-type": "image/png" });
    res.end(png);
  } catch (e) {
    sendText(res, 422, `${file}: cannot be decoded (${(e as Error).message})`);
  }
}

export function serveThumbnail(res: ServerResponse, store: ProjectStore, id: number): void {
  const t = store.thumbnail(id);
  if (!t) return sendText(res, 404, `no thumbnail for image ${id}`);
  res.writeHead(200, {
    "content-type": "image/webp",
    "cache-control": "private, max-age=3600",
    "x-content-type-options": "nosniff",
  });
  res.end(t.webp);
}
