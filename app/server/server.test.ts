import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PixelloopService } from "../api/service.ts";
import { startServer, type RunningServer } from "./server.ts";

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** Tokens the tests send as a script does (a Bearer header), by port: the loopback server's. */
const tokens = new Map<number, string>();

/**
 * A raw request: the path goes out exactly as written (no URL normalization). To the loopback
 * server it carries its token unless it has a cookie or Authorization of its own, or is `bare`.
 */
function request(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string; bare?: boolean },
): Promise<Reply> {
  const headers = { ...opts.headers };
  if (tokens.has(port) && !opts.bare && !("cookie" in headers) && !("authorization" in headers))
    headers.authorization = `Bearer ${tokens.get(port)}`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method: opts.method ?? "GET", path: opts.path, headers },
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

const json = { "content-type": "application/json" };

let dir: string;
let service: PixelloopService;
let open: RunningServer;
let guarded: RunningServer;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-server-"));
  const renderer = path.join(dir, "renderer");
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, "index.html"), "<!doctype html><title>ui</title>");
  fs.writeFileSync(path.join(dir, "secret.txt"), "top secret");
  service = new PixelloopService({
    projectsDir: path.join(dir, "projects"),
    recentFile: path.join(dir, "recent.json"),
  });
  await service.call("project.create", {
    name: "Sec",
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
  // Any non-loopback address requires the token; 0.0.0.0 is reachable through 127.0.0.1 here.
  guarded = await startServer(service, { host: "0.0.0.0", port: 0, rendererDir: renderer });
});

