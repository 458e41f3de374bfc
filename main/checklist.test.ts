/**
 * The rest of Electron's security checklist (docs/electron.md, "The checklist, item by
 * item") that plain Node can check: every window flag, what the preload exposes, the wiring in
 * main.ts that needs Electron to run (checked in its source), nothing in the shell or the UI that
 * turns a protection off, and the Electron version.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { secureWebPreferences } from "./security.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");

/** Source files of the shell and the UI (tests excepted: they name what they look for). */
function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const dir of ["main", "renderer"])
    for (const f of fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
      if (/\.(ts|tsx|html)$/.test(f) && !/\.test\.ts$/.test(f))
        out.push({ file: `${dir}/${f}`, text: read(`${dir}/${f}`) });
  return out;
}

describe("the window's web preferences (checklist 2-4, 6, 8-11)", () => {
  it("turn every protection on and every risky feature off, in development too", () => {
    for (const isPackaged of [true, false]) {
      const p = secureWebPreferences("/app/preload.cjs", { isPackaged }) as unknown as Record<
        string,
        unknown
      >;
      expect(p).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
      });
      expect(p).not.toHaveProperty("enableBlinkFeatures");
      expect(p).not.toHaveProperty("additionalArguments");
    }
  });

  it("nothing in the shell or the UI turns one back on", () => {
    const risky = [
      /enableBlinkFeatures/,
      /allowpopups/i,
      /<webview/i,
      /nodeIntegration\w*:\s*true/,
      /contextIsolation:\s*false/,
      /sandbox:\s*false/,
      /webSecurity:\s*false/,
      /allowRunningInsecureContent:\s*true/,
      /loadFile\(|loadURL\(\s*[`"']file:/,
      /script-src[^;\n]*unsafe-eval/,
    ];
    for (const { file, text } of sources())
      for (const r of risky) expect(r.test(text), `${file} matches ${r}`).toBe(false);
  });
});

describe("main.ts wiring (checklist 5, 12-15, 17): present in its source", () => {
  const main = read("main/main.ts");
  it("denies permissions, webviews, navigation and new windows; opens only vetted links", () => {
    expect(main).toContain("setPermissionRequestHandler");
    expect(main).toContain("setPermissionCheckHandler");
    expect(main).toContain("setDevicePermissionHandler(() => false)");
    expect(main).toMatch(/will-attach-webview", \(e\) => e\.preventDefault\(\)/);
    expect(main.match(/if \(!isNavigationAllowed\(url\)\) (e|ev)\.preventDefault\(\)/g)).toHaveLength(2);
    expect(main.match(/return \{ action: "deny" \}|\(\) => \(\{ action: "deny" \}\)/g)).toHaveLength(2);
    // The one openExternal call is behind the vetted-link check.
    expect(main.match(/shell\.openExternal/g)).toHaveLength(1);
    expect(main).toMatch(/if \(isVettedExternalUrl\(url\)\) void shell\.openExternal\(url\)/);
  });
  it("checks the sender of every IPC channel it handles", () => {
    const handlers = main.match(/ipcMain\.handle\(/g) ?? [];
    expect(handlers.length).toBe(2);
    // Each handler passes the sender frame to a function that refuses untrusted frames.
    expect(main.match(/isMainFrame: event\.senderFrame === event\.sender\.mainFrame/g)).toHaveLength(2);
    expect(main).not.toMatch(/ipcMain\.on\(/);
  });
});

describe("the preload (checklist 20)", () => {
  it("exposes the typed API, its events and the folder dialog only: no Electron object reaches the page", async () => {
    const exposed: Record<string, unknown> = {};
    const invoked: unknown[][] = [];
    vi.doMock("electron", () => ({
      contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => {
          invoked.push(args);
          return { ok: true, value: null };
        },
        on: () => undefined,
        removeListener: () => undefined,
      },
    }));
    await import("./preload.ts");
    expect(Object.keys(exposed)).toEqual(["pixelloop"]);
    const bridge = exposed.pixelloop as Record<string, unknown>;
    expect(Object.keys(bridge).sort()).toEqual(["methods", "onEvent", "pick", "shell"]);
    expect(bridge.shell).toBe("electron");
    for (const f of Object.values(bridge.methods as Record<string, unknown>))
      expect(typeof f).toBe("function");
    // The page gives a channel's arguments, never the channel.
    await (bridge.pick as (p: string) => Promise<unknown>)("import");
    await (bridge.methods as Record<string, (r: unknown) => Promise<unknown>>)["app.info"]({});
    expect(invoked.map((a) => a[0])).toEqual(["pixelloop:pick", "pixelloop:call"]);
    vi.doUnmock("electron");
  });
});

describe("the Electron version (checklist 16)", () => {
  it("is the 45.x line at 45.6.1 or later, as installed when it is", () => {
    const pkg = JSON.parse(read("package.json")) as {
      devDependencies?: Record<string, string>;
      dependencies?: Record<string, string>;
    };
    const range = pkg.devDependencies?.electron ?? pkg.dependencies?.electron;
    expect(range).toBe("^45.6.1");
    const installed = path.join(ROOT, "node_modules", "electron", "package.json");
    if (fs.existsSync(installed)) {
      const [major, minor] = (JSON.parse(fs.readFileSync(installed, "utf8")) as { version: string }).version
        .split(".")
        .map(Number);
      expect(major).toBe(45);
      expect(minor).toBeGreaterThanOrEqual(6);
    }
  });
});
