/**
 * Browser mode: the API map over HTTP (POST /api/<method>, JSON body), events over a
 * WebSocket (/events), image bytes by id (/files/image/<id>, /files/thumb/<id>) and the
 * renderer build at /. Bound to 127.0.0.1 unless told otherwise; every request needs the
 * per-launch token (loopback too); see security.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { ApiError } from "../common/api-error.ts";
import type { PixelloopService } from "../api/service.ts";
import {
  TOKEN_COOKIE,
  checkAccess,
  tokenCookie,
  isLoopbackHost,
  newToken,
  requestUrl,
  sameToken,
  securityHeaders,
  type AccessPolicy,
  type RouteKind,
} from "./security.ts";
import { sendJson, sendText, serveImage, serveStatic, serveThumbnail } from "./files.ts";
import { PersonTokens, requestPerson } from "./people.ts";
import { Uploads, handleUpload, type UploadLimits } from "./uploads.ts";
import { Downloads, handleDownload } from "./downloads.ts";

export const DEFAULT_RENDERER_DIR = path.resolve(import.meta.dirname, "../../dist/renderer");
const MAX_BODY = 16 * 1024 * 1024;
/** Largest WebSocket message accepted: the events socket only sends, so a client has no need. */
export const MAX_WS_PAYLOAD = 1024;
/**
 * Bytes of events queued for one client (beyond what the kernel holds) before it is closed: a
 * client that stops reading (a stalled tab, a script that only connects) must not make the
 * server hold every event since. The client reconnects and asks for the state afresh.
 */
export const MAX_WS_BUFFERED = 8 * 1024 * 1024;
/** Close code and reason sent to a client that fell that far behind. */
export const SLOW_CLIENT_CLOSE = {
  code: 1008,
  reason: "events are not being read (too many queued); reconnect to resynchronize",
} as const;

function logError(what: string, e: unknown): void {
  const err = e as Error;
  process.stderr.write(`pixelloop serve: ${what}: ${err?.stack ?? String(e)}\n`);
}

export interface ServerOptions {
  host?: string;
  port?: number;
  /** the token to require (every address, loopback too); default: a new one per start */
  token?: string;
  /** people, each with a token of their own instead of the shared one (people.ts; #34) */
  people?: string[];
  rendererDir?: string;
  /** bytes queued for one events client before it is closed; default MAX_WS_BUFFERED */
  maxEventBuffer?: number;
  /** limits of files uploaded from the browser (uploads.ts); default DEFAULT_UPLOAD_LIMITS */
  uploadLimits?: Partial<UploadLimits>;
}

