import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { exportMasks } from "./mask-files.ts";
import { importColorMasks } from "./color-masks.ts";
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

describe("mask files and datasets", () => {
  it("color masks export and import back to the same labels", async () => {
    const out = path.join(t.dir, "color");
    await exportMasks(store, out, { format: "color" });
    const other = freshProject("color.pxl");
    await importImages(other, [path.join(t.dir, "images")]);
    const r = await importColorMasks(other, out);
    expect(r.errors).toEqual([]);
    for (const n of names) {
      expect(
        Buffer.from(other.mask(other.imagesByName(n)[0].id).classes).equals(
          Buffer.from(store.mask(store.imagesByName(n)[0].id).classes),
        ),
      ).toBe(true);
    }
    other.close();
  });
});
