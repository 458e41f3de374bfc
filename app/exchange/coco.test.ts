import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { exportCoco, importCoco } from "./coco.ts";
import { demoProject } from "../testing/demo-project.ts";

const { t, names, freshProject, open } = demoProject();
let store: ProjectStore;

beforeAll(async () => {
  store = await open();
});
afterAll(() => {
  store.close();
  t.cleanup();
});

describe("COCO", () => {
  it("masks -> COCO -> import reproduces the masks exactly", () => {
    const file = path.join(t.dir, "coco.json");
    const r = exportCoco(store, file);
    expect(r.images).toBe(4);
    expect(r.annotations).toBeGreaterThan(8);
    const doc = JSON.parse(fs.readFileSync(file, "utf8"));
    expect(doc.categories[0]).toMatchObject({ id: 1, name: "sky" });
    expect(typeof doc.annotations[0].segmentation.counts).toBe("string");

    const other = freshProject("coco-target.pxl");
    return importImages(other, [path.join(t.dir, "images")]).then(() => {
      const s = importCoco(other, file);
      expect(s.images).toBe(4);
      for (const n of names) {
        const a = store.mask(store.imagesByName(n)[0].id).classes;
        const b = other.mask(other.imagesByName(n)[0].id).classes;
        expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
      }
      other.close();
    });
  });

  it("imports polygons, and refuses a bad file without importing anything", async () => {
    const other = freshProject("coco-bad.pxl");
    await importImages(other, [path.join(t.dir, "images")]);
    const good = {
      images: [{ id: 7, file_name: `some/folder/${names[0]}`, width: 320, height: 240 }],
      categories: [{ id: 3, name: "road" }],
      annotations: [{ id: 1, image_id: 7, category_id: 3, segmentation: [[10, 10, 50, 10, 50, 30, 10, 30]] }],
    };
    const write = (doc: unknown) => {
      const f = path.join(t.dir, "in.json");
      fs.writeFileSync(f, typeof doc === "string" ? doc : JSON.stringify(doc));
      return f;
    };
    const expectRefused = (doc: unknown, msg: RegExp) => {
      expect(() => importCoco(other, write(doc))).toThrow(msg);
      expect(other.summary().labeledPixels).toBe(0);
    };
    expectRefused("{ not json", /in\.json: malformed JSON/);
    expectRefused(
      { ...good, categories: [{ id: 3, name: "zebra" }] },
      /in\.json: categories\[0\]\.name: unknown category "zebra"/,
    );
    expectRefused(
      { ...good, images: [{ id: 7, file_name: "nope.png" }] },
      /images\[0\]\.file_name: image "nope\.png" is not in the project/,
    );
    expectRefused(
      { ...good, images: [{ id: 7, file_name: names[0], width: 10, height: 10 }] },
      /images\[0\]: size 10x10 does not match/,
    );
    expectRefused(
      {
        ...good,
        annotations: [...good.annotations, { id: 2, image_id: 7, category_id: 3, segmentation: [[1, 2]] }],
      },
      /annotations\[1\]\.segmentation\[0\]: a polygon must be/,
    );
    expectRefused(
      {
        ...good,
        annotations: [
          { id: 2, image_id: 7, category_id: 3, segmentation: { size: [240, 320], counts: "!!!" } },
        ],
      },
      /segmentation\.counts/,
    );
    const s = importCoco(other, write(good));
    expect(s.labeledPixels).toBe(40 * 20);
    other.close();
  });
});
