/**
 * The server against hostile and malformed requests (issue 32): real servers on port 0, real
 * sockets. Each attack is followed by a normal request the server must still answer.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PixelloopService } from "../api/service.ts";
import { MAX_FOLDER_ENTRIES } from "../api/folders.ts";
import type { FolderListing } from "../common/api-types.ts";
import {
  MAX_WS_BUFFERED,
  MAX_WS_PAYLOAD,
  SLOW_CLIENT_CLOSE,
  startServer,
  type RunningServer,
} from "./server.ts";

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * The printed token of the loopback server, sent as a script sends it (a Bearer header) by
 * `request` and `UPGRADE` unless the request carries a cookie or an Authorization of its own.
 */
const tokens = new Map<number, string>();
const auth = (port: number, headers: Record<string, string> = {}): Record<string, string> =>
  tokens.has(port) && !("cookie" in headers) && !("authorization" in headers)
    ? { ...headers, authorization: `Bearer ${tokens.get(port)}` }
    : headers;

function request(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: opts.method ?? "GET",
        path: opts.path,
        headers: auth(port, opts.headers),
        // A connection per request: a kept-alive one may have been closed by the server meanwhile
        // (its keep-alive timeout passing while a test makes thousands of files).
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            headers: res.headers,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** Writes bytes exactly as given and returns everything the server sent until it closed. */
function raw(port: number, data: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, "127.0.0.1", () => s.write(data));
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("error", reject);
    s.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
}

const UPGRADE = (port: number, target: string, extra = "") =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  (tokens.has(port) && !/^Cookie:/im.test(extra) ? `Authorization: Bearer ${tokens.get(port)}\r\n` : "") +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

/** A client frame: masked unless told otherwise, FIN set unless told otherwise. */
function frame(
  opcode: number,
  payload: Buffer,
  o: { fin?: boolean; rsv?: number; mask?: boolean; length?: bigint } = {},
): Buffer {
  const first = ((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode;
  const mask = o.mask ?? true;
  const len = o.length ?? BigInt(payload.length);
  let header: Buffer;
  if (len < 126n) header = Buffer.from([first, (mask ? 0x80 : 0) | Number(len)]);
  else if (len < 65536n) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 126;
    header.writeUInt16BE(Number(len), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (mask ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(len, 2);
  }
  // A zero mask leaves the payload as written.
  return Buffer.concat([header, mask ? Buffer.alloc(4) : Buffer.alloc(0), payload]);
}

/**
 * Opens /events over a raw socket, sends `bytes`, and returns the close code of the server's
 * close frame (answering it, as a client does), or null when the server closed without one.
 */
function wsCloseCode(port: number, bytes: Buffer): Promise<number | null> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const s = net.connect(port, "127.0.0.1", () => s.write(UPGRADE(port, "/events")));
    s.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.subarray(0, end).toString("latin1");
        if (!head.startsWith("HTTP/1.1 101")) return reject(new Error(`not upgraded: ${head}`));
        upgraded = true;
        buf = buf.subarray(end + 4);
        s.write(bytes);
      }
      // Server frames are unmasked; skip any event frames before the close frame.
      while (buf.length >= 2) {
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          at = 10;
        }
        if (buf.length < at + len) return;
        if (opcode === 8) {
          resolve(len >= 2 ? buf.readUInt16BE(at) : null);
          s.end(frame(0x8, Buffer.alloc(0)));
          return;
        }
        buf = buf.subarray(at + len);
      }
    });
    s.on("error", reject);
    s.on("close", () => resolve(null));
  });
}

/**
 * Opens /events and stops reading at once; `whileStalled` runs, then the client reads again and
 * returns how many payload bytes and messages arrived and the close frame, if any. Gives up
 * (code null) after `expected` messages or `maxBytes` bytes without a close frame.
 */
function stalledEventsClient(
  port: number,
  whileStalled: () => Promise<void>,
  expected: number,
  maxBytes: number,
): Promise<{ bytes: number; messages: number; code: number | null; reason: string }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let bytes = 0;
    let messages = 0;
    const done = (code: number | null, reason: string) => {
      resolve({ bytes, messages, code, reason });
      s.destroy();
    };
    const s = net.connect(port, "127.0.0.1", () => s.write(UPGRADE(port, "/events")));
    s.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        if (!buf.subarray(0, 12).toString("latin1").startsWith("HTTP/1.1 101"))
          return reject(new Error("not upgraded"));
        upgraded = true;
        buf = buf.subarray(end + 4);
        s.pause();
        whileStalled().then(() => s.resume(), reject);
        return;
      }
      while (buf.length >= 2) {
        const opcode = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          at = 10;
        }
        if (buf.length < at + len) return;
        if (opcode === 8) {
          const payload = buf.subarray(at, at + len);
          return done(len >= 2 ? payload.readUInt16BE(0) : null, payload.subarray(2).toString("utf8"));
        }
        bytes += len;
        messages += 1;
        buf = buf.subarray(at + len);
        if (messages >= expected || bytes > maxBytes) return done(null, "");
      }
    });
    s.on("error", reject);
    s.on("close", () => done(null, ""));
  });
}

