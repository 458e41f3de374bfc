/**
 * Deleting a class through the API: only an unused one (no labeled pixel, no undo step that
 * holds it, no model that predicts it) and only the last; every refusal says why, and the usage
 * the confirmation shows counts labeled pixels and images.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import type { ProjectInfo } from "./types.ts";
import {
  brush,
  createDiscProject,
  headerOnlyWeights,
  newService,
  serviceDir,
  writeDiscImages,
} from "../testing/service-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";

type Usage = { name: string; pixels: number; images: number; refused: string | null };

describe("deleting a class", () => {
  const dir = serviceDir("pixelloop-class-delete-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("deletes the last class when nothing uses it, and says why it will not otherwise", async () => {
    const images = path.join(dir, "images");
    await writeDiscImages(images, ["a.png", "b.png"], 32, 24, 50);
    const service = newService(dir);
    const project = await createDiscProject(service, dir, "delete");
    await service.call("images.import", { paths: [images] });
    await service.call("classes.add", { name: "typo" });
    await service.call("classes.add", { name: "tree" });
    const usage = (idx: number) => service.call("classes.usage", { idx }) as Promise<Usage>;

    expect(await usage(2)).toMatchObject({ name: "typo", pixels: 0, images: 0 });
    expect((await usage(2)).refused).toBe(
      'only the last class (tree) can be deleted: deleting "typo" would renumber the classes after it',
    );
    await expect(service.call("classes.delete", { idx: 2 })).rejects.toThrow(/only the last class/);

    // labels of it: counted, and refused
    await brush(service, 1, 3, [
      [2, 2],
      [20, 2],
    ]);
    const used = await usage(3);
    expect(used.pixels).toBeGreaterThan(0);
    expect(used.images).toBe(1);
    expect(used.refused).toBe(
      `"tree" has ${used.pixels} labeled pixels on 1 image: deleting a class with labels is not supported yet; erase them first`,
    );
    // undone, the stroke could come back by redo
    await service.call("masks.undo", { imageId: 1 });
    expect((await usage(3)).refused).toBe(
      '"tree" is in 1 change of the undo history, which undo or redo could bring back',
    );
    expect(((await service.call("classes.list", {})) as unknown[]).length).toBe(4);

    // "typo" is last once "tree" is gone... which its history forbids; a fresh last class goes
    await service.call("classes.add", { name: "spare" });
    expect((await usage(4)).refused).toBeNull();
    const after = (await service.call("classes.delete", { idx: 4 })) as ProjectInfo;
    expect(after.classes.map((c) => c.name)).toEqual(["ground", "disc", "typo", "tree"]);

    // a model that knows the class
    await service.call("classes.add", { name: "known" });
    const store = ProjectStore.open(project.file);
    withRawDb(store, (db) =>
      db
        .prepare(
          "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics) VALUES ('m', 'now', '{}', 'wasm', ?, '{}', '{}')",
        )
        .run(headerOnlyWeights(5)),
    );
    store.close();
    expect((await usage(4)).refused).toMatch(/^model \d+ was trained with "known" and predicts it/);
    await expect(service.call("classes.delete", { idx: 4 })).rejects.toThrow(/cannot delete class 4: model/);
    expect(((await service.call("classes.list", {})) as unknown[]).length).toBe(5);
    await service.close();
  });
});