export interface RunningServer {
  url: string;
  /** URL to open in a browser: carries the token, which its first load trades for a cookie */
  openUrl: string;
  /** the access token: `Authorization: Bearer <token>` for scripts, `?token=` on a page's first load ("" with people) */
  token: string;
  /** with `people`: each person's token and the URL to open (empty without) */
  people: { name: string; token: string; openUrl: string }[];
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
  people: PersonTokens | null,
  cookie: string,
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
  const who = requestPerson(req, cookie, people);
  if (Array.isArray(who))
    return sendJson(res, who[0], { ok: false, error: { status: who[0], message: who[1] } });
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
    const result = await service.call(method, body, who);
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

/**
 * The answer to a page load without this start's token (a tab kept from before a restart, a
 * bookmark): HTML that says what to open, rather than a line of plain text. No script; `origin`
 * is the Host already checked (loopback, or any host the token guards), escaped.
 */
function sendTokenPage(res: ServerResponse, origin: string, reason: string): void {
  const esc = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body =
    `<!doctype html><meta charset="utf-8"><title>Pixelloop: session ended</title>` +
    `<body style="font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">` +
    `<h1 style="font-size:1.4rem">Session ended</h1>` +
    `<p data-testid="session-ended-message">This page's session ended: the server was restarted. ` +
    `Open the address it printed: <code>${esc(origin)}/?token=…</code></p>` +
    `<p style="color:#666">It is on the line starting with <code>pixelloop: open</code> where ` +
    `<code>pixelloop serve</code> runs (${esc(reason)}).</p>`;
  res.writeHead(401, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(body);
}

export async function startServer(
  service: PixelloopService,
  opts: ServerOptions = {},
): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const loopback = isLoopbackHost(host);
  const people = opts.people?.length ? new PersonTokens(opts.people) : null;
  const token = people ? "" : (opts.token ?? newToken());
  if (!token && !people) throw new Error(`serving on ${host} needs an access token`);
  // The cookie is named after the port, known once listening (before any request is handled).
  const policy: AccessPolicy = { token, cookie: TOKEN_COOKIE, loopbackOnly: loopback };
  if (people) policy.tokenOk = (given) => people.personOf(given) !== undefined;
  const knownToken = (given: string) =>
    people ? people.personOf(given) !== undefined : sameToken(given, token);
  const rendererDir = path.resolve(opts.rendererDir ?? DEFAULT_RENDERER_DIR);
  const uploads = new Uploads(service, opts.uploadLimits);
  const downloads = new Downloads(service);

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(securityHeaders(req.headers.host))) res.setHeader(k, v);
    const url = requestUrl(req);
    if (!url) return sendText(res, 400, `bad request target: ${JSON.stringify(req.url)} (expected a path)`);
    const p = url.pathname;
    // Uploads and downloads are API calls: never from another site, not even by navigation.
    const transfer = p.match(/^\/(upload|download)(\/|$)/)?.[1];
    const kind: RouteKind =
      p.startsWith("/api/") || transfer ? "api" : p.startsWith("/files/") ? "files" : "page";
    // Opening a page with ?token=… trades it for a cookie and drops it from the address bar; the
    // token in a query is accepted here only (a page's first load), never by the API or files.
    if (kind === "page" && url.searchParams.has("token") && req.method === "GET") {
      const denied = checkAccess(req, { ...policy, token: null }, kind);
      if (denied) return sendText(res, denied[0], denied[1]);
      const given = url.searchParams.get("token") ?? "";
      if (!knownToken(given)) return sendText(res, 401, "unauthorized: wrong access token");
      res.writeHead(302, {
        "set-cookie": `${policy.cookie}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`,
        // Always the start page: a path from the request could send the browser elsewhere (//host).
        location: "/",
        "cache-control": "no-store",
      });
      return res.end();
    }
    const denied = checkAccess(req, policy, kind);
    // A page opened (or reloaded) without this start's token: a page that says what to open.
    if (denied && denied[0] === 401 && kind === "page" && req.method === "GET")
      return sendTokenPage(res, `http://${req.headers.host ?? "127.0.0.1"}`, denied[1]);
    if (denied) return sendText(res, denied[0], denied[1]);
    if (transfer === "upload") return void handleUpload(uploads, req, res, url);
    if (transfer === "download") return void handleDownload(downloads, req, res, url);
    if (kind === "api") return void handleApi(service, req, res, p.slice(5), people, policy.cookie);
    if (req.method !== "GET" && req.method !== "HEAD") return sendText(res, 405, "method not allowed");
    const file = p.match(/^\/files\/(image|thumb)\/(\d+)$/);
    if (file) {
      const store = service.project;
      if (!store) return sendText(res, 409, "no project is open");
      const id = Number(file[2]);
      const failed = (e: unknown) => {
        logError(p, e);
        if (!res.headersSent) sendText(res, 500, (e as Error).message);
      };
      if (file[1] === "thumb") return void serveThumbnail(res, store, id).catch(failed);
      return void serveImage(res, store, id, req.headers["if-none-match"]).catch(failed);
    }
    if (kind === "files") return sendText(res, 404, "not found (images are served by id: /files/image/<id>)");
    serveStatic(res, rendererDir, p);
  };
  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      // The last guard: a bug in one request answers 500 and the server keeps serving.
      logError(`${req.method} ${req.url}`, e);
      if (!res.headersSent) sendText(res, 500, `internal error: ${(e as Error).message}`);
      else res.destroy();
    }
  });
  // The server reads nothing from the socket: a small limit, and a message is answered by closing.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });
  const sockets = new Set<WebSocket>();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A reset or a write to a closed socket must not end the process.
    socket.on("error", () => socket.destroy());
    const refuse = (status: number, text: string) => {
      const reason = http.STATUS_CODES[status] ?? "Error";
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    };
    try {
      const url = requestUrl(req);
      if (!url) return refuse(400, `bad request target: ${JSON.stringify(req.url)} (expected a path)`);
      if (url.pathname !== "/events") return refuse(404, "not found");
      const denied = checkAccess(req, policy, "events");
      if (denied) return refuse(denied[0], denied[1]);
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        // A malformed frame or an oversized message: ws closes that socket (1002, 1009) and
        // reports it here; nothing else is affected.
        ws.on("error", (e) => process.stderr.write(`pixelloop serve: events socket closed: ${e.message}\n`));
        ws.on("message", () => ws.close(1003, "this socket only sends events; call the API over HTTP"));
        ws.on("close", () => sockets.delete(ws));
      });
    } catch (e) {
      logError(`upgrade ${req.url}`, e);
      socket.destroy();
    }
  });
  const maxBuffered = opts.maxEventBuffer ?? MAX_WS_BUFFERED;
  const unsubscribe = service.on((event) => {
    const data = JSON.stringify(event);
    const bytes = Buffer.byteLength(data);
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      // A client that does not read: close it (the close frame waits behind what is queued; ws
      // destroys the socket if the close is not answered within its timeout) rather than queue
      // without bound.
      if (ws.bufferedAmount + bytes > maxBuffered) {
        process.stderr.write(
          `pixelloop serve: closing an events client that is not reading ` +
            `(${ws.bufferedAmount} bytes queued, limit ${maxBuffered})\n`,
        );
        ws.close(SLOW_CLIENT_CLOSE.code, SLOW_CLIENT_CLOSE.reason);
        continue;
      }
      ws.send(data);
    }
  });

  let reject0: (e: Error) => void = () => {};
  await new Promise<void>((resolve, reject) => {
    reject0 = reject;
    server.once("error", reject);
    server.listen(opts.port ?? 4780, host, () => resolve());
  });
  server.off("error", reject0);
  // Past listening, an error of the listening socket (e.g. out of file descriptors) is logged.
  server.on("error", (e) => logError("server", e));
  const port = (server.address() as AddressInfo).port;
  policy.cookie = tokenCookie(port);
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const base = `http://${shownHost}:${port}/`;
  return {
    url: base,
    openUrl: people ? base : `${base}?token=${token}`,
    token,
    people: (people?.people ?? []).map((p) => ({ ...p, openUrl: `${base}?token=${p.token}` })),
    host,
    port,
    close: async () => {
      unsubscribe();
      downloads.clear();
      uploads.clear();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
