/**
 * The Electron build's lock-down that plain Node can check (issue 32): no web permission is
 * granted, DevTools only in development, and the fuses electron-builder flips when packaging.
 */
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { devToolsAllowed, isPermissionAllowed, secureWebPreferences } from "./security.ts";

describe("permissions", () => {
  it("denies every permission, to the app itself and to anything else", () => {
    const permissions = [
      "media",
      "geolocation",
      "notifications",
      "midi",
      "midiSysex",
      "pointerLock",
      "fullscreen",
      "openExternal",
      "clipboard-read",
      "clipboard-sanitized-write",
      "display-capture",
      "idle-detection",
      "hid",
      "serial",
      "usb",
      "storage-access",
      "unknown-future-permission",
    ];
    for (const p of permissions)
      for (const origin of ["pixelloop://app/index.html", "https://example.com/", undefined])
        expect(isPermissionAllowed(p, origin), `${p} ${origin}`).toBe(false);
  });
});

describe("DevTools", () => {
  it("are off in a packaged build (no menu item, cannot be opened) and on in development", () => {
    expect(devToolsAllowed(true)).toBe(false);
    expect(devToolsAllowed(false)).toBe(true);
    expect(secureWebPreferences("/app/preload.cjs", { isPackaged: true }).devTools).toBe(false);
    expect(secureWebPreferences("/app/preload.cjs", { isPackaged: false }).devTools).toBe(true);
    // Not told: the safe side.
    expect(secureWebPreferences("/app/preload.cjs").devTools).toBe(false);
  });
});

describe("fuses", () => {
  it("electron-builder.yml flips them: no run-as-node, NODE_OPTIONS, --inspect; only app.asar, checked", () => {
    const cfg = parse(fs.readFileSync(path.resolve(import.meta.dirname, "../electron-builder.yml"), "utf8"));
    expect(cfg.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(cfg.asar).toBe(true);
  });
});
