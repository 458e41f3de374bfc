/**
 * The app open on a project while the CLI changes the same file: the service notices the other
 * connection's commits (PRAGMA data_version) and tells every front door with the events the UI
 * already handles. One check is run by hand here (the timer only triggers it in the app).
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { encodeRle } from "../labels/rle.ts";
import { encodeIndexPng } from "../exchange/index-png.ts";
import { acceptAboveConfidence } from "../loop/accept.ts";
import type { ApiEvent, ImageList } from "../common/api-types.ts";
import {
  createDiscProject,
  headerOnlyWeights,
  newService,
  serviceDir,
  writeDiscImages,
} from "../testing/service-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";

const W = 32;
const H = 24;

describe("changes made by another process", () => {
  const dir = serviceDir("pixelloop-live-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("are told to the UI: counts, masks, the new model, its predictions and round", async () => {
    const images = path.join(dir, "images");
    await writeDiscImages(images, ["a.png", "b.png"], W, H, 50);
    const service = newService(dir, { watchMs: 0 });
    const project = await createDiscProject(service, dir, "live");
    await service.call("images.import", { paths: [images] });
    const [a, b] = ((await service.call("images.list", { limit: 10, sort: "name" })) as ImageList).items;
    service.checkExternalChanges(); // whatever the import's own workers wrote
    const events: ApiEvent[] = [];
    service.on((e) => events.push(e));
    expect(service.checkExternalChanges()).toBe(false);

    // `pixelloop train` + `predict` + `accept` on the same file, through a second connection.
    const cli = ProjectStore.open(project.file);
    const modelId = Number(
      withRawDb(
        cli,
        (db) =>
          db
            .prepare(
              "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics) VALUES ('cli', 'now', '{}', 'wasm', ?, '{}', '{}')",
            )
            .run(headerOnlyWeights(2)).lastInsertRowid,
      ),
    );
    withRawDb(cli, (db) =>
      db
        .prepare(
          "INSERT INTO training_runs (model_id, started_at, finished_at, status, config) VALUES (?, 'now', 'now', 'done', '{}')",
        )
        .run(modelId),
    );
    const classes = new Uint8Array(W * H).fill(1);
    withRawDb(cli, (db) =>
      db
        .prepare(
          "INSERT INTO predictions (image_id, model_id, created_at, class_rle, confidence, entropy, score) VALUES (?, ?, 'now', ?, ?, ?, 0.1)",
        )
        .run(
          a.id,
          modelId,
          encodeRle(classes),
          Buffer.from(encodeIndexPng(new Uint8Array(W * H).fill(250), W, H)),
          Buffer.from(encodeIndexPng(new Uint8Array(W * H).fill(5), W, H)),
        ),
    );
    const accepted = acceptAboveConfidence(cli, a.id, 0.5, "cli");
    expect(accepted.acceptedPixels).toBe(W * H);

    expect(service.checkExternalChanges()).toBe(true);
    const project1 = events.find((e) => e.type === "project.changed");
    expect(project1).toMatchObject({
      project: { summary: { models: 1, labeledImages: 1, acceptedPixels: W * H } },
    });
    expect(events.filter((e) => e.type === "mask.changed")).toEqual([
      { type: "mask.changed", imageId: a.id, version: 1 },
    ]);
    expect(events).toContainEqual({ type: "predictions.changed", modelId });
    const status = events.find((e) => e.type === "training.status");
    expect(status).toMatchObject({
      status: {
        rounds: [{ modelId, status: "done" }],
        fineTune: { modelId, modelClasses: 2 },
        unpredicted: { modelId, images: 1 },
      },
    });
    expect(status?.type === "training.status" && status.status.message).toContain(
      `Model ${modelId} was trained elsewhere`,
    );
    // What the grid then lists is the new state.
    const after = (await service.call("images.list", { limit: 10, sort: "name" })) as ImageList;
    expect(after.items[0]).toMatchObject({ id: a.id, labeledPixels: W * H });

    // Nothing new: nothing told, however often it checks.
    events.length = 0;
    expect(service.checkExternalChanges()).toBe(false);
    expect(events).toEqual([]);

    // `pixelloop import` of one more image: the counts follow; masks untouched are not named.
    const more = path.join(dir, "more");
    await writeDiscImages(more, ["c.png"], W, H, 30);
    await importImages(cli, [more], { split: "train" });
    cli.close();
    expect(service.checkExternalChanges()).toBe(true);
    expect(events.find((e) => e.type === "project.changed")).toMatchObject({
      project: { summary: { images: 3 } },
    });
    expect(events.some((e) => e.type === "mask.changed" && e.imageId === b.id)).toBe(false);
    await service.close();
  });

  it("are checked for on a timer while a project is open, and no more once it is closed", async () => {
    const images = path.join(dir, "timer-images");
    await writeDiscImages(images, ["a.png"], W, H, 50);
    const service = newService(dir, { watchMs: 20 });
    const project = await createDiscProject(service, dir, "timer");
    await service.call("images.import", { paths: [images] });
    const told = new Promise<ApiEvent>((resolve) =>
      service.on((e) => {
        if (e.type === "project.changed" && e.project?.summary.bySplit.val === 1) resolve(e);
      }),
    );
    const cli = ProjectStore.open(project.file);
    cli.setSplits([1], "val");
    cli.close();
    await told; // no sleep: the timer's check tells it
    await service.close();
    expect(service.checkExternalChanges()).toBe(false);
  });
});
