/**
 * What the shell decides by itself, kept free of Electron imports so it is unit-tested under
 * plain Node: which files the app protocol may serve, where the window may navigate, which
 * external links open, and the window's security settings.
 */
import fs from "node:fs";
import path from "node:path";

/** Scheme of the privileged protocol that serves the UI and the project's images. */
export const APP_SCHEME = "pixelloop";
export const APP_ORIGIN = `${APP_SCHEME}://app`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' blob: data: ${APP_SCHEME}:`,
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Maps a URL path under the app protocol to a file inside one of `roots`, or null.
 * Refuses encoded separators and NUL, `..` segments that climb out, and symlinks whose
 * target lies outside every root (paths are compared after realpath).
 */
export function resolveProtocolPath(urlPath: string, roots: readonly string[]): string | null {
  if (/%2f|%5c|%00/i.test(urlPath)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const segments = decoded.split("/").filter((s) => s.length > 0);
  if (segments.some((s) => s === "..")) return null;
  const realRoots: string[] = [];
  for (const root of roots) {
    try {
      realRoots.push(fs.realpathSync(root));
    } catch {
      // a root that does not exist serves nothing
    }
  }
  for (const realRoot of realRoots) {
    let real: string;
    try {
      real = fs.realpathSync(path.join(realRoot, ...segments));
    } catch {
      continue;
    }
    // The resolved target (after symlinks) must itself lie inside an allowed root.
    if (realRoots.some((r) => isInside(real, r)) && fs.statSync(real).isFile()) return real;
  }
  return null;
}

export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The window only ever shows the app itself; everything else is refused. */
export function isNavigationAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

const EXTERNAL_HOSTS = new Set(["github.com", "www.tensorflow.org", "js.tensorflow.org"]);

/** Links that may open in the user's browser: https to a short list of documentation hosts. */
export function isVettedExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (
      u.protocol === "https:" && EXTERNAL_HOSTS.has(u.hostname) && u.username === "" && u.password === ""
    );
  } catch {
    return false;
  }
}

/** True when an IPC message comes from our own top-level page. */
export function isTrustedSender(frameUrl: string | undefined, isMainFrame: boolean): boolean {
  return isMainFrame && typeof frameUrl === "string" && isNavigationAllowed(frameUrl);
}

/**
 * Web permissions the window may be granted: none. The app needs no camera, microphone,
 * location, notifications, clipboard reads, MIDI, HID, serial or USB; a request for any of them
 * (from the app or from anything that got into it) is denied, and so is every permission check.
 */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set<string>();

export function isPermissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return (
    GRANTED_PERMISSIONS.has(permission) &&
    typeof requestingUrl === "string" &&
    isNavigationAllowed(requestingUrl)
  );
}

/** DevTools only in development: a packaged build neither shows the menu item nor opens them. */
export function devToolsAllowed(isPackaged: boolean): boolean {
  return !isPackaged;
}

export interface SecureWebPreferences {
  preload: string;
  devTools: boolean;
  contextIsolation: true;
  sandbox: true;
  nodeIntegration: false;
  nodeIntegrationInWorker: false;
  nodeIntegrationInSubFrames: false;
  webSecurity: true;
  allowRunningInsecureContent: false;
  experimentalFeatures: false;
  webviewTag: false;
  spellcheck: false;
}

export function secureWebPreferences(
  preload: string,
  opts: { isPackaged?: boolean } = {},
): SecureWebPreferences {
  return {
    preload,
    devTools: devToolsAllowed(opts.isPackaged ?? true),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    spellcheck: false,
  };
}
