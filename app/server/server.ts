/**
 * Browser mode: the API map over HTTP (POST /api/<method>, JSON body), events over a
 * WebSocket (/events), image bytes by id (/files/image/<id>, /files/thumb/<id>) and the
 * renderer build at /. Bound to 127.0.0.1 unless told otherwise; see security.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { ApiError } from "../api/schema.ts";
import type { PixelloopService } from "../api/service.ts";
import {
  TOKEN_COOKIE,
  checkAccess,
  isLoopbackHost,
  newToken,
  requestToken,
  type AccessPolicy,
} from "./security.ts";
import { sendJson, sendText, serveImage, serveStatic, serveThumbnail } from "./files.ts";

export const DEFAULT_RENDERER_DIR = path.resolve(import.meta.dirname, "../../dist/renderer");
const MAX_BODY = 16 * 1024 * 1024;

export interface ServerOptions {
  host?: string;
  port?: number;
  /** token to require; default: a new one when the host is not loopback, none on loopback */
  token?: string | null;
  rendererDir?: string;
}

export interface RunningServer {
  url: string;
  /** URL to open in a browser (carries the token when one is required) */
  openUrl: string;
  token: string | null;
  host: string;
  port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, `request body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function handleApi(
  service: PixelloopService,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
): Promise<void> {
  if (req.method !== "POST")
    return sendJson(res, 405, { ok: false, error: { status: 405, message: "use POST" } });
  // application/json forces a CORS preflight, which this server never grants to other origins.
  if (!(req.headers["content-type"] ?? "").startsWith("application/json")) {
    return sendJson(res, 415, {
      ok: false,
      error: { status: 415, message: "send the request as application/json" },
    });
  }
  try {
    const text = await readBody(req);
    let body: unknown = {};
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new ApiError(400, `${method}: body is not valid JSON (${(e as Error).message})`);
      }
    }
    const t0 = performance.now();
    const result = await service.call(method, body);
    res.setHeader("server-timing", `app;dur=${(performance.now() - t0).toFixed(1)}`);
    sendJson(res, 200, { ok: true, result: result ?? null });
  } catch (e) {
    if (e instanceof ApiError)
      return sendJson(res, e.status, { ok: false, error: { status: e.status, message: e.message } });
    const err = e as Error;
    process.stderr.write(`pixelloop serve: ${method} failed: ${err.stack ?? err.message}\n`);
    sendJson(res, 500, {
      ok: false,
      error: { status: 500, message: `internal error in ${method}: ${err.message}` },
    });
  }
}

export async function startServer(
  service: PixelloopService,
  opts: ServerOptions = {},
): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const loopback = isLoopbackHost(host);
  const token = opts.token !== undefined ? opts.token : loopback ? null : newToken();
  if (!loopback && token === null) throw new Error(`serving on ${host} needs an access token`);
  const policy: AccessPolicy = { token, loopbackOnly: loopback };
  const rendererDir = path.resolve(opts.rendererDir ?? DEFAULT_RENDERER_DIR);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const denied = checkAccess(req, url, policy);
    if (denied) return sendText(res, denied[0], denied[1]);
    // Opening the page with ?token=… trades it for a cookie and drops it from the address bar.
    if (
      token !== null &&
      url.searchParams.has("token") &&
      req.method === "GET" &&
      !url.pathname.startsWith("/api/")
    ) {
      res.writeHead(302, {
        "set-cookie": `${TOKEN_COOKIE}=${encodeURIComponent(requestToken(req, url) ?? "")}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname,
      });
      return res.end();
    }
    const p = url.pathname;
    if (p.startsWith("/api/")) return void handleApi(service, req, res, p.slice(5));
    const file = /^\/files\/(image|thumb)\/(\d+)$/.exec(p);
    if (file) {
      const store = service.project;
      if (!store) return sendText(res, 409, "no project is open");
      const id = Number(file[2]);
      if (file[1] === "thumb")
        return void serveThumbnail(res, store, id).catch((e: Error) => sendText(res, 500, e.message));
      return void serveImage(res, store, id, req.headers["if-none-match"]).catch((e: Error) =>
        sendText(res, 500, e.message),
      );
    }
    if (p.startsWith("/files/"))
      return sendText(res, 404, "not found (images are served by id: /files/image/<id>)");
    if (req.method !== "GET" && req.method !== "HEAD") return sendText(res, 405, "method not allowed");
    serveStatic(res, rendererDir, p);
  });

  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const denied =
      url.pathname === "/events" ? checkAccess(req, url, policy) : ([404, "not found"] as [number, string]);
    if (denied) {
      socket.end(
        `HTTP/1.1 ${denied[0]} ${denied[0] === 404 ? "Not Found" : "Forbidden"}\r\nConnection: close\r\n\r\n${denied[1]}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on("close", () => sockets.delete(ws));
    });
  });
  const unsubscribe = service.on((event) => {
    const data = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(data);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 4780, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const base = `http://${shownHost}:${port}/`;
  return {
    url: base,
    openUrl: token ? `${base}?token=${token}` : base,
    token,
    host,
    port,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
