import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { exportMasks, importIndexMasks } from "./mask-files.ts";
import { exportDataset } from "./dataset.ts";
import { demoProject } from "../testing/demo-project.ts";
import { tmpDir } from "../testing/tmp.ts";
import { sampleProject, writeSampleImages } from "../testing/sample-images.ts";
import { importImages } from "../images/importer.ts";
import { encodeIndexPng } from "./index-png.ts";

const { t, names, open } = demoProject();
let store: ProjectStore;

beforeAll(async () => {
  store = await open();
});
afterAll(() => {
  store.close();
  t.cleanup();
});

describe("mask files and datasets", () => {
  it("an export whose folder is a file names the path and the reason, and leaves the file alone", async () => {
    const inTheWay = path.join(t.dir, "masks.txt");
    fs.writeFileSync(inTheWay, "notes");
    await expect(exportMasks(store, inTheWay, { format: "index" })).rejects.toThrow(
      `${inTheWay}: cannot write there: a file of that name is in the way (not a folder)`,
    );
    await expect(exportDataset(store, path.join(inTheWay, "dataset"))).rejects.toThrow(
      /masks\.txt[/\\]dataset: cannot write there: a part of the path is a file/,
    );
    expect(fs.readFileSync(inTheWay, "utf8")).toBe("notes");
  });

  it.skipIf(!fs.existsSync("/proc/self"))(
    "an export under /proc is refused at once (Node's own recursive mkdir never returns there)",
    async () => {
      await expect(exportMasks(store, "/proc/pixelloop-nope/masks", { format: "index" })).rejects.toThrow(
        "/proc/pixelloop-nope/masks: cannot write there: folders cannot be made there",
      );
    },
  );
});

describe("outputs never replace the user's images", () => {
  const bytesOf = (dir: string) => fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));

  it("mask exports into the images' folder are refused before anything is written", async () => {
    const imgDir = path.join(t.dir, "images");
    const before = bytesOf(imgDir);
    for (const format of ["index", "color"] as const) {
      await expect(exportMasks(store, imgDir, { format })).rejects.toThrow(
        `${path.join(imgDir, names[0])}: is an image of the project ${store.file}; writing there would overwrite it: choose another output folder`,
      );
    }
    // The same folder by another path (a symbolic link) is the same files.
    const link = path.join(t.dir, "images-link");
    fs.symlinkSync(imgDir, link);
    await expect(exportMasks(store, link, { format: "index" })).rejects.toThrow(
      /images-link[/\\]garden-01\.png: is an image of the project/,
    );
    expect(bytesOf(imgDir)).toEqual(before); // nothing replaced, no legend.json added
  });
});

describe("image import", () => {
  const t = tmpDir();
  let store: ProjectStore;

  beforeAll(async () => {
    await writeSampleImages(t.dir);
    store = sampleProject(t.dir);
    await importImages(store, [path.join(t.dir, "src")]);
  });
  afterAll(() => {
    store.close();
    t.cleanup();
  });

  it("imports masks: void and 255 become unlabeled, size mismatch names both files", () => {
    const masks = path.join(t.dir, "masks");
    fs.mkdirSync(masks);
    const v = new Uint8Array(64 * 48).fill(255);
    v.fill(0, 0, 64); // first row: class 0
    v.fill(1, 64, 128); // second row: class 1
    v.fill(11, 128, 192); // third row: void
    fs.writeFileSync(path.join(masks, "rgb.png"), encodeIndexPng(v, 64, 48));
    fs.writeFileSync(path.join(masks, "gray.png"), encodeIndexPng(new Uint8Array(10 * 10), 10, 10));
    fs.writeFileSync(path.join(masks, "scan.png"), "broken");
    const r = importIndexMasks(store, masks);
    expect(r.imported.map((x) => [x.image, x.labeledPixels])).toEqual([["rgb.png", 128]]);
    expect(r.unlabeledValues).toBe(64 * 48 - 128);
    const mismatch = r.errors.find((e) => e.file.endsWith("gray.png"));
    expect(mismatch?.reason).toMatch(/gray\.png: mask is 10x10 but image .*src\/gray\.png is 64x48/);
    expect(r.errors.find((e) => e.file.endsWith("scan.png"))?.reason).toMatch(
      /scan\.png: not a readable PNG/,
    );
    const gray = store.imagesByName("gray.png")[0];
    expect(store.mask(gray.id).classes.every((c) => c === 255)).toBe(true);
  });
});
