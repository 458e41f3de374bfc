/**
 * Files from the browser (browser mode): images and mask folders uploaded by the file picker or
 * drag-and-drop land in a staging folder inside the open project's folder
 * (`<project>.uploads/<batch>/images`, `.../labels`), then the same import the CLI runs
 * (`images.import`, so the same answer and messages) reads them from there. The images stay in
 * that folder (the project reads them there, as it reads any imported file); the masks, read into
 * the project, and the files the import did not take (duplicates, unreadable files) are removed.
 *
 *   POST   /upload                          JSON {}  -> { batch, limits }
 *   POST   /upload/<batch>/<part>?name=N    the file's bytes (application/octet-stream); part:
 *                                           images | labels
 *   POST   /upload/<batch>/import           JSON { split, binary } -> the images.import answer
 *   DELETE /upload/<batch>                  drops the batch and its files
 *
 * Work one request can cause is bounded: a file over maxFileBytes, a batch over maxBatchBytes or
 * maxFiles is refused (413, naming the file and the limit) while it streams, and the whole batch is
 * dropped with it, so nothing of it is ever half-imported.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "../common/api-error.ts";
import type { PixelloopService } from "../api/service.ts";
import type { ImportResult } from "../common/api-types.ts";

import { sendJson } from "./files.ts";

export interface UploadLimits {
  /** bytes of one file */
  maxFileBytes: number;
  /** bytes of every file of one batch together */
  maxBatchBytes: number;
  /** files in one batch */
  maxFiles: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = {
  maxFileBytes: 512 * 1024 * 1024,
  maxBatchBytes: 8 * 1024 * 1024 * 1024,
  maxFiles: 20_000,
};

export const UPLOAD_PARTS = ["images", "labels"] as const;
export type UploadPart = (typeof UPLOAD_PARTS)[number];

interface Batch {
  id: string;
  dir: string;
  /** the project file the batch belongs to: it is imported into that project only */
  project: string;
  bytes: number;
  files: number;
  /** names taken, per part (lower case: case-insensitive file systems) */
  names: Map<UploadPart, Set<string>>;
  /** set when the batch was refused: every later request on it gets this */
  failed: string | null;
  busy: boolean;
  /** when a request last touched it (ms): a batch left idle for STALE_BATCH_MS is dropped */
  touched: number;
}

/** A batch no request touched for this long (a tab closed mid-upload) is dropped with its files. */
export const STALE_BATCH_MS = 60 * 60 * 1000;

/** An upload without an image file, as the importer says it of a folder without images. */
export function noImagesMessage(otherFiles: number): string {
  return `the upload: no images in it (PNG, JPEG, TIFF or WebP; ${otherFiles} other file${otherFiles === 1 ? "" : "s"})`;
}

/** "12.0 MB" */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/**
 * A file name from the browser made safe to write: its last path part only (a folder drop sends
 * `folder/sub/a.png`; `..`, `/` and `\` never reach the disk), without control characters or the
 * characters Windows refuses, not starting with a dot (hidden files are not imported), at most
 * 200 characters with its extension kept. Null when nothing usable is left.
 */
export function sanitizeFileName(raw: string): string | null {
  const last = raw.split(/[/\\]/).pop() ?? "";
  let name = last
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, "_")
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "")
    .normalize("NFC");
  if (!name) return null;
  if (name.length > 200) {
    const ext = path.extname(name).slice(0, 20);
    name = name.slice(0, 200 - ext.length) + ext;
  }
  // Names Windows reserves for devices.
  if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(name)) name = `_${name}`;
  return name;
}

/** The staging folder of a project's uploads: `<project name>.uploads` beside the project file. */
export function uploadsRoot(projectFile: string): string {
  const stem = path.basename(projectFile).replace(/\.[^.]+$/, "");
  return path.join(path.dirname(projectFile), `${stem}.uploads`);
}

const BATCH_ID = /^[a-z0-9]{6,16}-[a-f0-9]{8}$/;

export class Uploads {
  private readonly batches = new Map<string, Batch>();
  readonly limits: UploadLimits;

  constructor(
    private readonly service: PixelloopService,
    limits: Partial<UploadLimits> = {},
  ) {
    this.limits = { ...DEFAULT_UPLOAD_LIMITS, ...limits };
  }

  /** A new batch for the open project: its folder is made when its first file arrives. */
  begin(): { batch: string; limits: UploadLimits } {
    const store = this.service.project;
    if (!store) throw new ApiError(409, "no project is open: create or open one first");
    const now = Date.now();
    for (const b of [...this.batches.values()])
      if (!b.busy && now - b.touched > STALE_BATCH_MS) this.drop(b.id);
    const id = `${now.toString(36)}-${crypto.randomBytes(4).toString("hex")}`;
    this.batches.set(id, {
      id,
      dir: path.join(uploadsRoot(store.file), id),
      project: store.file,
      bytes: 0,
      files: 0,
      names: new Map(),
      failed: null,
      busy: false,
      touched: now,
    });
    return { batch: id, limits: this.limits };
  }