const json = { "content-type": "application/json" };

let dir: string;
let renderer: string;
let service: PixelloopService;
let open: RunningServer;
let guarded: RunningServer;

/** The server answers a normal page request and a normal API call. */
async function stillServing(port = open.port): Promise<void> {
  const page = await request(port, { path: "/" });
  expect(page.status).toBe(200);
  const api = await request(port, { method: "POST", path: "/api/project.status", headers: json, body: "{}" });
  expect(api.status).toBe(200);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-attacks-"));
  renderer = path.join(dir, "renderer");
  fs.mkdirSync(path.join(renderer, "assets"), { recursive: true });
  fs.writeFileSync(path.join(renderer, "index.html"), "<!doctype html><title>ui</title>");
  fs.writeFileSync(path.join(renderer, "assets", "app.js"), "console.log(1)");
  fs.writeFileSync(path.join(dir, "secret.txt"), "top secret");
  fs.symlinkSync(path.join(dir, "secret.txt"), path.join(renderer, "assets", "leak.js"));
  fs.symlinkSync(dir, path.join(renderer, "up"));
  fs.symlinkSync(path.join(renderer, "assets", "app.js"), path.join(renderer, "alias.js"));
  service = new PixelloopService({
    projectsDir: path.join(dir, "projects"),
    recentFile: path.join(dir, "recent.json"),
  });
  await service.call("project.create", {
    name: "Attacks",
    classes: [
      { name: "a", color: "#ff0000" },
      { name: "b", color: "#00ff00" },
    ],
  });
  // A copy in the project's folder: the API imports only from the folders the person chose.
  const img = path.join(dir, "projects", "garden-01.png");
  fs.copyFileSync(path.join(import.meta.dirname, "../../resources/demo/images/garden-01.png"), img);
  await service.call("images.import", { paths: [img] });
  open = await startServer(service, { host: "127.0.0.1", port: 0, rendererDir: renderer });
  tokens.set(open.port, open.token);
  guarded = await startServer(service, { host: "0.0.0.0", port: 0, rendererDir: renderer });
});

