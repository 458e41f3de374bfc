import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { unzipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ImportResult, ProjectInfo } from "../common/api-types.ts";
import type { PixelloopService } from "../api/service.ts";
import {
  createDiscProject,
  newService,
  serviceDir,
  writeDiscImages,
  writeGray,
} from "../testing/service-fixture.ts";
import { startServer, type RunningServer } from "./server.ts";
import { sanitizeFileName, uploadsRoot } from "./uploads.ts";
import { downloadsRoot } from "./downloads.ts";

let dir: string;
let service: PixelloopService;
let server: RunningServer;
let project: ProjectInfo;
const LIMITS = { maxFileBytes: 64 * 1024, maxBatchBytes: 100 * 1024, maxFiles: 50 };

beforeEach(async () => {
  dir = serviceDir("pixelloop-uploads-");
  service = newService(dir, { watchMs: 0 });
  project = await createDiscProject(service, dir, "Up");
  const renderer = path.join(dir, "renderer");
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, "index.html"), "<!doctype html>");
  server = await startServer(service, { port: 0, rendererDir: renderer, uploadLimits: LIMITS });
});

afterEach(async () => {
  await server.close();
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${server.token}` });

async function call<T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(url, server.url), {
    method,
    headers: { ...auth(), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  return { status: res.status, body: (json.ok ? json.result : json.error) as T };
}

async function begin(): Promise<string> {
  const r = await call<{ batch: string }>("POST", "/upload", {});
  expect(r.status).toBe(200);
  return r.body.batch;
}

async function send(batch: string, part: string, name: string, bytes: Buffer) {
  const res = await fetch(new URL(`/upload/${batch}/${part}?name=${encodeURIComponent(name)}`, server.url), {
    method: "POST",
    headers: { ...auth(), "content-type": "application/octet-stream" },
    body: bytes,
  });
  return { status: res.status, body: (await res.json()) as { ok: boolean; error?: { message: string } } };
}

/** A body sent in chunks without a length: the server sees its size only as it streams. */
function sendChunked(
  batch: string,
  name: string,
  chunks: Buffer[],
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`/upload/${batch}/images?name=${encodeURIComponent(name)}`, server.url);
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: "POST",
        headers: { ...auth(), "content-type": "application/octet-stream", "transfer-encoding": "chunked" },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe("uploads", () => {
  it("imports uploaded images with their masks as images.import does, naming unmatched masks", async () => {
    const src = path.join(dir, "src");
    await writeDiscImages(src, ["a.png", "b.png"], 40, 30, 60);
    await writeGray(path.join(src, "a-mask.png"), 40, 30, (x) => (x < 20 ? 0 : 1));
    await writeGray(path.join(src, "zzz.png"), 40, 30, () => 1);
    const batch = await begin();
    for (const f of ["a.png", "b.png"])
      expect((await send(batch, "images", `street/${f}`, fs.readFileSync(path.join(src, f)))).status).toBe(
        200,
      );
    expect(
      (await send(batch, "labels", "masks/a.png", fs.readFileSync(path.join(src, "a-mask.png")))).status,
    ).toBe(200);
    expect((await send(batch, "labels", "zzz.png", fs.readFileSync(path.join(src, "zzz.png")))).status).toBe(
      200,
    );
    const r = await call<ImportResult>("POST", `/upload/${batch}/import`, { split: "train" });
    expect(r.status).toBe(200);
    expect(r.body.imported).toBe(2);
    expect(r.body.masks?.imported).toBe(1);
    expect(r.body.masks?.labeledPixels).toBe(40 * 30);
    expect(r.body.masks?.unmatchedCount).toBe(1);
    expect(r.body.masks?.unmatched[0].reason).toContain("zzz.png");
    // The images stay where the project reads them; the masks, read into it, are gone.
    const batchDir = path.join(uploadsRoot(project.file), batch);
    expect(fs.readdirSync(path.join(batchDir, "images")).sort()).toEqual(["a.png", "b.png"]);
    expect(fs.existsSync(path.join(batchDir, "labels"))).toBe(false);
    const store = service.project!;
    const a = store.image(r.body.importedIds[0])!;
    expect(store.absolutePath(a.path)).toBe(path.join(batchDir, "images", "a.png"));
    expect(a.labeledPixels).toBe(40 * 30);
    // The same files again: duplicates, their copies removed, the batch folder too.
    const again = await begin();
    await send(again, "images", "a.png", fs.readFileSync(path.join(src, "a.png")));
    const r2 = await call<ImportResult>("POST", `/upload/${again}/import`, {});
    expect(r2.body.imported).toBe(0);
    expect(r2.body.duplicates).toHaveLength(1);
    expect(fs.existsSync(path.join(uploadsRoot(project.file), again))).toBe(false);
  });

  it("keeps the last part of a name only, never a path out of the batch", async () => {
    expect(sanitizeFileName("../../etc/passwd")).toBe("passwd");
    expect(sanitizeFileName("C:\\Users\\me\\a.png")).toBe("a.png");
    expect(sanitizeFileName("..")).toBeNull();
    expect(sanitizeFileName("")).toBeNull();
    expect(sanitizeFileName(".hidden.png")).toBe("hidden.png");
    expect(sanitizeFileName("a\u0000b?.png")).toBe("a_b_.png");
    expect(sanitizeFileName("con.png")).toBe("_con.png");
    expect(sanitizeFileName("x".repeat(300) + ".png")).toMatch(/^x{196}\.png$/);
    const src = path.join(dir, "src");
    await writeDiscImages(src, ["a.png"], 20, 20, 20);
    const batch = await begin();
    const r = await send(batch, "images", "../../../escape.png", fs.readFileSync(path.join(src, "a.png")));
    expect(r.status).toBe(200);
    expect(fs.existsSync(path.join(uploadsRoot(project.file), batch, "images", "escape.png"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "escape.png"))).toBe(false);
    expect((await send(batch, "images", "..", Buffer.from("x"))).status).toBe(400);
    expect((await send(batch, "other", "a.png", Buffer.from("x"))).status).toBe(400);
  });

  it("refuses a file over the limit with a message, and imports nothing of its batch", async () => {
    const src = path.join(dir, "src");
    await writeDiscImages(src, ["a.png"], 20, 20, 20);
    const batch = await begin();
    expect((await send(batch, "images", "a.png", fs.readFileSync(path.join(src, "a.png")))).status).toBe(200);
    const big = await send(batch, "images", "big.png", Buffer.alloc(LIMITS.maxFileBytes + 1));
    expect(big.status).toBe(413);
    expect(big.body.error?.message).toMatch(/big\.png is 64\.0 KB, over the limit of 64\.0 KB per file/);
    expect(big.body.error?.message).toContain("nothing of it was imported");
    const r = await call<{ message: string }>("POST", `/upload/${batch}/import`, {});
    expect(r.status).toBe(409);
    expect(r.body.message).toContain("was refused");
    expect(service.project!.summary().images).toBe(0);
    expect(fs.existsSync(path.join(uploadsRoot(project.file), batch))).toBe(false);
  });

  it("counts bytes as they stream: a body without a length over the limit is refused", async () => {
    const src = path.join(dir, "src");
    await writeDiscImages(src, ["a.png"], 20, 20, 20);
    const batch = await begin();
    expect((await send(batch, "images", "a.png", fs.readFileSync(path.join(src, "a.png")))).status).toBe(200);
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 7));
    const r = await sendChunked(batch, "stream.png", chunks);
    expect(r.status).toBe(413);
    expect(r.text).toContain("stream.png is over the limit of 64.0 KB per file");
    expect(fs.existsSync(path.join(uploadsRoot(project.file), batch))).toBe(false);
    expect((await call("POST", `/upload/${batch}/import`, {})).status).toBe(409);
    expect(service.project!.summary().images).toBe(0);
  });

  it("refuses a batch over its limit in all", async () => {
    const batch = await begin();
    expect((await send(batch, "images", "one.png", Buffer.alloc(60 * 1024))).status).toBe(200);
    const r = await send(batch, "images", "two.png", Buffer.alloc(60 * 1024));
    expect(r.status).toBe(413);
    expect(r.body.error?.message).toContain("over the limit of 100.0 KB in all");
    expect(service.project!.summary().images).toBe(0);
  });

  it("says which formats it expects when an upload holds no image", async () => {
    const batch = await begin();
    await send(batch, "images", "notes.txt", Buffer.from("hello"));
    const r = await call<ImportResult>("POST", `/upload/${batch}/import`, {});
    expect(r.status).toBe(200);
    expect(r.body.imported).toBe(0);
    expect(r.body.skipped).toEqual([
      {
        file: "the upload",
        reason: "a folder with no images in it (PNG, JPEG, TIFF or WebP; 1 other files)",
      },
    ]);
    const empty = await begin();
    const e = await call<{ message: string }>("POST", `/upload/${empty}/import`, {});
    expect(e.status).toBe(422);
    expect(e.body.message).toBe("the upload: no images in it (PNG, JPEG, TIFF or WebP; 0 other files)");
  });

  it("drops the batches not imported when the server closes", async () => {
    const other = await startServer(service, { port: 0, rendererDir: path.join(dir, "renderer") });
    const res = await fetch(new URL("/upload", other.url), {
      method: "POST",
      headers: { authorization: `Bearer ${other.token}`, "content-type": "application/json" },
      body: "{}",
    });
    const { result } = (await res.json()) as { result: { batch: string } };
    const put = await fetch(new URL(`/upload/${result.batch}/images?name=a.png`, other.url), {
      method: "POST",
      headers: { authorization: `Bearer ${other.token}`, "content-type": "application/octet-stream" },
      body: Buffer.from("x"),
    });
    expect(put.status).toBe(200);
    const staged = path.join(uploadsRoot(project.file), result.batch, "images", "a.png");
    expect(fs.existsSync(staged)).toBe(true);
    await other.close();
    expect(fs.existsSync(path.join(uploadsRoot(project.file), result.batch))).toBe(false);
  });

  it("needs the token and a file's bytes as octet-stream", async () => {
    const bare = await fetch(new URL("/upload", server.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(bare.status).toBe(401);
    const batch = await begin();
    const form = await fetch(new URL(`/upload/${batch}/images?name=a.png`, server.url), {
      method: "POST",
      headers: { ...auth(), "content-type": "text/plain" },
      body: "x",
    });
    expect(form.status).toBe(415);
  });
});

describe("downloads", () => {
  it("streams an export as a zip of its files, then removes them", async () => {
    const src = path.join(dir, "src");
    await writeDiscImages(src, ["a.png", "b.png"], 20, 20, 20);
    await service.call("images.import", { paths: [src] });
    const id = service.project!.images.list()[0]?.id ?? 1;
    await service.call("strokes.commit", {
      imageId: id,
      tool: "brush",
      classIdx: 1,
      width: 3,
      points: [
        [2, 2],
        [10, 10],
      ],
    });
    const prep = await call<{ id: string; name: string; result: { written: number } }>("POST", "/download", {
      method: "export.masks",
      request: { format: "index", source: "labels", onlyLabeled: true },
    });
    expect(prep.status).toBe(200);
    expect(prep.body.name).toBe("up-masks-index.zip");
    expect(prep.body.result.written).toBe(1);
    const res = await fetch(new URL(`/download/${prep.body.id}.zip`, server.url), { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain('filename="up-masks-index.zip"');
    const entries = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(entries)).toEqual(["up-masks-index/a.png"]);
    expect([...entries["up-masks-index/a.png"].slice(1, 4)]).toEqual([0x50, 0x4e, 0x47]); // "PNG"
    expect(fs.existsSync(downloadsRoot(project.file))).toBe(false);
    const again = await fetch(new URL(`/download/${prep.body.id}.zip`, server.url), { headers: auth() });
    expect(again.status).toBe(404);
    // A dataset: its images, masks and lists under one top folder.
    const ds = await call<{ id: string; name: string }>("POST", "/download", {
      method: "export.dataset",
      request: { source: "labels", onlyLabeled: false },
    });
    expect(ds.status).toBe(200);
    const dsZip = await fetch(new URL(`/download/${ds.body.id}.zip`, server.url), { headers: auth() });
    const dsEntries = Object.keys(unzipSync(new Uint8Array(await dsZip.arrayBuffer())));
    expect(dsEntries.every((e) => e.startsWith("up-dataset/"))).toBe(true);
    expect(dsEntries.filter((e) => /\.png$/.test(e)).length).toBeGreaterThanOrEqual(2);
    expect(dsEntries).toContain("up-dataset/labelmap.txt");
    const bad = await call<{ message: string }>("POST", "/download", {
      method: "export.masks",
      request: { outDir: "/etc" },
    });
    expect(bad.status).toBe(400);
    expect((await call("POST", "/download", { method: "project.open", request: {} })).status).toBe(400);
  });
});
