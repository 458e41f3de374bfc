/**
 * E2E harness: a real `pixelloop serve` child process (its own PIXELLOOP_HOME and projects
 * folder in a temp dir) and Chromium driven by playwright-core.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const RESULTS = path.join(ROOT, "test-results");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface Served {
  url: string;
  dir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export async function serve(args: string[] = []): Promise<Served> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-e2e-"));
  const proc = spawn(
    process.execPath,
    [
      path.join(ROOT, "bin/pixelloop.mjs"),
      "serve",
      "--port",
      "0",
      "--projects-dir",
      path.join(dir, "projects"),
      ...args,
    ],
    {
      cwd: dir,
      env: { ...process.env, PIXELLOOP_HOME: path.join(dir, "home") },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on("exit", (code) => reject(new Error(`pixelloop serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    dir,
    proc,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** scrollbars: drawn as on a desktop (they take room), not hidden as headless Chromium has them. */
export async function launch({ scrollbars = false } = {}): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: scrollbars ? ["--hide-scrollbars"] : undefined,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}

export async function newPage(
  browser: Browser,
  size = { width: 1440, height: 900 },
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`) });
}

/** A few small demo images copied to a fresh folder (what a person would import). */
export function sampleImages(dir: string, count = 3): string {
  const src = path.join(ROOT, "resources/demo/images");
  const to = path.join(dir, "incoming");
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs
    .readdirSync(src)
    .filter((f) => f.endsWith(".png"))
    .sort()
    .slice(0, count))
    fs.copyFileSync(path.join(src, f), path.join(to, f));
  return to;
}

/** Drags the mouse along a polyline given in canvas-box fractions (0..1). */
export async function drawStroke(page: Page, points: [number, number][], steps = 8): Promise<void> {
  const box = await page.getByTestId("canvas").boundingBox();
  if (!box) throw new Error("canvas not visible");
  const at = (p: [number, number]) => [box.x + p[0] * box.width, box.y + p[1] * box.height] as const;
  const [x0, y0] = at(points[0]);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const p of points.slice(1)) {
    const [x, y] = at(p);
    await page.mouse.move(x, y, { steps });
  }
  await page.mouse.up();
}
