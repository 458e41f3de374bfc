/**
 * Deleting a class through the API, on a real project file: any class but the last one in use;
 * its labels become unlabeled in the masks and in every undo patch (undo and redo never bring it
 * back), the classes after it keep their index (the deleted one stays as a tombstone), a model
 * that predicts it keeps working, and it all happens in one transaction: a failure part-way
 * leaves the file as it was.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import { UNLABELED } from "../common/mask.ts";
import type { PixelloopService } from "./service.ts";
import type { ProjectInfo } from "../common/api-types.ts";
import {
  brush,
  createDiscProject,
  headerOnlyWeights,
  newService,
  serviceDir,
  writeDiscImages,
} from "../testing/service-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";

type Usage = {
  name: string;
  pixels: number;
  images: number;
  refused: string | null;
  mode: "remove" | "clear" | null;
};

const dir = serviceDir("pixelloop-class-delete-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A project of ground, disc, tree, sky on two images; tree and sky painted on image 1 (sky over part of tree), tree on image 2 then undone. */
async function labeledProject(name: string): Promise<{ service: PixelloopService; file: string }> {
  const images = path.join(dir, `${name}-images`);
  await writeDiscImages(images, ["a.png", "b.png"], 32, 24, 50);
  const service = newService(dir, { watchMs: 0 });
  const project = await createDiscProject(service, dir, name);
  await service.call("images.import", { paths: [images] });
  await service.call("classes.add", { name: "tree" });
  await service.call("classes.add", { name: "sky" });
  await brush(service, 1, 2, [
    [2, 4],
    [28, 4],
  ]);
  await brush(service, 1, 3, [
    [20, 2],
    [20, 12],
  ]);
  await brush(service, 2, 2, [
    [2, 10],
    [28, 10],
  ]);
  await service.call("masks.undo", { imageId: 2 }); // tree on image 2: only in the redo history
  return { service, file: project.file };
}

const count = (classes: Uint8Array, c: number) => classes.reduce((n, v) => n + (v === c ? 1 : 0), 0);

describe("deleting a class", () => {
  it("clears its labels everywhere, keeps the other classes' indices, and undo never brings it back", async () => {
    const { service, file } = await labeledProject("labeled");
    const usage = (idx: number) => service.call("classes.usage", { idx }) as Promise<Usage>;
    const mask = () => service.project!.mask(1);
    const before = mask();
    const tree = count(before.classes, 2);
    const sky = count(before.classes, 3);
    expect(tree).toBeGreaterThan(0);
    // The confirmation's numbers: what deleting it clears.
    expect(await usage(2)).toEqual({ name: "tree", pixels: tree, images: 1, refused: null, mode: "clear" });

    const after = (await service.call("classes.delete", { idx: 2 })) as ProjectInfo;
    expect(after.classes.map((c) => [c.idx, c.name, c.deleted ?? false])).toEqual([
      [0, "ground", false],
      [1, "disc", false],
      [2, "tree (deleted #2)", true],
      [3, "sky", false],
    ]);
    const m = mask();
    expect(count(m.classes, 2)).toBe(0);
    expect(count(m.classes, 3)).toBe(sky); // sky keeps index 3 and its pixels
    expect(service.project!.image(1)!.labeledPixels).toBe(sky);
    for (let i = 0; i < m.classes.length; i++) if (m.classes[i] === UNLABELED) expect(m.sources[i]).toBe(0);

    // Undo the sky stroke: back to "tree only" as it is now: nothing.
    await service.call("masks.undo", { imageId: 1 });
    expect(count(mask().classes, 2)).toBe(0);
    expect(count(mask().classes, UNLABELED)).toBe(m.classes.length);
    expect(service.project!.image(1)!.labeledPixels).toBe(0);
    await service.call("masks.redo", { imageId: 1 });
    expect(Buffer.from(mask().classes).equals(Buffer.from(m.classes))).toBe(true);
    // The undone tree stroke of image 2, redone: still no tree.
    await service.call("masks.redo", { imageId: 2 });
    expect(count(service.project!.mask(2).classes, 2)).toBe(0);

    // Never painted again, never deleted twice; its name is free for a new class (at the next index).
    await expect(brush(service, 1, 2, [[5, 5]])).rejects.toThrow(/class 2 was deleted/);
    expect((await usage(2)).refused).toBe('"tree (deleted #2)" was deleted already');
    const readded = (await service.call("classes.add", { name: "tree" })) as ProjectInfo;
    expect(readded.classes.at(-1)).toMatchObject({ idx: 4, name: "tree" });
    await service.close();

    // What another process reads from the file.
    const store = ProjectStore.open(file, { readonly: true });
    expect(store.classes()[2].deleted).toBe(true);
    expect(store.classUse(2)).toMatchObject({ pixels: 0, images: 0 });
    // The stroke rows still say what was drawn; no patch holds the class any more.
    expect(store.strokes(1).map((r) => r.classIdx)).toEqual([2, 3]);
    store.close();
  });

  it("a failure part-way leaves the project file as it was (one transaction)", async () => {
    const { service, file } = await labeledProject("atomic");
    await service.close();
    const snapshot = (s: ProjectStore) =>
      JSON.stringify({
        classes: s.classes(),
        masks: [1, 2].map((id) => [s.maskVersion(id), Buffer.from(s.mask(id).classes).toString("base64")]),
        use: s.classUse(2),
      });
    const store = ProjectStore.open(file);
    const was = snapshot(store);
    // The masks are rewritten, then something fails before the patches are: as a crash would.
    const clear = store.masks.clearClass.bind(store.masks);
    store.masks.clearClass = (idx: number) => {
      clear(idx);
      throw new Error("disk full");
    };
    expect(() => store.deleteClass(2)).toThrow("disk full");
    store.close();
    const again = ProjectStore.open(file, { readonly: true });
    expect(snapshot(again)).toBe(was);
    again.close();
  });

  it("removes the last class outright when nothing uses it; a model that predicts a class does not stop it", async () => {
    const images = path.join(dir, "plain-images");
    await writeDiscImages(images, ["a.png"], 32, 24, 50);
    const service = newService(dir, { watchMs: 0 });
    const project = await createDiscProject(service, dir, "plain");
    await service.call("images.import", { paths: [images] });
    await service.call("classes.add", { name: "spare" });
    const usage = (idx: number) => service.call("classes.usage", { idx }) as Promise<Usage>;
    expect(await usage(2)).toMatchObject({ pixels: 0, refused: null, mode: "remove" });
    const after = (await service.call("classes.delete", { idx: 2 })) as ProjectInfo;
    expect(after.classes.map((c) => c.name)).toEqual(["ground", "disc"]);

    await service.call("classes.add", { name: "known" });
    const store = ProjectStore.open(project.file);
    withRawDb(store, (db) =>
      db
        .prepare(
          "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics) VALUES ('m', 'now', '{}', 'wasm', ?, '{}', '{}')",
        )
        .run(headerOnlyWeights(3)),
    );
    store.close();
    // The model predicts it: deleted as a tombstone, so the model's classes keep their meaning.
    expect(await usage(2)).toMatchObject({ refused: null, mode: "clear" });
    const gone = (await service.call("classes.delete", { idx: 2 })) as ProjectInfo;
    expect(gone.classes).toHaveLength(3);
    expect(gone.classes[2].deleted).toBe(true);
    // The last class in use cannot go.
    await service.call("classes.delete", { idx: 1 });
    expect((await usage(0)).refused).toBe("a project needs at least one class");
    await expect(service.call("classes.delete", { idx: 0 })).rejects.toThrow(/at least one class/);
    await service.close();
  });
});
