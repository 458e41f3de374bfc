/**
 * E2E harness: a real `pixelloop serve` child process (its own PIXELLOOP_HOME and projects
 * folder in a temp dir) and Chromium driven by playwright-core; fixture projects made as the CLI
 * would make them (each spec file, and each test that changes one, has its own); the server's
 * API and events as another front door sees them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page, type WebSocketRoute } from "playwright-core";
import sharp from "sharp";
import { WebSocket } from "ws";
import { afterAll, beforeAll } from "vitest";
import { ProjectStore } from "../app/store/project-store.ts";
import { encodePrediction, PredictionRecorder } from "../app/jobs/project-prediction.ts";
import { headerOnlyWeights } from "../app/testing/service-fixture.ts";
import { importImages } from "../app/images/importer.ts";
import { cloneMask, Source } from "../app/common/mask.ts";
import type { ApiEvent, TrainingStatus } from "../app/common/api-types.ts";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const RESULTS = path.join(ROOT, "test-results");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface Served {
  /** the server's address (no token: pages opened in a context that has the cookie) */
  url: string;
  /** the access token `pixelloop serve` printed at start */
  token: string;
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
      // The fixtures' projects and exports live in the test's folder: chosen on the command line.
      "--allow",
      dir,
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
  // The address and the token, read from what `pixelloop serve` prints for its user.
  const [url, token] = await new Promise<[string, string]>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening (http:\/\/\S+)/.exec(out);
      const t = /access token (\S+)/.exec(out);
      if (m && t) resolve([m[1], t[1]]);
    });
    proc.on("exit", (code) => reject(new Error(`pixelloop serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    token,
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

/**
 * The address a person opens first in a new browser context: with the printed token, which the
 * server trades for its cookie, redirecting to the clean address (the `#…` route is kept).
 */
/**
 * A spec file's server and browser: `pixelloop serve` (with `args`) and Chromium started before
 * its tests (vitest's beforeAll, so a file's own beforeAll after this call can use them), handed
 * to `ready`, and stopped after them.
 */
export function withServerAndBrowser(
  ready: (server: Served, browser: Browser) => void,
  args: string[] = [],
): void {
  let server: Served | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await serve(args);
    browser = await launch();
    ready(server, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
}

export function firstUrl(server: Served, hash = ""): string {
  return `${server.url}?token=${encodeURIComponent(server.token)}${hash}`;
}

/** Headers a script sends to the server: its printed token as a Bearer header. */
export function authHeaders(server: Served): Record<string, string> {
  return { authorization: `Bearer ${server.token}` };
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

/**
 * A page in a context of its own (its own cookies and storage: another person, or the same one
 * in another browser). `person`: the name this browser labels as, as if typed in its first-run
 * prompt (#34); null: none yet, so the page asks.
 */
export async function newPage(
  browser: Browser,
  size = { width: 1440, height: 900 },
  { person = "tester" as string | null } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
  if (person !== null)
    await context.addInitScript((name) => {
      try {
        if (localStorage.getItem("pixelloop.person") === null) localStorage.setItem("pixelloop.person", name);
      } catch {
        // a page without storage (about:blank)
      }
    }, person);
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

/** A few small demo images (garden-01.png ..., 320x240) copied to a fresh folder (what a person would import). */
export function sampleImages(dir: string, count = 3, folder = "incoming"): string {
  const src = path.join(ROOT, "resources/demo/images");
  const to = path.join(dir, folder);
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

/** The classes of the fixture projects (as the start screen's defaults plus "sky"). */
export const FIXTURE_CLASSES = [
  { idx: 0, name: "background", color: "#000000" },
  { idx: 1, name: "object", color: "#ff0000" },
  { idx: 2, name: "sky", color: "#3399ff" },
];

/**
 * A project file `<dir>/<name>.pxl` of `images` demo images copied to its own folder
 * (`<dir>/<name>-images`, so a test may move or replace them), made as the CLI makes one.
 */
export async function fixtureProject(dir: string, name: string, { images = 3 } = {}): Promise<string> {
  const file = path.join(dir, `${name}.pxl`);
  const store = ProjectStore.create(file, { name, classes: FIXTURE_CLASSES });
  try {
    if (images > 0)
      await importImages(store, [sampleImages(dir, images, `${name}-images`)], { split: "train" });
  } finally {
    store.close();
  }
  return file;
}

/**
 * Labels a rectangle of an image with a class (hand-drawn, one stroke), through its own
 * connection as a script or the CLI would; the rectangle is in fractions of the image (0..1).
 * Returns the pixels it covers.
 */
export function labelRect(
  file: string,
  imageId: number,
  classIdx: number,
  [x0, y0, x1, y1]: [number, number, number, number],
): number {
  const store = ProjectStore.open(file);
  try {
    const before = store.mask(imageId);
    const after = cloneMask(before);
    const [w, h] = [before.width, before.height];
    let n = 0;
    for (let y = Math.round(y0 * h); y < Math.round(y1 * h); y++)
      for (let x = Math.round(x0 * w); x < Math.round(x1 * w); x++) {
        after.classes[y * w + x] = classIdx;
        after.sources[y * w + x] = Source.human;
        n++;
      }
    store.commitDiff(imageId, before, after, {
      tool: "brush",
      classIdx,
      width: 1,
      points: [[Math.round(x0 * w), Math.round(y0 * h)]],
      author: "script",
    });
    return n;
  } finally {
    store.close();
  }
}

/** Reads a project file the way any other process would, while the server keeps it open. */
export function inStore<T>(file: string, f: (s: ProjectStore) => T): T {
  const s = ProjectStore.open(file, { readonly: true });
  try {
    return f(s);
  } finally {
    s.close();
  }
}

/**
 * A copy of a project file next to it (ProjectStore.copyTo: consistent while the server has it
 * open), through a connection of its own as the CLI opens one (a read-only look is query_only
 * when nobody has the file open, and the copy counts as a write there).
 */
export function copyProject(file: string, name: string): string {
  const copy = path.join(path.dirname(file), `${name}.pxl`);
  const source = ProjectStore.open(file);
  try {
    source.copyTo(copy);
  } finally {
    source.close();
  }
  const store = ProjectStore.open(copy);
  store.setMeta("name", name);
  store.close();
  return copy;
}

/** Calls the server's API as another front door would (not through the page); throws its error. */
export async function callApi<T = unknown>(server: Served, method: string, body: unknown = {}): Promise<T> {
  const r = await fetch(`${server.url}api/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...authHeaders(server) },
    body: JSON.stringify(body),
  });
  const answer = (await r.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!answer.ok) throw new Error(`${method}: ${answer.error?.message}`);
  return answer.result as T;
}

/**
 * Runs `action` with the server's events socket open and resolves with the first event `match`
 * accepts: waits on the event itself, never on a timer.
 */
export async function eventDuring<T extends ApiEvent>(
  server: Served,
  match: (e: ApiEvent) => e is T,
  action: () => Promise<unknown>,
): Promise<T> {
  const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}events`, { headers: authHeaders(server) });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const event = new Promise<T>((resolve, reject) => {
      ws.on("message", (data) => {
        const e = JSON.parse(String(data)) as ApiEvent;
        if (match(e)) resolve(e);
      });
      ws.once("close", () => reject(new Error("the events socket closed before the event came")));
    });
    await action();
    return await event;
  } finally {
    ws.close();
  }
}

/** Training is not available in this build: why (the training panel says the same). */
export async function trainingUnavailable(server: Served): Promise<string | null> {
  const s = await callApi<TrainingStatus>(server, "training.status");
  return s.available ? null : `training is not available in this build: ${s.reason ?? "no reason given"}`;
}

/**
 * Trains the open project's model through the API (a tiny network, a few epochs: a model to
 * work with, not a good one), then the images are predicted and the queue picked, as after a
 * training in the app. Resolves with the final status.
 */
export async function trainOpenProject(server: Served): Promise<TrainingStatus> {
  const ended = (e: ApiEvent): e is Extract<ApiEvent, { type: "training.status" }> =>
    e.type === "training.status" && ["done", "failed", "cancelled"].includes(e.status.state);
  const { status } = await eventDuring(server, ended, () =>
    callApi(server, "training.start", { epochs: 3, size: 64, widths: [4, 8], backend: "wasm" }),
  );
  if (status.state !== "done") throw new Error(`training ended ${status.state}: ${status.message}`);
  return status;
}

/** The labeling screen's save badge says every change is saved. */
export async function expectSaved(p: Page): Promise<void> {
  await p.getByTestId("save-state").and(p.locator('[data-state="saved"]')).waitFor();
}

/**
 * Waits for a condition on what another process reads (the project file): polls `read` between
 * turns of the event loop, up to `timeoutMs` (then fails with the last value it read).
 */
export async function until<T>(
  read: () => T,
  ok: (v: T) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

/** A page of its own (closed by the caller: `context.close()`) on the project the server has open. */
export async function openProject(
  browser: Browser,
  server: Served,
  file: string,
  hash = "#/browse",
  size?: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  await callApi(server, "project.open", { file });
  const p = await newPage(browser, size);
  await p.page.goto(firstUrl(server, hash));
  return p;
}

/** The canvas as shown, read back: its pixel at a point given in canvas-box fractions. */
export async function shownAt(page: Page, [fx, fy]: [number, number]): Promise<number[]> {
  await page.mouse.move(1, 1); // no brush outline over the canvas
  const box = page.getByTestId("canvas");
  const { data, info } = await sharp(await box.screenshot())
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const i = (Math.round(fy * info.height) * info.width + Math.round(fx * info.width)) * 3;
  return [data[i], data[i + 1], data[i + 2]];
}

export const differs = (a: number[], b: number[]) => a.some((v, k) => Math.abs(v - b[k]) > 40);

/**
 * Holds the page's first events socket away from the server (it opens, mocked, and nothing sent
 * on it arrives; closing it makes the page reconnect); later sockets reach the server. Returns
 * the sockets as the page opens them.
 */
export async function holdFirstEventsSocket(page: Page): Promise<WebSocketRoute[]> {
  const sockets: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/events$/, (ws) => {
    if (sockets.push(ws) > 1) ws.connectToServer();
  });
  return sockets;
}

/**
 * Waits until the page's events socket is open (the status bar says "live"): what another tab,
 * process or API call changes from then on reaches the page as an event.
 */
export async function eventsOpen(page: Page): Promise<void> {
  await page.getByTestId("connection").getByText("● live").waitFor();
}

/**
 * A model stored as a finished run leaves it, with a header-only weights blob (enough for the app
 * to read its classes: the project's); its id.
 */
export function storeModel(store: ProjectStore, metrics: unknown = {}, name = "m"): number {
  return store.models.insert({
    name,
    architecture: {},
    backend: "wasm",
    weights: headerOnlyWeights(store.classes().length),
    labelSnapshot: {},
    metrics,
    parentId: null,
  });
}

/**
 * A model's prediction of an image stored as a run stores it (encoded, the image marked predicted
 * when it has no labels): class `cls` everywhere, per pixel the normalized `entropy(x, y)` (0..1),
 * confidence and margin 1 - entropy.
 */
export function storePrediction(
  store: ProjectStore,
  imageId: number,
  modelId: number,
  cls: number,
  entropy: (x: number, y: number) => number,
): void {
  const { width, height } = store.requireImage(imageId);
  const n = width * height;
  const e = new Float32Array(n);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) e[y * width + x] = entropy(x, y);
  const sure = e.map((v) => 1 - v);
  const prediction = {
    width,
    height,
    numClasses: store.classes().length,
    classMap: new Uint8Array(n).fill(cls),
    confidence: sure,
    margin: sure,
    entropy: e,
  };
  new PredictionRecorder(store, modelId, 1, {}).predicted(imageId, encodePrediction(prediction));
}
