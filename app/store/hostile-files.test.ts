/**
 * Files that used to hang the process, exhaust memory or be read from outside where they belong
 * (issue 32): each is refused at once with a message naming the file and the reason, and the
 * open project stays as it was.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../common/api-error.ts";
import type { PixelloopService } from "../api/service.ts";
import type { ImportResult, ProjectInfo } from "../common/api-types.ts";
import { createDiscProject, newService, serviceDir, writeGray } from "../testing/service-fixture.ts";
import { ProjectStore } from "./project-store.ts";
import { FILE_LIMITS } from "./safe-read.ts";
import { MAX_POLYGON_VERTICES } from "../common/limits.ts";
import { importModel, exportModel } from "../exchange/model.ts";
import { importCoco } from "../exchange/coco.ts";
import { readIndexPng } from "../exchange/index-png.ts";
import { readClassesFile } from "../exchange/classes-file.ts";
import { initBackend } from "../ml/engine/backend.ts";
import { createNetwork } from "../ml/model/network.ts";
import { readWeightsConfig, serializeWeights } from "../ml/model/weights.ts";
import { withRawDb } from "../testing/raw-db.ts";

let dir: string;
let service: PixelloopService;
let project: ProjectInfo;
let fifo: string;

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

beforeAll(async () => {
  dir = serviceDir("pixelloop-hostile-");
  service = newService(dir);
  project = await createDiscProject(service, dir, "Hostile");
  await writeGray(path.join(dir, "a.png"), 40, 30, (x) => x * 5);
  await service.call("images.import", { paths: [path.join(dir, "a.png")] });
  fifo = path.join(dir, "pipe.png");
  const made = spawnSync("mkfifo", [fifo]);
  if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
});

afterAll(async () => {
  await service?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("images", () => {
  it("refuses a FIFO, /dev/zero and an oversized file before reading them, naming each", async () => {
    // Sparse: 2 GiB on paper, no disk used; refused from its size alone.
    const big = path.join(dir, "big.png");
    fs.closeSync(fs.openSync(big, "w"));
    fs.truncateSync(big, 2 * FILE_LIMITS.image);
    // /dev is no folder the person chose: refused whole, naming it, before anything is read.
    const outside = await refusal(service.call("images.import", { paths: [fifo, "/dev/zero", big] }));
    expect(outside.status).toBe(403);
    expect(outside.message).toMatch(/^paths: \/dev\/zero: an import may not read outside the folders/);
    // Chosen (as `serve --allow /dev` would): each file is still checked before it is read.
    const chosen = newService(dir, { allowedDirs: ["/dev"] });
    chosen.open(project.file);
    const r = (await chosen
      .call("images.import", { paths: [fifo, "/dev/zero", big] })
      .finally(() => chosen.close())) as ImportResult;
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.file, s.reason]));
    expect(reasons[fifo]).toBe("is a FIFO (named pipe), not a regular file");
    expect(reasons["/dev/zero"]).toBe("is a character device, not a regular file");
    expect(reasons[big]).toBe("is 2.0 GiB, over the limit of 1.0 GiB for an image file");
    expect(r.imported).toBe(0);
  });

  it("names a project image whose file became a folder or a FIFO, when it is shown or predicted", async () => {
    const copy = path.join(dir, "b.png");
    await writeGray(copy, 40, 30, (x, y) => x + y);
    const r = (await service.call("images.import", { paths: [copy] })) as ImportResult;
    const id = r.importedIds[0];
    const store = service.project!;
    const { displayImage } = await import("../api/display-image.ts");
    const { decodePixels } = await import("../images/decode.ts");
    fs.rmSync(copy);
    fs.mkdirSync(copy);
    expect(await displayImage(store, id)).toMatchObject({
      ok: false,
      message: `${copy}: is a folder, not a file`,
    });
    await expect(decodePixels(copy)).rejects.toThrow(`${copy}: is a folder, not a file`);
    fs.rmdirSync(copy);
    spawnSync("mkfifo", [copy]);
    expect(await displayImage(store, id)).toMatchObject({
      ok: false,
      message: `${copy}: is a FIFO (named pipe), not a regular file`,
    });
    await expect(decodePixels(copy)).rejects.toThrow(`${copy}: is a FIFO (named pipe), not a regular file`);
  });

  it("does not show a project image whose file was replaced by something that is not an image", async () => {
    const copy = path.join(dir, "c.png");
    await writeGray(copy, 40, 30, (x) => x);
    const r = (await service.call("images.import", { paths: [copy] })) as ImportResult;
    fs.writeFileSync(copy, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    const { displayImage } = await import("../api/display-image.ts");
    const shown = await displayImage(service.project!, r.importedIds[0]);
    expect(shown.ok).toBe(false);
    expect(!shown.ok && shown.message).toMatch(new RegExp(`^${copy}: cannot be decoded \\(not an image`));
  });
});

describe("project files", () => {
  it("refuses a FIFO, a device and a folder as a project at once, and keeps the open project", async () => {
    const e = await refusal(service.call("project.open", { file: fifo }));
    expect(e.status).toBe(422);
    expect(e.message).toBe(
      `${fifo}: not a Pixelloop project (is a FIFO (named pipe), not a regular file; a project is a .pxl file)`,
    );
    // A device lies outside the folders the API may open projects from: refused before any look.
    const dev = await refusal(service.call("project.open", { file: "/dev/zero" }));
    expect(dev.status).toBe(403);
    expect(dev.message).toMatch(/^file: \/dev\/zero: a project may not be opened from outside the folders/);
    const folder = await refusal(service.call("project.open", { file: dir }));
    expect(folder.message).toBe(`${dir}: is a folder, not a project file (a .pxl file)`);
    expect(service.project?.file).toBe(project.file);
  });

  it("refuses a project file with a table missing (422, named) and keeps the one open", async () => {
    const other = path.join(dir, "damaged.pxl");
    ProjectStore.create(other, { name: "d", classes: [{ idx: 0, name: "x", color: "#000000" }] }).close();
    const db = new Database(other);
    db.exec("DROP TABLE images");
    db.close();
    const e = await refusal(service.call("project.open", { file: other }));
    expect(e.status).toBe(422);
    expect(e.message).toMatch(
      new RegExp(`^${other}: the project file is damaged and cannot be read \\(.*images`),
    );
    expect(service.project?.file).toBe(project.file);
    expect(((await service.call("project.status", {})) as ProjectInfo).name).toBe("Hostile");
  });

  it("checks an image size read back from the project file before allocating for it", async () => {
    const other = path.join(dir, "sizes.pxl");
    fs.copyFileSync(project.file, other);
    for (const side of ["-wal", "-shm"])
      if (fs.existsSync(project.file + side)) fs.copyFileSync(project.file + side, other + side);
    const db = new Database(other);
    const id = (db.prepare("SELECT MIN(id) AS id FROM images").get() as { id: number }).id;
    db.prepare("UPDATE images SET width = 1000000, height = 100000 WHERE id = ?").run(id);
    db.close();
    await service.call("project.open", { file: other });
    const e = await refusal(service.call("masks.get", { imageId: id }));
    expect(e.status).toBe(422);
    expect(e.message).toBe(
      `${other}: image ${id} (a.png) has a size of 1000000x100000, over the limit of 100 megapixels stored: the project file is damaged; remove the image and import it again`,
    );
    await service.call("project.open", { file: project.file });
  });

  it("refuses a FIFO left where SQLite keeps its write-ahead log", async () => {
    const other = path.join(dir, "wal.pxl");
    ProjectStore.create(other, { name: "w", classes: [{ idx: 0, name: "x", color: "#000000" }] }).close();
    spawnSync("mkfifo", [other + "-wal"]);
    const e = await refusal(service.call("project.open", { file: other }));
    expect(e.message).toBe(
      `${other}-wal: not a regular file; SQLite would block on it: remove it to open ${other}`,
    );
  });
});

describe("strokes", () => {
  it(`refuses a polygon of more than ${MAX_POLYGON_VERTICES} points, and a brush stroke that would take seconds`, async () => {
    const points = Array.from({ length: 100_000 }, (_, i) => [i % 40, (i * 7) % 30]);
    const poly = await refusal(
      service.call("strokes.commit", { imageId: 1, tool: "polygon", classIdx: 1, width: 1, points }),
    );
    expect(poly.status).toBe(400);
    expect(poly.message).toContain("points: a polygon has at most 10,000 points; split it into smaller ones");
    // A 30-row image bounds each segment's rows; a tall one would not.
    const tall = path.join(dir, "tall.png");
    await writeGray(tall, 8, 4000, () => 9);
    const r = (await service.call("images.import", { paths: [tall] })) as ImportResult;
    const zigzag = Array.from({ length: 10_000 }, (_, i) => [4, i % 2 ? 0 : 3999]);
    const brush = await refusal(
      service.call("strokes.commit", {
        imageId: r.importedIds[0],
        tool: "brush",
        classIdx: 1,
        width: 2000,
        points: zigzag,
      }),
    );
    expect(brush.status).toBe(400);
    expect(brush.message).toMatch(
      /^strokes\.commit: points: this stroke would fill [\d,]+ rows, over the limit/,
    );
    // An ordinary stroke on it is drawn.
    const ok = await service.call("strokes.commit", {
      imageId: r.importedIds[0],
      tool: "brush",
      classIdx: 1,
      width: 4,
      points: [
        [1, 1],
        [6, 3000],
      ],
    });
    expect(ok).toMatchObject({ changed: true });
  });
});

describe("model folders", () => {
  let model: string;

  beforeAll(async () => {
    await initBackend("cpu");
    const net = createNetwork({ numClasses: 2, widths: [4, 8], embeddingDim: 4, projectionHidden: 4 });
    withRawDb(service.project!, (db) =>
      db
        .prepare(
          "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics) VALUES ('tiny', '2026-01-01', '{}', 'cpu', ?, '{}', '{}')",
        )
        .run(Buffer.from(serializeWeights(net))),
    );
    net.dispose();
    model = path.join(dir, "model");
    await exportModel(service.project!, model);
    fs.writeFileSync(path.join(dir, "secret.bin"), Buffer.alloc(16));
  });

  /** A copy of the exported folder with `change` applied to its model.json / metadata.json. */
  interface Folder {
    model: { weightsManifest: { paths: string[]; weights: { shape: number[] }[] }[] };
    meta: { architecture: { widths: number[] } };
    dir: string;
  }
  function variant(name: string, change: (m: Folder) => void): string {
    const d = path.join(dir, name);
    fs.cpSync(model, d, { recursive: true });
    const m = {
      model: JSON.parse(fs.readFileSync(path.join(d, "model.json"), "utf8")),
      meta: JSON.parse(fs.readFileSync(path.join(d, "metadata.json"), "utf8")),
      dir: d,
    };
    change(m);
    fs.writeFileSync(path.join(d, "model.json"), JSON.stringify(m.model));
    fs.writeFileSync(path.join(d, "metadata.json"), JSON.stringify(m.meta));
    return d;
  }

  it("imports the folder as exported", async () => {
    const { modelId } = await importModel(service.project!, model);
    expect(modelId).toBeGreaterThan(1);
  });

  it("refuses weights paths that leave the folder: ../, absolute, a symlink out", async () => {
    const up = variant("up", (m) => (m.model.weightsManifest[0].paths = ["../secret.bin"]));
    await expect(importModel(service.project!, up)).rejects.toThrow(
      `${path.join(up, "model.json")}: weights path "../secret.bin" climbs out of the folder (..); weights must lie in the model folder`,
    );
    const abs = variant("abs", (m) => (m.model.weightsManifest[0].paths = ["/etc/passwd"]));
    await expect(importModel(service.project!, abs)).rejects.toThrow(
      `${path.join(abs, "model.json")}: weights path "/etc/passwd" is absolute; weights must lie in the model folder`,
    );
    const link = variant("link", (m) => {
      fs.rmSync(path.join(m.dir, "weights.bin"));
      fs.symlinkSync(path.join(dir, "secret.bin"), path.join(m.dir, "weights.bin"));
    });
    await expect(importModel(service.project!, link)).rejects.toThrow(
      /weights path "weights\.bin" leads to .*secret\.bin \(a symlink\); weights must lie in the model folder/,
    );
  });

  it("refuses an architecture beyond the bounds before building anything, naming metadata.json", async () => {
    const wide = variant("wide", (m) => (m.meta.architecture.widths = [1_000_000_000, 1_000_000_000]));
    await expect(importModel(service.project!, wide)).rejects.toThrow(
      `${path.join(wide, "metadata.json")}: architecture: widths must list 2 to 6 whole numbers in 1..512, got [1000000000,1000000000]`,
    );
    const huge = variant("huge", (m) => (m.model.weightsManifest[0].weights[0].shape = [1e6, 1e6]));
    await expect(importModel(service.project!, huge)).rejects.toThrow(
      /model\.json: the weights would take .* GiB, over the limit of 512\.0 MiB/,
    );
    const fifoMeta = variant("fifo", () => {});
    fs.rmSync(path.join(fifoMeta, "metadata.json"));
    spawnSync("mkfifo", [path.join(fifoMeta, "metadata.json")]);
    await expect(importModel(service.project!, fifoMeta)).rejects.toThrow(
      `${path.join(fifoMeta, "metadata.json")}: is a FIFO (named pipe), not a regular file`,
    );
  });

  it("refuses a stored checkpoint whose network is beyond the bounds", () => {
    const net = createNetwork({ numClasses: 2, widths: [4, 8], embeddingDim: 4, projectionHidden: 4 });
    const blob = serializeWeights(net);
    net.dispose();
    const headerLength = new DataView(blob.buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(blob.subarray(8, 8 + headerLength)));
    header.config.widths = [4, 99999999];
    const text = new TextEncoder().encode(JSON.stringify(header));
    const bad = new Uint8Array(8 + text.length);
    bad.set(blob.subarray(0, 4));
    new DataView(bad.buffer).setUint32(4, text.length, true);
    bad.set(text, 8);
    expect(() => readWeightsConfig(bad)).toThrow(
      "damaged Pixelloop weights blob (network: widths must list 2 to 6 whole numbers in 1..512, got [4,99999999])",
    );
  });
});

