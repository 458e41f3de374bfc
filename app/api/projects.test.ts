/**
 * Switching projects in the app: the training panel's status (rounds, the model fine-tuning would
 * start from, the last run's message) follows the project that is open, and every front door is
 * told at once; a folder given as a project file is named as such.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ApiEvent, TrainingStatus } from "../common/api-types.ts";
import {
  scribbleEveryImage,
  createDiscProject,
  newService,
  runEnd,
  serviceDir,
  writeDiscImages,
} from "../testing/service-fixture.ts";

describe("switching projects", () => {
  const dir = serviceDir("pixelloop-switch-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the training status follows the open project", async () => {
    const images = path.join(dir, "images");
    await writeDiscImages(images, ["a.png", "b.png"], 32, 24, 50);
    const service = newService(dir);
    const first = await createDiscProject(service, dir, "first");
    await service.call("images.import", { paths: [images] });
    await scribbleEveryImage(service, [1, 12], [10, 20]);
    const statuses: TrainingStatus[] = [];
    service.on((e: ApiEvent) => {
      if (e.type === "training.status") statuses.push(e.status);
    });
    const trained = runEnd(service);
    await service.call("training.start", { epochs: 1, size: 16, widths: [8, 16], backend: "wasm" });
    expect((await trained).state).toBe("done");
    expect(statuses.at(-1)).toMatchObject({ state: "done", fineTune: { modelId: 1 } });
    expect(statuses.at(-1)?.rounds.map((r) => r.fineTuned)).toEqual([false]);
    // A second round continued from the first model: the rounds table says so (newest first).
    const again = runEnd(service);
    await service.call("training.start", { epochs: 1, size: 16, fineTune: true, backend: "wasm" });
    expect((await again).state).toBe("done");
    expect(statuses.at(-1)?.rounds.map((r) => r.fineTuned)).toEqual([true, false]);

    // Another project: told at once, with nothing of the first one's.
    statuses.length = 0;
    await createDiscProject(service, dir, "second");
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
