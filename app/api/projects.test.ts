/**
 * Switching projects in the app: the training panel's status (rounds, the model fine-tuning would
 * start from, the last run's message) follows the project that is open, and every front door is
 * told at once; a folder given as a project file is named as such.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { PixelloopService } from "./service.ts";
import type { ApiEvent, ImageList, ProjectInfo, TrainingStatus } from "./types.ts";

describe("switching projects", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-switch-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the training status follows the open project", async () => {
    const images = path.join(dir, "images");
    fs.mkdirSync(images);
    for (const [i, name] of ["a.png", "b.png"].entries()) {
      const px = Buffer.alloc(32 * 24);
      for (let y = 0; y < 24; y++)
        for (let x = 0; x < 32; x++) px[y * 32 + x] = (x - 14 - i) ** 2 + (y - 12) ** 2 < 50 ? 200 : 40;
      await sharp(px, { raw: { width: 32, height: 24, channels: 1 } })
        .png()
        .toFile(path.join(images, name));
    }
    const service = new PixelloopService({
      projectsDir: dir,
      recentFile: path.join(dir, "recent.json"),
      demoDir: path.join(dir, "demo"),
    });
    const classes = [
      { name: "ground", color: "#202020" },
      { name: "disc", color: "#e0e0e0" },
    ];
    const first = (await service.call("project.create", { name: "first", dir, classes })) as ProjectInfo;
    await service.call("images.import", { paths: [images] });
    const list = (await service.call("images.list", { limit: 10, sort: "name" })) as ImageList;
    for (const img of list.items)
      for (const [classIdx, y] of [
        [0, 1],
        [1, 12],
      ])
        await service.call("strokes.commit", {
          imageId: img.id,
          tool: "brush",
          classIdx,
          width: 3,
          points: [
            [10, y],
            [20, y],
          ],
        });
    const statuses: TrainingStatus[] = [];
    service.on((e: ApiEvent) => {
      if (e.type === "training.status") statuses.push(e.status);
    });
    const trained = new Promise<void>((resolve) =>
      service.on((e) => {
        if (e.type === "training.status" && e.status.state === "done") resolve();
      }),
    );
    await service.call("training.start", { epochs: 1, size: 16, widths: [8, 16], backend: "wasm" });
    await trained;
    expect(statuses.at(-1)).toMatchObject({ state: "done", fineTune: { modelId: 1 } });
    expect(statuses.at(-1)?.rounds.map((r) => r.fineTuned)).toEqual([false]);
    // A second round continued from the first model: the rounds table says so (newest first).
    const again = new Promise<void>((resolve) =>
      service.on((e) => {
        if (e.type === "training.status" && e.status.state === "done" && e.status.rounds.length === 2)
          resolve();
      }),
    );
    await service.call("training.start", { epochs: 1, size: 16, fineTune: true, backend: "wasm" });
    await again;
    expect(statuses.at(-1)?.rounds.map((r) => r.fineTuned)).toEqual([true, false]);

    // Another project: told at once, with nothing of the first one's.
    statuses.length = 0;
    await service.call("project.create", { name: "second", dir, classes });
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({
      state: "idle",
      message: null,
      rounds: [],
      fineTune: { modelId: null, modelClasses: null },
    });
    // Back to the first: its rounds and model again.
    await service.call("project.open", { file: first.file });
    expect(statuses.at(-1)).toMatchObject({ state: "idle", fineTune: { modelId: 2, modelClasses: 2 } });
    expect(statuses.at(-1)?.rounds).toHaveLength(2);

    await expect(service.call("project.open", { file: images })).rejects.toThrow(
      `${images}: is a folder, not a project file (a .pxl file)`,
    );
    await service.close();
  });
});