describe("other files", () => {
  it("COCO, classes and mask files: a FIFO is refused at once, named", () => {
    expect(() => importCoco(service.project!, fifo)).toThrow(
      `${fifo}: is a FIFO (named pipe), not a regular file`,
    );
    expect(() => readClassesFile(fifo)).toThrow(
      `${fifo}: cannot read (is a FIFO (named pipe), not a regular file)`,
    );
    expect(() => readIndexPng(fifo)).toThrow(
      `${fifo}: cannot read (is a FIFO (named pipe), not a regular file)`,
    );
  });

  it("a mask PNG whose header claims 10^10 pixels is refused before decoding", () => {
    // Signature + IHDR of a 100000x100000 8-bit gray PNG, and nothing else.
    const ihdr = Buffer.alloc(25);
    ihdr.writeUInt32BE(13, 0);
    ihdr.write("IHDR", 4, "latin1");
    ihdr.writeUInt32BE(100_000, 8);
    ihdr.writeUInt32BE(100_000, 12);
    ihdr[16] = 8;
    const file = path.join(dir, "huge-mask.png");
    fs.writeFileSync(file, Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), ihdr]));
    expect(() => readIndexPng(file)).toThrow(`${file}: 100000x100000 is over the limit of 100 megapixels`);
  });

  it("a COCO file with a UTF-8 byte order mark is read; fractional RLE counts are refused", () => {
    const file = path.join(dir, "bom.json");
    const doc = {
      images: [{ id: 1, file_name: "a.png", width: 40, height: 30 }],
      categories: [{ id: 1, name: "disc" }],
      annotations: [{ image_id: 1, category_id: 1, segmentation: [[1, 1, 10, 1, 10, 10]] }],
    };
    fs.writeFileSync(file, "\uFEFF" + JSON.stringify(doc));
    expect(() => importCoco(service.project!, file)).not.toThrow();
    const frac = path.join(dir, "frac.json");
    fs.writeFileSync(
      frac,
      JSON.stringify({
        ...doc,
        annotations: [
          { image_id: 1, category_id: 1, segmentation: { size: [30, 40], counts: [0.5, 1199.5] } },
        ],
      }),
    );
    expect(() => importCoco(service.project!, frac)).toThrow(
      `${frac}: annotations[0].segmentation.counts: RLE counts must be whole numbers >= 0, got 0.5`,
    );
  });
});
