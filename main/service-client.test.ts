/**
 * The desktop app's split (docs/architecture.md, "What runs where"): the core runs in a process of
 * its own and the main process only forwards. Electron is not needed to test our part of it: the
 * core's real entry (app/server/service-host-main.ts) runs in a worker thread, whose port stands
 * in for the utility process's, and its training workers are worker threads that main starts.
 */
import fs from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { build } from "esbuild";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceClient, type CoreProcess, type WorkerProcess } from "./service-client.ts";
import type { ApiEvent, ImageList, ImportResult, TrainingStatus } from "../app/common/api-types.ts";
import type { FromHost } from "../app/server/host-protocol.ts";
import { DISC_CLASSES, serviceDir, writeDiscImages } from "../app/testing/service-fixture.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const TSX = ["--import", import.meta.resolve("tsx")];

/** A worker thread of `entry` (TypeScript, under tsx) and whether it has exited. */
function thread(entry: string) {
  const worker = new Worker(path.join(ROOT, entry), { execArgv: TSX });
  const exited = new Promise<number>((resolve) => worker.on("exit", resolve));
  return { worker, exited };
}

function coreThread(): CoreProcess & { exited: Promise<number> } {
  const { worker, exited } = thread("app/server/service-host-main.ts");
  return {
    exited,
    postMessage: (m) => worker.postMessage(m),
    onMessage: (l) => worker.on("message", (m: FromHost) => l(m)),
    onExit: (l) => worker.on("exit", l),
    kill: () => void worker.terminate(),
  };
}

let forks = 0;
function forkWorker(): WorkerProcess {
  forks++;
  const { worker } = thread("app/jobs/worker-main.ts");
  return {
    postMessage: (m) => worker.postMessage(m),
    onMessage: (l) => worker.on("message", l),
    onError: (l) => worker.on("error", (e) => l(e.message)),
    onExit: (l) => worker.on("exit", l),
    kill: () => void worker.terminate(),
  };
}

/** The first event `match` accepts, from the moment of the call. */
function nextEvent(client: ServiceClient, match: (e: ApiEvent) => boolean): Promise<ApiEvent> {
  return new Promise((resolve) => {
    const off = client.on((e) => {
      if (match(e)) {
        off();
        resolve(e);
      }
    });
  });
}

