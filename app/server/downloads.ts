/**
 * Exports as a .zip download (browser mode): the export runs as the API's export.* does (the
 * same operation and answer), into a folder of its own inside the open project's folder
 * (`<project>.downloads/<id>`), and the browser then fetches that folder as a zip that is
 * streamed from the files (yazl: one entry at a time, read from disk as the socket takes it, with
 * ZIP64 past 4 GB; never built in memory). The folder is removed once the zip was sent.
 *
 *   POST /download              JSON { method: export.masks | export.dataset | export.model,
 *                               request: its request without outDir } -> { id, name, result }
 *   GET  /download/<id>.zip     the zip (Content-Disposition: attachment)
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import yazl from "yazl";
import { ApiError } from "../common/api-error.ts";
import type { PixelloopService } from "../api/service.ts";
import { sendJson } from "./files.ts";
import { readSmallBody } from "./uploads.ts";

export const EXPORT_METHODS = ["export.masks", "export.dataset", "export.model"] as const;
type ExportMethod = (typeof EXPORT_METHODS)[number];

interface Prepared {
  dir: string;
  /** when it was made (ms): one not fetched within STALE_DOWNLOAD_MS is removed */
  at: number;
  /** the zip's file name, also its top folder */
  name: string;
}

/** `<project name>.downloads` beside the project file. */
export function downloadsRoot(projectFile: string): string {
  const stem = path.basename(projectFile).replace(/\.[^.]+$/, "");
  return path.join(path.dirname(projectFile), `${stem}.downloads`);
}

/** Every file under `dir`, sorted, as paths relative to it (forward slashes). */
function filesUnder(dir: string, rel = ""): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/** Writes a zip of every file under `dir` (entries under `top/`) to `res`, streaming each file. */
export function streamZip(dir: string, top: string, res: NodeJS.WritableStream): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const rel of filesUnder(dir)) {
    // Masks and images are compressed already: stored, not deflated again (fast, same size).
    const stored = /\.(png|jpe?g|webp|tiff?|bin)$/i.test(rel);
    zip.addFile(path.join(dir, rel), `${top}/${rel}`, { compress: !stored });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    zip.outputStream.on("error", reject);
    res.on("error", reject);
    res.on("finish", () => resolve());
    zip.outputStream.pipe(res);
  });
}

/** A prepared export not fetched for this long is removed (the next stage checks). */
export const STALE_DOWNLOAD_MS = 60 * 60 * 1000;

export class Downloads {
  private readonly prepared = new Map<string, Prepared>();

  constructor(private readonly service: PixelloopService) {}

  /** Runs the export into a folder of its own; the answer names the zip to fetch. */
  async stage(body: unknown): Promise<{ id: string; name: string; result: unknown }> {
    const store = this.service.project;
    if (!store) throw new ApiError(409, "no project is open: create or open one first");
    for (const [id, p] of [...this.prepared])
      if (Date.now() - p.at > STALE_DOWNLOAD_MS) {
        this.prepared.delete(id);
        this.remove(p.dir);
      }
    const b = (body ?? {}) as { method?: unknown; request?: unknown };
    if (!(EXPORT_METHODS as readonly unknown[]).includes(b.method))
      throw new ApiError(400, `download: method: expected one of ${EXPORT_METHODS.join(", ")}`);
    const method = b.method as ExportMethod;
    const request = (b.request ?? {}) as Record<string, unknown>;
    if (typeof request !== "object" || Array.isArray(request) || "outDir" in request)
      throw new ApiError(
        400,
        "download: request: the export's options, without outDir (the server picks it)",
      );
    const id = crypto.randomBytes(8).toString("hex");
    const dir = path.join(downloadsRoot(store.file), id);
    const stem = path.basename(store.file).replace(/\.[^.]+$/, "");
    const kind =
      method === "export.masks"
        ? `masks-${String(request.format ?? "index")}`
        : method === "export.dataset"
          ? "dataset"
          : "model";
    const name = `${stem}-${kind}`.replace(/[^A-Za-z0-9._-]+/g, "-");
    try {
      const result = await this.service.call(method, { ...request, outDir: dir });
      if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true });
      this.prepared.set(id, { dir, name, at: Date.now() });
      return { id, name: `${name}.zip`, result };
    } catch (e) {
      this.remove(dir);
      throw e;
    }
  }

  /** Streams a prepared export as a zip, then removes its folder. */
  async send(res: ServerResponse, id: string): Promise<void> {
    const p = /^[a-f0-9]{16}$/.test(id) ? this.prepared.get(id) : undefined;
    if (!p)
      throw new ApiError(
        404,
        `no prepared download ${id}: it was downloaded already, or the server restarted; export again`,
      );
    this.prepared.delete(id);
    res.writeHead(200, {
      "content-type": "application/zip",
      "content-disposition": `attachment; filename="${p.name}.zip"`,
      "cache-control": "no-store",
    });
    try {
      await streamZip(p.dir, p.name, res);
    } finally {
      this.remove(p.dir);
    }
  }

  /** Drops prepared downloads not fetched (the server is closing). */
  clear(): void {
    for (const p of this.prepared.values()) this.remove(p.dir);
    this.prepared.clear();
  }

  private remove(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
    const root = path.dirname(dir);
    try {
      if (fs.readdirSync(root).length === 0) fs.rmdirSync(root);
    } catch {
      // already gone
    }
  }
}

/** Routes /download requests (access already checked by the server). */
export async function handleDownload(
  downloads: Downloads,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  try {
    const zip = url.pathname.match(/^\/download\/([^/]+)\.zip$/);
    if (zip && (req.method === "GET" || req.method === "HEAD")) return await downloads.send(res, zip[1]);
    if (url.pathname === "/download" && req.method === "POST") {
      if (!(req.headers["content-type"] ?? "").startsWith("application/json"))
        throw new ApiError(415, "send the request as application/json");
      const text = await readSmallBody(req);
      let body: unknown;
      try {
        body = text.trim() ? JSON.parse(text) : {};
      } catch (e) {
        throw new ApiError(400, `download: body is not valid JSON (${(e as Error).message})`);
      }
      return sendJson(res, 200, { ok: true, result: await downloads.stage(body) });
    }
    throw new ApiError(405, `${req.method} ${url.pathname}: not a download route`);
  } catch (e) {
    if (res.headersSent) return void res.destroy();
    const err = e instanceof ApiError ? e : new ApiError(500, `download failed: ${(e as Error).message}`);
    if (!(e instanceof ApiError)) process.stderr.write(`pixelloop serve: download: ${(e as Error).stack}\n`);
    sendJson(res, err.status, { ok: false, error: { status: err.status, message: err.message } });
  }
}
