/**
 * Who may talk to the server. On loopback without a token: only requests whose Host names
 * the loopback address (no DNS rebinding) and whose Origin, when sent, is this server (no
 * cross-site requests). On any other address a token is required as well: a Bearer header,
 * or the HttpOnly SameSite=Strict cookie the server sets when the page is opened with ?token=.
 */
import crypto from "node:crypto";
import type { IncomingMessage } from "node:http";

export const TOKEN_COOKIE = "pixelloop_token";

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

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** The token a request carries (header, cookie or ?token=), if any. */
export function requestToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  return cookieValue(req, TOKEN_COOKIE) ?? url.searchParams.get("token") ?? undefined;
}

export interface AccessPolicy {
  /** required token, or null when only loopback checks apply */
  token: string | null;
  /** bound to loopback: Host must name a loopback address */
  loopbackOnly: boolean;
}

/** null when the request may proceed, otherwise [status, reason]. */
export function checkAccess(req: IncomingMessage, url: URL, policy: AccessPolicy): [number, string] | null {
  const host = req.headers.host ?? "";
  const hostname = host.replace(/:\d+$/, "");
  if (policy.loopbackOnly && !isLoopbackHost(hostname)) {
    return [403, `forbidden: host "${host}" is not this machine's loopback address`];
  }
  const origin = req.headers.origin;
  if (origin && origin !== "null") {
    let originHost = "";
    try {
      originHost = new URL(origin).host;
    } catch {
      // unparsable origin: treated as foreign
    }
    if (originHost !== host) return [403, `forbidden: cross-origin request from ${origin}`];
  }
  if (policy.token !== null) {
    const given = requestToken(req, url);
    if (!given)
      return [
        401,
        "unauthorized: this server needs the access token it printed at start (open the URL with ?token=…)",
      ];
    if (!sameToken(given, policy.token)) return [401, "unauthorized: wrong access token"];
  }
  return null;
}