afterAll(async () => {
  await open?.close();
  await guarded?.close();
  await service?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("requests that used to end the process", () => {
  it("answers 400 to request targets the URL parser refuses, and keeps serving", async () => {
    for (const target of ["//", "//x:99999/", "//x:99999/api/project.status", "//[::1/"]) {
      const reply = await raw(
        open.port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${open.port}\r\nAuthorization: Bearer ${open.token}\r\n` +
          `Connection: close\r\n\r\n`,
      );
      expect(reply, target).toMatch(/^HTTP\/1\.1 (200|400|404)/);
      expect(reply, target).not.toContain("top secret");
      await stillServing();
    }
    for (const target of ["*", "http://x:99999/", "x"]) {
      const reply = await raw(
        open.port,
        `OPTIONS ${target} HTTP/1.1\r\nHost: 127.0.0.1:${open.port}\r\nConnection: close\r\n\r\n`,
      );
      expect(reply, target).toMatch(/^HTTP\/1\.1 400/);
      await stillServing();
    }
  });

  it("refuses the same targets on a WebSocket upgrade, and keeps serving", async () => {
    for (const target of ["//", "//x:99999/", "//x:99999/events", "*"]) {
      const reply = await raw(open.port, UPGRADE(open.port, target));
      expect(reply, target).toMatch(/^HTTP\/1\.1 (400|404)/);
      await stillServing();
    }
  });

  it("refuses a cookie that is not valid URI encoding (401), and keeps serving", async () => {
    for (const cookie of ["pixelloop_token=%", "pixelloop_token=%E0%A4%A", "a=%; pixelloop_token=%zz"]) {
      const r = await request(guarded.port, {
        method: "POST",
        path: "/api/project.status",
        headers: { ...json, cookie },
        body: "{}",
      });
      expect(r.status, cookie).toBe(401);
      const ws = await raw(guarded.port, UPGRADE(guarded.port, "/events", `Cookie: ${cookie}\r\n`));
      expect(ws, cookie).toMatch(/^HTTP\/1\.1 401/);
    }
    const ok = await request(guarded.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { ...json, authorization: `Bearer ${guarded.token}` },
      body: "{}",
    });
    expect(ok.status).toBe(200);
  });

  it("closes only the socket that sent a malformed frame, with the WebSocket error code", async () => {
    const cases: [string, Buffer, number][] = [
      ["reserved opcode", frame(0x3, Buffer.from("x")), 1002],
      ["RSV1 without an extension", frame(0x1, Buffer.from("x"), { rsv: 4 }), 1002],
      ["unmasked client frame", frame(0x1, Buffer.from("x"), { mask: false }), 1002],
      ["fragmented ping", frame(0x9, Buffer.from("x"), { fin: false }), 1002],
      ["invalid UTF-8 text", frame(0x1, Buffer.from([0xc3, 0x28])), 1007],
      ["continuation without a start", frame(0x0, Buffer.from("x")), 1002],
      ["message over the limit", frame(0x2, Buffer.alloc(MAX_WS_PAYLOAD + 1)), 1009],
      ["length header of 2^63 - 1", frame(0x2, Buffer.alloc(0), { length: 2n ** 63n - 1n }), 1009],
      ["a message (the socket only sends)", frame(0x1, Buffer.from("hello")), 1003],
    ];
    for (const [name, bytes, code] of cases) {
      expect(await wsCloseCode(open.port, bytes), name).toBe(code);
      await stillServing();
    }
  });

  it("keeps serving after a client resets the connection mid-upgrade", async () => {
    await new Promise<void>((resolve) => {
      const s = net.connect(open.port, "127.0.0.1", () => {
        s.write(UPGRADE(open.port, "/events").slice(0, 40));
        s.resetAndDestroy();
      });
      s.on("close", () => resolve());
    });
    await stillServing();
  });
});

describe("clients that do not read", () => {
  it("closes an events client whose queue passes the limit, naming why, and keeps serving", async () => {
    const emit = (e: unknown) => (service as unknown as { emit(e: unknown): void }).emit(e);
    const mib = 1024 * 1024;
    const events = 64;
    const filler = "x".repeat(mib);
    const got = await stalledEventsClient(
      open.port,
      async () => {
        // The server decides to close while it queues (synchronously, inside emit): nothing to wait for.
        for (let i = 0; i < events; i++) emit({ type: "import.progress", done: i, total: events, filler });
      },
      events,
      40 * mib,
    );
    // What was sent before the limit (the queue plus what the kernel holds), then the close frame.
    expect(got.code).toBe(SLOW_CLIENT_CLOSE.code);
    expect(got.reason).toBe(SLOW_CLIENT_CLOSE.reason);
    expect(got.reason).toMatch(/not being read/);
    expect(got.messages).toBeLessThan(events);
    expect(got.bytes).toBeLessThan(MAX_WS_BUFFERED + 24 * mib);
    await stillServing();
  });
});

describe("requests that used to be accepted", () => {
  it("refuses Origin: null on the API, the files and the events socket", async () => {
    const api = await request(open.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { ...json, origin: "null" },
      body: "{}",
    });
    expect(api.status).toBe(403);
    expect(api.body).toContain("Origin: null");
    expect((await request(open.port, { path: "/files/image/1", headers: { origin: "null" } })).status).toBe(
      403,
    );
    const ws = await raw(open.port, UPGRADE(open.port, "/events", "Origin: null\r\n"));
    expect(ws).toMatch(/^HTTP\/1\.1 403/);
  });

  it("does not serve images to other sites, and still to the app itself and to clients without the header", async () => {
    for (const p of ["/files/image/1", "/files/thumb/1"]) {
      for (const site of ["cross-site", "same-site"]) {
        const r = await request(open.port, {
          path: p,
          headers: { "sec-fetch-site": site, "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image" },
        });
        expect(r.status, `${p} ${site}`).toBe(403);
        expect(r.headers["content-type"]).toMatch(/^text\/plain/);
      }
      const mine = await request(open.port, {
        path: p,
        headers: { "sec-fetch-site": "same-origin", "sec-fetch-mode": "no-cors", "sec-fetch-dest": "image" },
      });
      expect(mine.status, p).toBe(200);
      expect(mine.headers["cross-origin-resource-policy"]).toBe("same-origin");
      expect((await request(open.port, { path: p })).status, p).toBe(200);
    }
    const api = await request(open.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { ...json, "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors" },
      body: "{}",
    });
    expect(api.status).toBe(403);
    const ws = await raw(
      open.port,
      UPGRADE(open.port, "/events", "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: websocket\r\n"),
    );
    expect(ws).toMatch(/^HTTP\/1\.1 403/);
  });

  it("lets another site link to the app (a top-level navigation), but not frame it", async () => {
    const nav = await request(open.port, {
      path: "/",
      headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" },
    });
    expect(nav.status).toBe(200);
    const framed = await request(open.port, {
      path: "/",
      headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe" },
    });
    expect(framed.status).toBe(403);
    const page = await request(open.port, { path: "/" });
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["content-security-policy"]).toContain(
      `connect-src 'self' ws://127.0.0.1:${open.port}`,
    );
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["referrer-policy"]).toBe("no-referrer");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("does not follow symlinks out of the UI folder; links inside it still work", async () => {
    for (const p of ["/assets/leak.js", "/up/secret.txt"]) {
      const r = await request(open.port, { path: p });
      expect(r.status, p).toBe(403);
      expect(r.body, p).not.toContain("top secret");
    }
    const inside = await request(open.port, { path: "/alias.js" });
    expect([inside.status, inside.body]).toEqual([200, "console.log(1)"]);
  });

  it("does not serve files by POST or other methods", async () => {
    for (const method of ["POST", "PUT", "DELETE"])
      expect((await request(open.port, { method, path: "/files/image/1" })).status, method).toBe(405);
  });

  it("takes ?token= on a page's first load only, and then always redirects to the start page", async () => {
    const t = guarded.token!;
    expect((await request(guarded.port, { path: `/files/image/1?token=${t}` })).status).toBe(401);
    expect((await request(guarded.port, { path: `/files/thumb/1?token=${t}` })).status).toBe(401);
    const api = await request(guarded.port, {
      method: "POST",
      path: `/api/project.status?token=${t}`,
      headers: json,
      body: "{}",
    });
    expect(api.status).toBe(401);
    const ws = await raw(guarded.port, UPGRADE(guarded.port, `/events?token=${t}`));
    expect(ws).toMatch(/^HTTP\/1\.1 401/);
    // No open redirect: the path of the request never becomes the Location.
    for (const p of [`//evil.example/?token=${t}`, `/\\evil.example/?token=${t}`, `/browse?token=${t}`]) {
      const r = await request(guarded.port, { path: p });
      expect(r.status, p).toBe(302);
      expect(r.headers.location, p).toBe("/");
      expect(String(r.headers["set-cookie"])).toMatch(
        new RegExp(`^pixelloop_token_${guarded.port}=[^;]+; HttpOnly; SameSite=Strict`),
      );
    }
    const wrong = await request(guarded.port, { path: "/?token=nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers["set-cookie"]).toBeUndefined();
  });
});

describe("the folder picker's methods (folders.list, folders.create, folders.choose)", () => {
  /** One API call as raw JSON text (so the body may hold what JSON.stringify would not write). */
  const call = async (method: string, body: string) => {
    const r = await request(open.port, { method: "POST", path: `/api/${method}`, headers: json, body });
    return {
      status: r.status,
      // A listing when it is one (the tests read its fields), else the error.
      body: JSON.parse(r.body) as { ok: boolean; result: FolderListing; error?: { message: string } },
    };
  };
  const list = (dir: string) => call("folders.list", JSON.stringify({ dir }));
  let tree: string;
  beforeAll(() => {
    tree = path.join(dir, "tree");
    fs.mkdirSync(path.join(tree, "a"), { recursive: true });
  });

  it("lists a huge folder within its bound, and keeps serving", async () => {
    const huge = path.join(tree, "huge");
    fs.mkdirSync(huge);
    // Made by one `touch` run (a loop of writes here takes seconds on a busy machine).
    execFileSync("sh", ["-c", `seq 0 ${MAX_FOLDER_ENTRIES + 49} | sed 's/$/.png/' | xargs touch`], {
      cwd: huge,
    });
    const r = await list(huge);
    expect(r.status).toBe(200);
    expect(r.body.result.truncated).toBe(true);
    expect(r.body.result.images).toBe(MAX_FOLDER_ENTRIES);
    await stillServing();
    fs.rmSync(huge, { recursive: true });
  });

  it("never opens a FIFO, as the folder asked for or inside one; lists /dev and /proc/self/fd without hanging", async () => {
    const fifo = path.join(tree, "pipe");
    execFileSync("mkfifo", [fifo]);
    fs.symlinkSync(fifo, path.join(tree, "to-pipe"));
    const asked = await list(fifo);
    expect(asked.status).toBe(422);
    expect(asked.body.error?.message).toBe(`dir: ${fifo}: is a FIFO (named pipe), not a folder`);
    const around = await list(tree);
    expect(around.status).toBe(200);
    expect(around.body.result.folders.map((f) => f.name)).toEqual(["a"]);
    for (const d of ["/dev", "/proc/self/fd", "/proc"]) {
      const r = await list(d);
      expect(r.status, d).toBe(200);
      await stillServing();
    }
    fs.unlinkSync(path.join(tree, "to-pipe"));
    fs.unlinkSync(fifo);
  });

  it.skipIf(process.getuid?.() === 0)("names a folder it may not read (permission denied)", async () => {
    const locked = path.join(tree, "locked");
    fs.mkdirSync(locked, { mode: 0o000 });
    const r = await list(locked);
    expect(r.status).toBe(422);
    expect(r.body.error?.message).toBe(`dir: ${locked}: cannot read the folder (permission denied)`);
    fs.rmdirSync(locked);
    await stillServing();
  });

  it("follows no symlink loop, resolves `..`, refuses relative paths, NUL and overlong paths", async () => {
    fs.symlinkSync(path.join(tree, "loop2"), path.join(tree, "loop1"));
    fs.symlinkSync(path.join(tree, "loop1"), path.join(tree, "loop2"));
    const loop = await list(path.join(tree, "loop1"));
    expect(loop.status).toBe(422);
    expect(loop.body.error?.message).toBe(
      `dir: ${path.join(tree, "loop1")}: too many levels of symbolic links`,
    );
    const shown = await list(tree);
    expect(shown.body.result.folders.find((f) => f.name === "loop1")?.link).toEqual({
      target: null,
      reason: "too many levels of symbolic links",
    });
    const up = await list(path.join(tree, "a", "..", "..", "tree", "a", ".."));
    expect(up.body.result.dir).toBe(fs.realpathSync(tree));
    const deep = await list("/" + "../".repeat(500));
    expect(deep.body.result.dir).toBe("/");
    expect((await list("tree/../..")).status).toBe(422);
    expect((await call("folders.list", JSON.stringify({ dir: `${tree}\u0000/a` }))).status).toBe(422);
    expect((await call("folders.list", JSON.stringify({ dir: "/" + "x".repeat(5000) }))).status).toBe(400);
    expect((await call("folders.list", `{"dir": "${tree}/\\ud800"}`)).status).toBe(422);
    expect((await call("folders.list", '{"dir": 7}')).status).toBe(400);
    expect((await call("folders.list", '{"dir": "/", "extra": 1}')).status).toBe(400);
    fs.unlinkSync(path.join(tree, "loop1"));
    fs.unlinkSync(path.join(tree, "loop2"));
    await stillServing();
  });

  it("leaves out names that are not UTF-8 and counts them", async () => {
    const bad = Buffer.concat([Buffer.from(tree + "/"), Buffer.from([0xc3, 0x28, 0xa0, 0xa1])]);
    fs.mkdirSync(bad);
    const r = await list(tree);
    expect(r.body.result.skipped).toBe(1);
    expect(r.body.result.folders.map((f) => f.name)).toEqual(["a"]);
    fs.rmdirSync(bad);
  });

  it("makes only plain folder names where asked, and never chooses the root or the app's folders", async () => {
    for (const name of ["..", "../x", "a/b", "x\u0000y", "", " ", "é".repeat(200)]) {
      const r = await call("folders.create", JSON.stringify({ parent: tree, name }));
      expect([400, 422], JSON.stringify(name)).toContain(r.status);
    }
    expect(fs.readdirSync(tree).sort()).toEqual(["a"]);
    expect((await call("folders.create", JSON.stringify({ parent: "/dev/null", name: "x" }))).status).toBe(
      422,
    );
    expect((await call("folders.choose", JSON.stringify({ dir: "/" }))).status).toBe(422);
    expect((await call("folders.choose", JSON.stringify({ dir: "/../.." }))).status).toBe(422);
    const appDir = path.resolve(import.meta.dirname, "../..");
    expect((await call("folders.choose", JSON.stringify({ dir: appDir }))).body.error?.message).toMatch(
      /is inside the folder Pixelloop runs from/,
    );
    await stillServing();
  });
});
