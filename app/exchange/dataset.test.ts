import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { exportDataset } from "./dataset.ts";
import { readIndexPng } from "./index-png.ts";
import { DEMO } from "../testing/tmp.ts";
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
  it("writes a VOC-like dataset folder with split lists and classes", async () => {
    const out = path.join(t.dir, "dataset");
    // An earlier export there (not the project's images) is overwritten, as before.
    fs.mkdirSync(path.join(out, "SegmentationClass"), { recursive: true });
    fs.writeFileSync(path.join(out, "SegmentationClass", names[0]), "an earlier export");
    const r = await exportDataset(store, out);
    expect(r).toEqual({ images: 4, splits: { train: 4, val: 0, test: 0 }, skipped: [] });
    const list = fs
      .readFileSync(path.join(out, "ImageSets/Segmentation/train.txt"), "utf8")
      .trim()
      .split("\n");
    expect(list).toEqual(names.map((n) => n.replace(".png", "")));
    for (const s of list) {
      expect(fs.existsSync(path.join(out, "JPEGImages", `${s}.png`))).toBe(true);
      const m = readIndexPng(path.join(out, "SegmentationClass", `${s}.png`));
      expect(
        Buffer.from(m.values).equals(Buffer.from(store.mask(store.imagesByName(`${s}.png`)[0].id).classes)),
      ).toBe(true);
    }
    expect(fs.readFileSync(path.join(out, "labelmap.txt"), "utf8")).toContain("sky:111,168,220::");

    // Only the images with labels, as a training set for another tool wants them.
    const unlabeled = store.imagesByName(names[0])[0].id;
    const before = store.mask(unlabeled);
    const cleared = {
      ...before,
      classes: before.classes.slice().fill(255),
      sources: before.sources.slice().fill(0),
    };
    store.commitDiff(unlabeled, before, cleared, {
      tool: "eraser",
      classIdx: null,
      width: 0,
      points: [],
      author: "t",
    });
    const labeledOnly = path.join(t.dir, "dataset-labeled");
    const l = await exportDataset(store, labeledOnly, { onlyLabeled: true });
    expect(l.images).toBe(3);
    expect(fs.readdirSync(path.join(labeledOnly, "SegmentationClass")).sort()).toEqual(names.slice(1).sort());
  });
});

describe("outputs never replace the user's images", () => {
  it("a dataset export whose output tree holds the project's images is refused", async () => {
    // Images imported from an earlier dataset's JPEGImages: exporting there again would replace them.
    const ds = path.join(t.dir, "voc");
    fs.mkdirSync(path.join(ds, "JPEGImages"), { recursive: true });
    fs.copyFileSync(path.join(DEMO, "images", names[0]), path.join(ds, "JPEGImages", names[0]));
    const other = freshProject("voc.pxl");
    await importImages(other, [path.join(ds, "JPEGImages")]);
    await expect(exportDataset(other, ds)).rejects.toThrow(
      `${path.join(ds, "JPEGImages", names[0])}: is an image of the project ${other.file}`,
    );
    expect(fs.readdirSync(ds)).toEqual(["JPEGImages"]);
    await exportDataset(other, path.join(t.dir, "voc-elsewhere")); // another folder: fine
    other.close();
  });

  it("a dataset export leaves out an image whose file is gone, names it and writes the rest", async () => {
    const imgDir = path.join(t.dir, "going");
    fs.mkdirSync(imgDir);
    for (const n of names.slice(0, 2)) fs.copyFileSync(path.join(DEMO, "images", n), path.join(imgDir, n));
    const other = freshProject("going.pxl");
    await importImages(other, [imgDir]);
    fs.rmSync(path.join(imgDir, names[0]));
    const out = path.join(t.dir, "going-dataset");
    const r = await exportDataset(other, out);
    expect(r.images).toBe(1);
    expect(r.skipped).toEqual([
      { file: path.join(imgDir, names[0]), reason: expect.stringMatching(/^cannot read image \(/) },
    ]);
    const kept = names[1].replace(".png", "");
    expect(fs.readdirSync(path.join(out, "JPEGImages"))).toEqual([names[1]]);
    expect(fs.readdirSync(path.join(out, "SegmentationClass"))).toEqual([`${kept}.png`]);
    expect(fs.readFileSync(path.join(out, "ImageSets/Segmentation/train.txt"), "utf8")).toBe(`${kept}\n`);
    expect(fs.existsSync(path.join(out, "classes.json"))).toBe(true);
    other.close();
  });

  it("a JPEG turned by its EXIF orientation is written upright, the size of its mask", async () => {
    const imgDir = path.join(t.dir, "exif");
    fs.mkdirSync(imgDir);
    // Stored 40x30, orientation 6 (rotate 90 degrees clockwise): the image is 30x40 upright.
    const raw = Buffer.alloc(40 * 30 * 3);
    for (let i = 0; i < 40 * 30; i++) raw[i * 3] = i % 40 < 10 ? 255 : 0; // a red band on the left
    await sharp(raw, { raw: { width: 40, height: 30, channels: 3 } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(path.join(imgDir, "turned.jpg"));
    const other = freshProject("exif.pxl");
    await importImages(other, [imgDir]);
    const out = path.join(t.dir, "exif-dataset");
    await exportDataset(other, out);
    const meta = await sharp(path.join(out, "JPEGImages", "turned.jpg")).metadata();
    expect(meta.format).toBe("jpeg");
    expect(meta.orientation ?? 1).toBe(1);
    const mask = readIndexPng(path.join(out, "SegmentationClass", "turned.png"));
    expect([meta.width, meta.height]).toEqual([mask.width, mask.height]);
    expect([mask.width, mask.height]).toEqual([30, 40]);
    // The pixels are the upright ones: the red band is now along the top.
    const { data } = await sharp(path.join(out, "JPEGImages", "turned.jpg"))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(200);
    expect(data[(39 * 30 + 29) * 3]).toBeLessThan(60);
    other.close();
  });
});