afterAll(async () => {
  await open?.close();
  await guarded?.close();
  await service?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("access token on loopback", () => {
  it("refuses the page, the API, the files and the events socket without the token", async () => {
    expect(open.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(open.openUrl).toBe(`${open.url}?token=${open.token}`);
    expect(open.token).not.toBe(guarded.token);
    for (const p of ["/", "/files/image/1", "/files/thumb/1"]) {
      expect((await request(open.port, { path: p, bare: true })).status, p).toBe(401);
    }
    const api = await request(open.port, {
      method: "POST",
      path: "/api/project.status",
      headers: json,
      body: "{}",
      bare: true,
    });
    expect(api.status).toBe(401);
    expect(api.body).toContain("access token");
    const ws = await request(open.port, {
      path: "/events",
      bare: true,
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    expect(ws.status).toBe(401);
    // Another server's token (or cookie) is not this one's.
    const other = await request(open.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { ...json, authorization: `Bearer ${guarded.token}` },
      body: "{}",
    });
    expect(other.status).toBe(401);
  });

  it("accepts the Bearer header, and the cookie the printed URL's first load sets", async () => {
    const ok = await request(open.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { ...json, authorization: `Bearer ${open.token}` },
      body: "{}",
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).result.name).toBe("Sec");
    const printed = new URL(open.openUrl);
    const first = await request(open.port, { path: printed.pathname + printed.search, bare: true });
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe("/");
    const cookie = String(first.headers["set-cookie"]).split(";")[0];
    expect(cookie).toBe(`pixelloop_token_${open.port}=${open.token}`);
    expect((await request(open.port, { path: "/", headers: { cookie } })).status).toBe(200);
    const img = await request(open.port, { path: "/files/image/1", headers: { cookie } });
    expect([img.status, img.headers["content-type"]]).toEqual([200, "image/png"]);
    // The cookie of the server on another port does not open this one.
    const otherCookie = `pixelloop_token_${guarded.port}=${open.token}`;
    expect((await request(open.port, { path: "/", headers: { cookie: otherCookie } })).status).toBe(401);
  });
});

describe("access token on a non-loopback address", () => {
  it("prints a token and refuses requests without it", async () => {
    expect(guarded.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(guarded.openUrl).toContain(`?token=${guarded.token}`);
    for (const p of ["/", "/files/image/1", "/files/thumb/1"]) {
      expect((await request(guarded.port, { path: p })).status).toBe(401);
    }
    const api = await request(guarded.port, {
      method: "POST",
      path: "/api/project.status",
      headers: json,
      body: "{}",
    });
    expect(api.status).toBe(401);
    expect(api.body).toContain("access token");
  });

  it("refuses a wrong token", async () => {
    const r = await request(guarded.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { ...json, authorization: "Bearer nope" },
      body: "{}",
    });
    expect(r.status).toBe(401);
  });

  it("accepts the token as a Bearer header, and trades ?token= for an HttpOnly cookie", async () => {
    const ok = await request(guarded.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { ...json, authorization: `Bearer ${guarded.token}` },
      body: "{}",
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).result.name).toBe("Sec");
    const page = await request(guarded.port, { path: `/?token=${guarded.token}` });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe("/");
    const cookie = String(page.headers["set-cookie"]);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const img = await request(guarded.port, {
      path: "/files/image/1",
      headers: { cookie: cookie.split(";")[0] },
    });
    expect(img.status).toBe(200);
    expect(img.headers["content-type"]).toBe("image/png");
  });

  it("refuses the events socket without the token", async () => {
    const r = await request(guarded.port, {
      path: "/events",
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    expect(r.status).toBe(401);
  });
});

describe("loopback server", () => {
  it("refuses foreign Host headers (DNS rebinding) and cross-origin requests", async () => {
    const rebinding = await request(open.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { ...json, host: "evil.example:80" },
      body: "{}",
    });
    expect(rebinding.status).toBe(403);
    const cross = await request(open.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { ...json, origin: "http://evil.example" },
      body: "{}",
    });
    expect(cross.status).toBe(403);
    const simple = await request(open.port, {
      method: "POST",
      path: "/api/project.status",
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    expect(simple.status).toBe(415);
  });

  it("serves images by id only; no path escapes the renderer folder", async () => {
    const attempts = [
      "/../secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e/secret.txt",
      "/%2e%2e%2f%2e%2e%2fetc/passwd",
      "/assets/../../secret.txt",
      "/files/image/../../secret.txt",
      "/files/image/1/../../../secret.txt",
      "/files/image/-1",
      "/files/image/abc",
      "/files/" + encodeURIComponent(path.join(dir, "secret.txt")),
      "/files/image/" + encodeURIComponent(path.join(dir, "secret.txt")),
      "/%00/secret.txt",
    ];
    for (const p of attempts) {
      const r = await request(open.port, { path: p });
      expect(r.body, p).not.toContain("top secret");
      expect(r.body, p).not.toContain("root:");
    }
    expect((await request(open.port, { path: "/files/image/999" })).status).toBe(404);
    expect((await request(open.port, { path: "/files/image/abc" })).status).toBe(404);
  });
});

describe("image files", () => {
  it("are revalidated on every view: unchanged costs a 304, a file moved away since is reported, not shown from cache", async () => {
    const copy = path.join(dir, "projects", "copy-of-garden.png");
    fs.copyFileSync(path.join(import.meta.dirname, "../../resources/demo/images/garden-02.png"), copy);
    await service.call("images.import", { paths: [copy] });
    const id = service.project!.imagesByName("copy-of-garden.png")[0].id;
    const first = await request(open.port, { path: `/files/image/${id}` });
    expect(first.status).toBe(200);
    expect(first.headers["cache-control"]).toContain("no-cache");
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^".+"$/);
    const again = await request(open.port, {
      path: `/files/image/${id}`,
      headers: { "if-none-match": etag },
    });
    expect([again.status, again.body]).toEqual([304, ""]);

    fs.renameSync(copy, copy + ".moved");
    const gone = await request(open.port, { path: `/files/image/${id}`, headers: { "if-none-match": etag } });
    expect(gone.status).toBe(404);
    expect(gone.body).toBe(`${copy}: the file is missing (moved or deleted?)`);

    // Put back with other content: shown anew, not the cached bytes.
    fs.copyFileSync(path.join(import.meta.dirname, "../../resources/demo/images/garden-03.png"), copy);
    const replaced = await request(open.port, {
      path: `/files/image/${id}`,
      headers: { "if-none-match": etag },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.etag).not.toBe(etag);
  });
});

describe("request validation", () => {
  const call = (method: string, body: string) =>
    request(open.port, { method: "POST", path: `/api/${method}`, headers: json, body });

  it("answers 400 with the field and the reason", async () => {
    const r = await call(
      "strokes.commit",
      JSON.stringify({ imageId: 1, tool: "brush", width: 5, points: [[1, 2]] }),
    );
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toMatch(/^strokes\.commit: classIdx: /);
    const bad = await call("images.list", JSON.stringify({ limit: -3 }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/images\.list: limit/);
    const extra = await call("masks.get", JSON.stringify({ imageId: 1, path: "/etc/passwd" }));
    expect(extra.status).toBe(400);
    expect((await call("strokes.commit", "{not json")).status).toBe(400);
  });

  it("answers 404 for unknown methods and 422 for user errors", async () => {
    expect((await call("fs.read", "{}")).status).toBe(404);
    const missing = await call(
      "project.open",
      JSON.stringify({ file: path.join(dir, "projects", "nope.pxl") }),
    );
    expect(missing.status).toBe(422);
    expect(JSON.parse(missing.body).error.message).toContain("no such project file");
  });

  it("commits a stroke and reads the mask back", async () => {
    const r = await call(
      "strokes.commit",
      JSON.stringify({
        imageId: 1,
        tool: "brush",
        classIdx: 1,
        width: 6,
        points: [
          [10, 10],
          [40, 12],
        ],
      }),
    );
    expect(r.status).toBe(200);
    const change = JSON.parse(r.body).result;
    expect(change).toMatchObject({ changed: true, version: 1, status: "labeled" });
    const mask = JSON.parse((await call("masks.get", JSON.stringify({ imageId: 1 }))).body).result;
    expect(mask.version).toBe(1);
    expect(typeof mask.classesRle).toBe("string");
    expect(mask.acceptedPixels).toBe(0); // hand-drawn, not accepted
  });

  it("refuses to accept a prediction that does not exist, or an impossible confidence", async () => {
    const none = await call("masks.acceptConfident", JSON.stringify({ imageId: 1, minConfidence: 0.9 }));
    expect(none.status).toBe(422);
    expect(JSON.parse(none.body).error.message).toMatch(/has no prediction yet/);
    const bad = await call("masks.acceptConfident", JSON.stringify({ imageId: 1, minConfidence: 1.5 }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/masks\.acceptConfident: minConfidence/);
    // Nothing accepted, nothing to clear: the hand-drawn stroke stays.
    const clear = JSON.parse((await call("masks.clearAccepted", JSON.stringify({ imageId: 1 }))).body).result;
    expect(clear).toMatchObject({ changed: false, version: 1 });
  });
});
