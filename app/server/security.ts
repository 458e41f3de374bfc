/**
 * Who may talk to the server (docs/security.md). Every request: its Host must name the loopback
 * address when the server is bound to loopback (no DNS rebinding); an Origin, when sent, must be
 * this server (`Origin: null`, sent by sandboxed frames, file:// pages and cross-site redirects,
 * is refused); a browser's Sec-Fetch-Site must say same-origin or none (typed by the user) except
 * for a top-level navigation to a page, so no other site can call the API, open the events
 * socket or embed the user's images. On every address (loopback too) a per-launch token is
 * required as well: a Bearer header, or the HttpOnly SameSite=Strict cookie the server sets when a
 * page is opened once with ?token= (the query token is accepted there only, then dropped from the
 * address bar). The cookie is named after the port (`pixelloop_token_<port>`): cookies are not
 * kept apart by port, so two servers on one machine would otherwise log each other out.
 */
import crypto from "node:crypto";
import type { IncomingMessage } from "node:http";

export const TOKEN_COOKIE = "pixelloop_token";

/** The cookie that carries the token of the server on `port`. */
export function tokenCookie(port: number): string {
  return `${TOKEN_COOKIE}_${port}`;
}

/** What a request asks for: pages (the UI build) may be navigated to from elsewhere, nothing else. */
export type RouteKind = "page" | "api" | "files" | "events";

export function isLoopbackHost(host: string): boolean {
  return (
    host === "127.0.0.1" ||
    host === "localhost" ||
    host === "::1" ||
    host === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

export function newToken(): string {
  return crypto.randomBytes(24).toString("base64url");
}

export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Never throws: a value that is not valid percent-encoding is compared as sent (and so refused). */
function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return undefined;
}

/** The token a request carries in a Bearer header or the cookie, if any (never from the query). */
export function requestToken(req: IncomingMessage, cookie: string): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  return cookieValue(req, cookie);
}

/**
 * The request target as a URL, or null when it is not a plain path ("*", an absolute URL, or
 * something the URL parser refuses). Parsed as a path under a fixed origin, so `//` and
 * `//x:99999/` are paths, never a host and port.
 */
export function requestUrl(req: IncomingMessage): URL | null {
  const raw = req.url ?? "";
  if (!raw.startsWith("/")) return null;
  try {
    return new URL(`http://localhost${raw}`);
  } catch {
    return null;
  }
}

export interface AccessPolicy {
  /** required token, or null when only the other checks apply (the ?token= exchange) */
  token: string | null;
  /** name of the cookie that carries it */
  cookie: string;
  /** bound to loopback: Host must name a loopback address */
  loopbackOnly: boolean;
  /** people's own tokens (`serve --person`, people.ts): when set, the only tokens accepted */
  tokenOk?: (given: string) => boolean;
}

/** null when the request may proceed, otherwise [status, reason]. */
export function checkAccess(
  req: IncomingMessage,
  policy: AccessPolicy,
  kind: RouteKind,
): [number, string] | null {
  const host = req.headers.host ?? "";
  const hostname = host.replace(/:\d+$/, "");
  if (policy.loopbackOnly && !isLoopbackHost(hostname)) {
    return [403, `forbidden: host "${host}" is not this machine's loopback address`];
  }
  const origin = req.headers.origin;
  if (origin === "null") {
    return [
      403,
      "forbidden: request from an opaque origin (Origin: null: a sandboxed frame, a file:// page or a redirect from another site)",
    ];
  }
  if (origin !== undefined) {
    let originHost = "";
    try {
      originHost = new URL(origin).host;
    } catch {
      // unparsable origin: treated as foreign
    }
    if (originHost !== host) return [403, `forbidden: cross-origin request from ${origin}`];
  }
  // Browsers say where a request comes from; clients without the header (the CLI, curl) pass.
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    const navigation =
      kind === "page" &&
      req.headers["sec-fetch-mode"] === "navigate" &&
      (req.headers["sec-fetch-dest"] ?? "document") === "document";
    if (!navigation)
      return [403, `forbidden: ${String(site)} request (only this server's own pages may ask)`];
  }
  if (policy.token !== null) {
    const given = requestToken(req, policy.cookie);
    if (!given)
      return [
        401,
        "unauthorized: this server needs the access token it printed at start (open the URL it printed, with ?token=…)",
      ];
    const ok = policy.tokenOk ? policy.tokenOk(given) : sameToken(given, policy.token);
    if (!ok) return [401, "unauthorized: wrong access token"];
  }
  return null;
}

/**
 * Headers on every answer: no framing (frame-ancestors, X-Frame-Options), no loading as a
 * resource by other sites (Cross-Origin-Resource-Policy), no type sniffing, no Referer (a URL
 * never leaks to another site), and the page's CSP: scripts and connections to this server only.
 * `host` (already checked) names this server for the events socket.
 */
export function securityHeaders(host: string | undefined): Record<string, string> {
  const ws = host && /^[A-Za-z0-9.[\]:-]+$/.test(host) ? ` ws://${host}` : "";
  return {
    "content-security-policy": [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' blob: data:",
      `connect-src 'self'${ws}`,
      "font-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
    "x-frame-options": "DENY",
    "cross-origin-resource-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
}