describe("the core in a process of its own, main forwarding", () => {
  const dir = serviceDir("pixelloop-core-host-");
  let core: ReturnType<typeof coreThread>;
  let client: ServiceClient;

  beforeAll(async () => {
    core = coreThread();
    client = new ServiceClient(
      core,
      {
        projectsDir: dir,
        recentFile: path.join(dir, "recent.json"),
        demoDir: path.join(dir, "demo"),
        transport: "ipc",
        watchMs: 0,
      },
      forkWorker,
    );
    await client.ready;
  });
  afterAll(async () => {
    await client.close();
    await core.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("answers calls, passes refusals with their status and forwards the core's events", async () => {
    const changed = nextEvent(client, (e) => e.type === "project.changed");
    const info = (await client.call("project.create", { name: "split", dir, classes: DISC_CLASSES })) as {
      file: string;
    };
    expect(info.file).toBe(path.join(dir, "split.pxl"));
    expect(await changed).toMatchObject({ type: "project.changed", project: { file: info.file } });
    expect(await client.call("classes.list", {})).toMatchObject([
      { idx: 0, name: "ground" },
      { name: "disc" },
    ]);
    const refused = client.call("strokes.commit", {
      imageId: -1,
      tool: "brush",
      classIdx: 0,
      width: 3,
      points: [[0, 0]],
    });
    await expect(refused).rejects.toMatchObject({ name: "ApiError", status: 400 });
    await expect(refused).rejects.toThrow(/imageId/);
    // Outside the projects folder until the person picks it in a dialog.
    const elsewhere = serviceDir("pixelloop-core-picked-");
    await expect(
      client.call("project.create", { name: "x", dir: elsewhere, classes: DISC_CLASSES }),
    ).rejects.toMatchObject({ status: 403 });
    client.allowFolder(elsewhere);
    await client.call("project.create", { name: "x", dir: elsewhere, classes: DISC_CLASSES });
    await client.call("project.open", { file: info.file });
    fs.rmSync(elsewhere, { recursive: true, force: true });
  });

  it("serves the project's images and thumbnails by id, read and converted in the core", async () => {
    const images = path.join(dir, "images");
    await writeDiscImages(images, ["a.png", "b.png", "c.png", "d.png"], 40, 32, 100);
    const r = (await client.call("images.import", { paths: [images] })) as ImportResult;
    expect(r.imported).toBe(4);
    const list = (await client.call("images.list", { limit: 10, sort: "name" })) as ImageList;
    const id = list.items[0].id;
    const image = await client.file("image", id);
    expect(image).toMatchObject({ ok: true, contentType: "image/png" });
    if (!image.ok) throw new Error(image.message);
    expect(await sharp(image.body).metadata()).toMatchObject({ width: 40, height: 32 });
    const thumb = await client.file("thumb", id);
    expect(thumb).toMatchObject({ ok: true, contentType: "image/webp" });
    expect(await client.file("image", 9999)).toMatchObject({ ok: false, status: 404 });
  });

  it("trains and predicts in workers main starts for the core, relaying their messages", async () => {
    const list = (await client.call("images.list", { limit: 10, sort: "name" })) as ImageList;
    for (const img of list.items)
      for (const [classIdx, y] of [2, 16].entries())
        await client.call("strokes.commit", {
          imageId: img.id,
          tool: "brush",
          classIdx,
          width: 3,
          points: [
            [14, y],
            [26, y],
          ],
        });
    const before = forks;
    const ended = nextEvent(
      client,
      (e) => e.type === "training.status" && ["done", "failed", "cancelled"].includes(e.status.state),
    );
    await client.call("training.start", { epochs: 1, size: 32, widths: [8, 16], backend: "wasm" });
    const status = ((await ended) as { status: TrainingStatus }).status;
    expect(status.state, status.message ?? "").toBe("done");
    // Training, then prediction: each in a worker main started.
    expect(forks - before).toBeGreaterThanOrEqual(2);
    const pred = (await client.call("predictions.get", { imageId: list.items[0].id })) as { modelId: number };
    expect(pred.modelId).toBe(1);
  });

  it("fails the calls waiting on a core that stopped, naming it", async () => {
    const other = coreThread();
    const stopped = new ServiceClient(other, { projectsDir: dir, watchMs: 0 }, forkWorker);
    await stopped.ready;
    const waiting = stopped.call("app.info", {});
    other.kill();
    await other.exited;
    await waiting.catch(() => {}); // answered or not before the end: either is fine
    await expect(stopped.call("app.info", {})).rejects.toThrow(/the core process stopped/);
  });
});

describe("the main process bundle", () => {
  it("holds no project store, SQLite, image decoding or service: only the forwarding", async () => {
    const r = await build({
      entryPoints: [path.join(ROOT, "main/main.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      external: ["electron", "better-sqlite3", "sharp", "@tensorflow/*", "tsx", "tsx/*"],
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs).toContain("main/service-client.ts");
    // The pure parts of the contract (ApiError, the method names) come along; nothing that opens
    // the project file, decodes an image or runs the service does.
    const heavy =
      /^app\/(images|ml|jobs|loop|ops)\/|^app\/store\/(db|project-store)\.ts|^app\/api\/(service|display-image)\.ts/;
    expect(inputs.filter((f) => heavy.test(f))).toEqual([]);
    const imports = Object.values(r.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((i) => /better-sqlite3|sharp|tensorflow/.test(i))).toEqual([]);
  });
});
