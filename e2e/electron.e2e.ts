/**
 * Electron smoke test: launches the packaged shell (dist/main) with Playwright's _electron,
 * checks the window's security settings and that the UI reaches the core over IPC.
 * Runs only when the Electron binary is installed; otherwise it is reported as skipped with
 * the reason (machines without internet cannot download it).
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { _electron as electron } from "playwright-core";

const ROOT = path.resolve(import.meta.dirname, "..");

function electronBinary(): { path?: string; reason?: string } {
  const dir = path.join(ROOT, "node_modules", "electron");
  const pathFile = path.join(dir, "path.txt");
  if (!fs.existsSync(pathFile))
    return {
      reason:
        "Electron binary not installed (node_modules/electron/path.txt missing: its download needs internet)",
    };
  const bin = path.join(dir, "dist", fs.readFileSync(pathFile, "utf8"));
  return fs.existsSync(bin) ? { path: bin } : { reason: `Electron binary missing at ${bin}` };
}

const found = electronBinary();
if (!found.path) console.warn(`electron smoke test skipped: ${found.reason}`);

describe.skipIf(!found.path)(`Electron shell${found.path ? "" : ` (skipped: ${found.reason})`}`, () => {
  it("opens a sandboxed window whose UI talks to the core over IPC", async () => {
    execFileSync(process.execPath, [path.join(ROOT, "scripts/build-main.mjs")], { cwd: ROOT });
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-electron-"));
    const app = await electron.launch({
      executablePath: found.path,
      args: [ROOT, "--no-sandbox", "--disable-gpu"],
      env: { ...process.env, PIXELLOOP_HOME: home },
    });
    try {
      const page = await app.firstWindow();
      expect(page.url()).toMatch(/^pixelloop:\/\/app\//);
      // Context isolation and no Node in the page: only the preload's typed bridge is visible.
      const exposed = await page.evaluate(() => ({
        process: typeof (globalThis as { process?: unknown }).process,
        bridge: Object.keys((globalThis as unknown as { pixelloop: object }).pixelloop).sort(),
      }));
      expect(exposed).toEqual({ process: "undefined", bridge: ["methods", "onEvent", "shell"] });
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
        "undefined",
      );
      const info = await page.evaluate(() =>
        (
          globalThis as unknown as {
            pixelloop: { methods: Record<string, (r?: unknown) => Promise<unknown>> };
          }
        ).pixelloop.methods["app.info"](),
      );
      expect(info).toHaveProperty("version");
    } finally {
      await app.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
