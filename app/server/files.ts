/**
 * Bytes the UI needs that are not JSON: the renderer build, image files and thumbnails.
 * Images are addressed by id only (never by a path from the request), so nothing outside
 * the project's own images can be read; the renderer's files are resolved inside its folder.
 */
import fs from "node:fs";
import path from "node:path";
import type { ServerResponse } from "node:http";
import type { ProjectStore } from "../store/project-store.ts";
import { BROWSER_IMAGE_TYPES, displayImage, imageVersion } from "../api/display-image.ts";
import { thumbnailFor } from "../images/thumbnails.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ...BROWSER_IMAGE_TYPES,
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(data);
}

/**
 * A regular file at `abs` whose real path (symlinks resolved) lies inside `realRoot`: its real
 * path; "outside" when a symlink leads out of the folder; null when there is no such file.
 */
function fileInside(abs: string, realRoot: string): string | "outside" | null {
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch {
    return null;
  }
  const rel = path.relative(realRoot, real);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return "outside";
  try {
    return fs.statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

/**
 * Serves a file of the renderer build; unknown paths get index.html (client-side routes). Only
 * regular files whose real path lies inside the folder: a symlink out of it is refused.
 */
export function serveStatic(res: ServerResponse, root: string, urlPath: string): void {
  const indexFile = path.join(root, "index.html");
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    realRoot = "";
  }
  const index = realRoot ? fileInside(indexFile, realRoot) : null;
  if (index === null) {
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
  if (rel.includes("\0")) {
    sendText(res, 400, "bad path");
    return;
  }
  const abs = path.resolve(root, "." + path.posix.normalize("/" + rel));
  const inside = path.relative(root, abs);
  if (inside.startsWith("..") || path.isAbsolute(inside)) {
    sendText(res, 403, "forbidden");
    return;
  }
  const found = fileInside(abs, realRoot);
  if (found === "outside" || index === "outside") {
    sendText(res, 403, "forbidden: the path leads out of the UI folder (symlink)");
    return;
  }
  const file = found ?? index;
  const ext = path.extname(file).toLowerCase();
  const hashed = found !== null && inside.startsWith("assets" + path.sep);
  const stream = fs.createReadStream(file);
  stream.on("error", (e) => {
    if (!res.headersSent) sendText(res, 500, `${file}: ${e.message}`);
    else res.destroy();
  });
  stream.once("open", () => {
    res.writeHead(200, {
      "content-type": TYPES[ext] ?? "application/octet-stream",
      "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
    });
    stream.pipe(res);
  });
}

/**
 * An image file, revalidated on every use ("no-cache" + an ETag of the file as it is on disk):
 * unchanged files cost a 304 without reading them, and a file deleted or replaced since the
 * browser last showed it is reported (or shown anew) instead of being shown from cache.
 */
export async function serveImage(
  res: ServerResponse,
  store: ProjectStore,
  id: number,
  ifNoneMatch: string | undefined,
): Promise<void> {
  if (ifNoneMatch) {
    const now = await imageVersion(store, id);
    if (!now.ok) return sendText(res, now.status, now.message);
    if (ifNoneMatch === now.etag) {
      res.writeHead(304, { "cache-control": "private, no-cache", etag: now.etag });
      return void res.end();
    }
  }
  const img = await displayImage(store, id);
  if (!img.ok) return sendText(res, img.status, img.message);
  res.writeHead(200, {
    "content-type": img.contentType,
    "cache-control": "private, no-cache",
    etag: img.etag,
    "x-content-type-options": "nosniff",
  });
  res.end(img.body);
}

export async function serveThumbnail(res: ServerResponse, store: ProjectStore, id: number): Promise<void> {
  const t = await thumbnailFor(store, id);
  if (!t.ok) return sendText(res, t.status, t.message);
  res.writeHead(200, {
    "content-type": "image/webp",
    "cache-control": "private, max-age=3600",
    "x-content-type-options": "nosniff",
  });
  res.end(t.thumbnail.webp);
}