  private batch(id: string): Batch {
    const b = BATCH_ID.test(id) ? this.batches.get(id) : undefined;
    if (!b)
      throw new ApiError(404, `no upload batch ${id} (it was imported, dropped, or the server restarted)`);
    if (b.failed)
      throw new ApiError(409, `upload batch ${id} was refused: ${b.failed}; nothing of it was imported`);
    if (this.service.project?.file !== b.project)
      throw new ApiError(
        409,
        `upload batch ${id} belongs to ${b.project}, which is no longer the open project`,
      );
    b.touched = Date.now();
    return b;
  }

  /** Refuses the batch for good: its files are removed, later requests on it told why. */
  private refuse(b: Batch, reason: string): ApiError {
    b.failed = reason;
    fs.rmSync(b.dir, { recursive: true, force: true });
    return new ApiError(413, `${reason}; the upload was stopped and nothing of it was imported`);
  }

  /**
   * Streams one file of a batch to `<batch>/<part>/<name>`, counting bytes as they arrive: over
   * a limit, the file and its batch are dropped and 413 answered. The file is written as
   * `.name.part` and renamed when complete, so a broken upload never leaves a file the import reads.
   */
  async receive(
    req: IncomingMessage,
    batchId: string,
    part: string,
    rawName: string,
  ): Promise<{ file: string; bytes: number }> {
    const b = this.batch(batchId);
    if (!(UPLOAD_PARTS as readonly string[]).includes(part))
      throw new ApiError(400, `upload part "${part}": expected images or labels`);
    const name = sanitizeFileName(rawName);
    if (!name) throw new ApiError(400, `upload: ${JSON.stringify(rawName)} is not a usable file name`);
    const taken = b.names.get(part as UploadPart) ?? new Set<string>();
    b.names.set(part as UploadPart, taken);
    if (taken.has(name.toLowerCase()))
      throw new ApiError(
        409,
        `${name}: two files of this name in one upload (${part}); masks are matched to images by name, so upload them separately`,
      );
    const { maxFileBytes, maxBatchBytes, maxFiles } = this.limits;
    if (b.files + 1 > maxFiles)
      throw this.refuse(b, `${name}: over ${maxFiles.toLocaleString("en-US")} files in one upload`);
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (declared > maxFileBytes)
      throw this.refuse(
        b,
        `${name} is ${formatBytes(declared)}, over the limit of ${formatBytes(maxFileBytes)} per file`,
      );
    if (b.bytes + declared > maxBatchBytes)
      throw this.refuse(
        b,
        `${name}: the upload would be over the limit of ${formatBytes(maxBatchBytes)} in all`,
      );
    taken.add(name.toLowerCase());
    b.files++;
    const dir = path.join(b.dir, part);
    fs.mkdirSync(dir, { recursive: true });
    const final = path.join(dir, name);
    const temp = path.join(dir, `.${name}.part`);
    const out = fs.createWriteStream(temp, { flags: "wx" });
    let bytes = 0;
    b.busy = true;
    try {
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        const fail = (e: Error) => {
          if (failed) return;
          failed = true;
          req.unpipe(out);
          out.destroy();
          reject(e);
        };
        req.on("data", (c: Buffer) => {
          if (failed) return;
          bytes += c.length;
          b.bytes += c.length;
          if (bytes > maxFileBytes)
            fail(this.refuse(b, `${name} is over the limit of ${formatBytes(maxFileBytes)} per file`));
          else if (b.bytes > maxBatchBytes)
            fail(
              this.refuse(b, `${name}: the upload is over the limit of ${formatBytes(maxBatchBytes)} in all`),
            );
        });
        req.on("close", () => {
          if (!req.complete) fail(new ApiError(400, `${name}: the upload was interrupted`));
        });
        req.on("error", fail);
        out.on("error", (e) => fail(new ApiError(500, `${name}: cannot write the upload (${e.message})`)));
        out.on("finish", () => {
          if (!failed) resolve();
        });
        req.pipe(out);
      });
      fs.renameSync(temp, final);
    } catch (e) {
      fs.rmSync(temp, { force: true });
      taken.delete(name.toLowerCase());
      if (!b.failed) {
        b.files--;
        b.bytes -= bytes;
      }
      throw e;
    } finally {
      b.busy = false;
    }
    return { file: name, bytes };
  }

  /**
   * The batch's files through the import every door runs: images from `images/`, masks from
   * `labels/` when any were sent. Files the project did not take are removed afterwards, and the
   * masks (now in the project); a batch that brought nothing in is removed whole.
   */
  async import(batchId: string, body: { split?: string; binary?: boolean }): Promise<ImportResult> {
    const b = this.batch(batchId);
    if (b.busy) throw new ApiError(409, `upload batch ${batchId}: a file is still being received`);
    const images = path.join(b.dir, "images");
    const labels = path.join(b.dir, "labels");
    const hasImages = fs.existsSync(images);
    if (!hasImages) {
      const masksOnly = fs.existsSync(labels);
      this.drop(batchId);
      throw new ApiError(
        422,
        masksOnly
          ? "the upload holds masks without their images: upload the images with them (images the project has already are matched by content, not added twice)"
          : noImagesMessage(b.files),
      );
    }
    this.batches.delete(batchId);
    try {
      const result = (await this.service.call("images.import", {
        paths: [images],
        split: body.split ?? "train",
        ...(fs.existsSync(labels) ? { labels, binary: body.binary ?? false } : {}),
      })) as ImportResult;
      this.tidy(b, result);
      // Named as the person sent them, not by the staging folder on the server ("a folder with no
      // images in it (PNG, JPEG, TIFF or WebP; ...)", as the CLI says it).
      const staged = (f: string) => (f === images ? "the upload" : path.basename(f));
      return {
        ...result,
        skipped: result.skipped.map((x) => ({ ...x, file: staged(x.file) })),
        duplicates: result.duplicates.map((x) => ({ ...x, file: staged(x.file) })),
      };
    } catch (e) {
      fs.rmSync(b.dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Drops every batch not imported (the server is closing): their files are removed. */
  clear(): void {
    for (const id of [...this.batches.keys()]) this.drop(id);
  }

  /** Drops a batch: its files are removed. */
  drop(batchId: string): void {
    const b = BATCH_ID.test(batchId) ? this.batches.get(batchId) : undefined;
    if (!b) return;
    this.batches.delete(batchId);
    fs.rmSync(b.dir, { recursive: true, force: true });
  }

  /** After an import: only the images the project now reads stay. */
  private tidy(b: Batch, result: ImportResult): void {
    fs.rmSync(path.join(b.dir, "labels"), { recursive: true, force: true });
    const store = this.service.project;
    const kept = new Set<string>();
    if (store) {
      for (const id of result.importedIds) {
        const img = store.image(id);
        if (img) kept.add(path.resolve(store.absolutePath(img.path)));
      }
    }
    for (const r of result.relinked) kept.add(path.resolve(r.file));
    const dir = path.join(b.dir, "images");
    for (const f of fs.readdirSync(dir)) {
      const p = path.join(dir, f);
      if (!kept.has(path.resolve(p))) fs.rmSync(p, { recursive: true, force: true });
    }
    if (kept.size === 0) fs.rmSync(b.dir, { recursive: true, force: true });
    const root = path.dirname(b.dir);
    try {
      if (fs.readdirSync(root).length === 0) fs.rmdirSync(root);
    } catch {
      // already gone
    }
  }
}

/** Routes /upload requests (access already checked by the server). */
export async function handleUpload(
  uploads: Uploads,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const fail = (e: unknown) => {
    if (res.headersSent) return void res.destroy();
    const err = e instanceof ApiError ? e : new ApiError(500, `upload failed: ${(e as Error).message}`);
    if (!(e instanceof ApiError)) process.stderr.write(`pixelloop serve: upload: ${(e as Error).stack}\n`);
    // The rest of a refused body is read and thrown away, so the client is told why (not a reset).
    if (!req.complete) {
      res.setHeader("connection", "close");
      req.resume();
    }
    sendJson(res, err.status, { ok: false, error: { status: err.status, message: err.message } });
  };
  try {
    const parts = url.pathname.split("/").filter(Boolean); // ["upload", batch?, part?]
    const ctype = req.headers["content-type"] ?? "";
    if (parts.length === 1 && req.method === "POST") {
      if (!ctype.startsWith("application/json"))
        throw new ApiError(415, "send the request as application/json");
      req.resume();
      return sendJson(res, 200, { ok: true, result: uploads.begin() });
    }
    if (parts.length === 2 && req.method === "DELETE") {
      uploads.drop(parts[1]);
      return sendJson(res, 200, { ok: true, result: { dropped: parts[1] } });
    }
    if (parts.length === 3 && req.method === "POST" && parts[2] === "import") {
      if (!ctype.startsWith("application/json"))
        throw new ApiError(415, "send the request as application/json");
      const text = await readSmallBody(req);
      let body: { split?: string; binary?: boolean } = {};
      try {
        body = text.trim() ? JSON.parse(text) : {};
      } catch (e) {
        throw new ApiError(400, `upload import: body is not valid JSON (${(e as Error).message})`);
      }
      return sendJson(res, 200, { ok: true, result: await uploads.import(parts[1], body) });
    }
    if (parts.length === 3 && req.method === "POST") {
      // Not a type a form can send: another site's page cannot post files here without a preflight.
      if (!ctype.startsWith("application/octet-stream"))
        throw new ApiError(415, "send the file's bytes as application/octet-stream");
      const name = url.searchParams.get("name");
      if (!name) throw new ApiError(400, "upload: ?name= (the file's name) is missing");
      return sendJson(res, 200, { ok: true, result: await uploads.receive(req, parts[1], parts[2], name) });
    }
    throw new ApiError(405, `${req.method} ${url.pathname}: not an upload route`);
  } catch (e) {
    fail(e);
  }
}

/** A small JSON request's text (64 KB at most). */
export function readSmallBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      text += c;
      if (text.length > 64 * 1024) {
        reject(new ApiError(413, "request body over 64 KB"));
        req.destroy();
      }
    });
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}
