import { afterAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  isNavigationAllowed,
  isTrustedSender,
  isVettedExternalUrl,
  resolveProtocolPath,
  secureWebPreferences,
  CONTENT_SECURITY_POLICY,
} from "./security.ts";

describe("app protocol path check", () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "pxl-proto-"));
  const ui = path.join(base, "ui");
  const images = path.join(base, "images");
  const secret = path.join(base, "secret");
  fs.mkdirSync(path.join(ui, "assets"), { recursive: true });
  fs.mkdirSync(images);
  fs.mkdirSync(secret);
  fs.writeFileSync(path.join(ui, "index.html"), "<html>");
  fs.writeFileSync(path.join(ui, "assets", "app.js"), "js");
  fs.writeFileSync(path.join(images, "a b.png"), "png");
  fs.writeFileSync(path.join(secret, "key.txt"), "secret");
  fs.symlinkSync(path.join(secret, "key.txt"), path.join(images, "link.png"));
  fs.symlinkSync(path.join(images, "a b.png"), path.join(ui, "inside-link.png"));
  const roots = [ui, images];
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it("serves files inside the roots, decoding URL escapes", () => {
    expect(resolveProtocolPath("/index.html", roots)).toBe(fs.realpathSync(path.join(ui, "index.html")));
    expect(resolveProtocolPath("/assets/app.js", roots)).toBe(
      fs.realpathSync(path.join(ui, "assets/app.js")),
    );
    expect(resolveProtocolPath("/a%20b.png", roots)).toBe(fs.realpathSync(path.join(images, "a b.png")));
    expect(resolveProtocolPath("/inside-link.png", roots)).toBe(
      fs.realpathSync(path.join(images, "a b.png")),
    );
  });

  it("refuses traversal, encoded separators, NUL, folders, missing files and symlinks out", () => {
    for (const p of [
      "/../secret/key.txt",
      "/assets/../../secret/key.txt",
      "/%2e%2e/secret/key.txt",
      "/..%2fsecret%2fkey.txt",
      "/..%5csecret%5ckey.txt",
      "/index.html%00.png",
      "/assets",
      "/nope.png",
      "/link.png",
      "/%E0%A4%A",
      "/..\\secret\\key.txt",
    ]) {
      expect(resolveProtocolPath(p, roots), p).toBeNull();
    }
  });
});

describe("navigation and external links", () => {
  it("allows only the app origin in the window", () => {
    expect(isNavigationAllowed("pixelloop://app/index.html")).toBe(true);
    expect(isNavigationAllowed("pixelloop://app/")).toBe(true);
    expect(isNavigationAllowed("pixelloop://evil/index.html")).toBe(false);
    expect(isNavigationAllowed("https://example.com/")).toBe(false);
    expect(isNavigationAllowed("file:///etc/passwd")).toBe(false);
    expect(isNavigationAllowed("not a url")).toBe(false);
  });

  it("opens externally only vetted https links", () => {
    expect(isVettedExternalUrl("https://github.com/pixelloop")).toBe(true);
    expect(isVettedExternalUrl("http://github.com/pixelloop")).toBe(false);
    expect(isVettedExternalUrl("https://github.com.evil.io/")).toBe(false);
    expect(isVettedExternalUrl("https://user:pw@github.com/")).toBe(false);
    expect(isVettedExternalUrl("file:///etc/passwd")).toBe(false);
    expect(isVettedExternalUrl("javascript:alert(1)")).toBe(false);
  });

  it("trusts IPC only from the app's main frame", () => {
    expect(isTrustedSender("pixelloop://app/index.html", true)).toBe(true);
    expect(isTrustedSender("pixelloop://app/index.html", false)).toBe(false);
    expect(isTrustedSender("https://example.com/", true)).toBe(false);
    expect(isTrustedSender(undefined, true)).toBe(false);
  });
});

describe("window security settings", () => {
  it("isolates the page from Node", () => {
    const p = secureWebPreferences("/app/preload.cjs");
    expect(p).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
  });
  it("has a strict content security policy", () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("unsafe-eval");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });
});
