import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { cloneMask, Source } from "../common/mask.ts";
import { tmpDir } from "../testing/tmp.ts";
import { pickStartQueue, startQueueStale } from "./start-queue.ts";

/** Three kinds of scene (six frames each, a little different) and one black frame. */
const SCENES: Record<string, [number, number, number]> = {
  beach: [230, 200, 120],
  forest: [30, 120, 40],
  sea: [30, 60, 200],
};

async function writeFrame(file: string, rgb: [number, number, number], seed: number): Promise<void> {
  const w = 64;
  const h = 48;
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const y = Math.floor(i / w);
    const sky = y < h / 3 ? 60 : 0; // a brighter band on top, as in photos
    for (let c = 0; c < 3; c++) px[i * 3 + c] = Math.min(255, rgb[c] + sky + ((i * 7 + seed * 13 + c) % 17));
  }
  await sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(file);
}

describe("the start queue (no model yet)", () => {
  let t: ReturnType<typeof tmpDir>;
  let store: ProjectStore;
  beforeEach(async () => {
    t = tmpDir();
    const images = path.join(t.dir, "images");
    fs.mkdirSync(images);
    for (const [scene, rgb] of Object.entries(SCENES))
      for (let k = 0; k < 6; k++) await writeFrame(path.join(images, `${scene}-${k}.png`), rgb, k);
    await writeFrame(path.join(images, "lens-cap.png"), [0, 0, 0], 0);
    store = ProjectStore.create(path.join(t.dir, "start.pxl"), {
      name: "start",
      classes: [
        { idx: 0, name: "a", color: "#ff0000" },
        { idx: 1, name: "b", color: "#0000ff" },
      ],
    });
    await importImages(store, [images]);
  });
  afterEach(() => {
    store.close();
    t.cleanup();
  });

  const scene = (name: string) => name.split("-")[0];

  it("asks for one image of each kind of scene first, not the one-off black frame", async () => {
    expect(startQueueStale(store)).toBe(true);
    const q = await pickStartQueue(store, 3);
    expect(new Set(q.map((s) => scene(s.image)))).toEqual(new Set(["beach", "forest", "sea"]));
    expect(q.map((s) => s.rank)).toEqual([1, 2, 3]);
    expect(q.every((s) => s.regions.length === 0)).toBe(true);
    expect(store.image(q[0].imageId)?.status).toBe("suggested");
    expect(startQueueStale(store)).toBe(false);
  });

  it("skips what the labels already cover, and is picked again after an import", async () => {
    // A beach frame is labeled already: the first two asked for are the forest and the sea.
    const beach = store.imagesByName("beach-0.png")[0].id;
    const before = store.mask(beach);
    const after = cloneMask(before);
    after.classes.fill(0, 0, 64);
    after.sources.fill(Source.human, 0, 64);
    store.commitDiff(beach, before, after, { tool: "brush", classIdx: 0, width: 1, points: [], author: "t" });
    const q = await pickStartQueue(store, 2);
    expect(new Set(q.map((s) => scene(s.image)))).toEqual(new Set(["forest", "sea"]));

    const more = path.join(t.dir, "more");
    fs.mkdirSync(more);
    await writeFrame(path.join(more, "desert-0.png"), [200, 90, 30], 1);
    await importImages(store, [more]);
    expect(startQueueStale(store)).toBe(true);
  });

  it("when every image has a few labels, asks for the least labeled ones instead of nothing", async () => {
    // Every image has a stroke of 64 pixels, and forest-0 one of 640 and sea-0 most of its pixels.
    for (const row of store.images.trainLabels()) {
      const before = store.mask(row.id);
      const after = cloneMask(before);
      const labeled = row.name === "forest-0.png" ? 640 : row.name === "sea-0.png" ? 2800 : 64;
      after.classes.fill(0, 0, labeled);
      after.sources.fill(Source.human, 0, labeled);
      store.commitDiff(row.id, before, after, {
        tool: "brush",
        classIdx: 0,
        width: 1,
        points: [],
        author: "t",
      });
    }
    const q = await pickStartQueue(store, 30);
    expect(q).toHaveLength(18); // all but sea-0 (over a quarter labeled)
    expect(q.map((s) => s.rank)).toEqual(Array.from({ length: 18 }, (_, k) => k + 1));
    expect(q.map((s) => s.image)).not.toContain("sea-0.png");
    expect(q[q.length - 1].image).toBe("forest-0.png"); // the most labeled of them comes last
  });
});
