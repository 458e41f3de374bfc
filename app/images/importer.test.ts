import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { ProjectStore } from "../store/project-store.ts";
import { importImages, importedImageIds, importedImageNames } from "./importer.ts";
import { DEMO, tmpDir } from "../testing/tmp.ts";
import { sampleProject, writeSampleImages } from "../testing/sample-images.ts";
import { encodeIndexPng } from "../exchange/index-png.ts";
import { importIndexMasks } from "../exchange/mask-files.ts";

/** A new project "p.pxl" in `dir` with the classes bg and fg. */
function twoClassProject(dir: string): ProjectStore {
  return ProjectStore.create(path.join(dir, "p.pxl"), {
    name: "p",
    classes: [
      { idx: 0, name: "bg", color: "#000000" },
      { idx: 1, name: "fg", color: "#ffffff" },
    ],
  });
}

describe("image import", () => {
  const t = tmpDir();
  const src = path.join(t.dir, "src");
  let store: ProjectStore;
  let s: Awaited<ReturnType<typeof importImages>>;
  const progress: number[] = [];

  // Every test reads this one import (no test depends on another having run).
  beforeAll(async () => {
    await writeSampleImages(t.dir);
    store = sampleProject(t.dir);
    s = await importImages(store, [src, path.join(t.dir, "anim.gif"), path.join(t.dir, "missing.png")], {
      split: "val",
      onProgress: (p) => progress.push(p.done),
    });
  });
  afterAll(() => {
    store.close();
    t.cleanup();
  });

  it("imports every readable format recursively and skips bad files with reasons", () => {
    const names = s.imported.map((i) => path.basename(i.file)).sort();
    expect(names).toEqual([
      "deep16.png",
      "gray.png",
      "photo.jpg",
      "rgb.png",
      "rgba.png",
      "rotated.jpg",
      "scan.tiff",
      "web.webp",
    ]);
    const reasons = Object.fromEntries(s.skipped.map((x) => [path.basename(x.file), x.reason]));
    expect(reasons["empty.png"]).toBe("empty file");
    expect(reasons["corrupt.png"]).toMatch(/^not a readable image/);
    expect(reasons["truncated.png"]).toMatch(/^cannot decode image data/);
    expect(reasons["huge.png"]).toMatch(/20000x10000 is 200 megapixels, over the limit of 100/);
    expect(reasons["anim.gif"]).toMatch(/unsupported format gif/);
    expect(reasons["missing.png"]).toBe("no such file or folder");
    expect(s.duplicates).toHaveLength(1);
    expect(s.duplicates[0].reason).toMatch(/same content as .*rgb\.png/);
    expect(s.ignored).toBe(1); // notes.txt
    expect(progress.at(-1)).toBe(progress.length);
    expect(store.countImages({ split: "val" })).toBe(8);
  });

  it("records size after EXIF orientation, channels and bit depth", () => {
    const byName = (n: string) => store.imagesByName(n)[0];
    expect([byName("rotated.jpg").width, byName("rotated.jpg").height]).toEqual([40, 60]);
    expect(byName("gray.png").channels).toBe(1);
    expect(byName("rgba.png").channels).toBe(4);
    expect(byName("deep16.png").bitDepth).toBe(16);
    expect(byName("rgb.png").path).toBe("src/rgb.png");
    const thumb = store.thumbnail(byName("rgb.png").id);
    expect(thumb?.webp.subarray(8, 12).toString("latin1")).toBe("WEBP");
  });

  it("re-importing the same folder adds nothing", async () => {
    const again = await importImages(store, [src]);
    expect(again.imported).toHaveLength(0);
    expect(again.duplicates.length).toBe(9);
  });
});

describe("importing a dataset again: its own masks, moved files, changed files", () => {
  const t = tmpDir();
  const ds = path.join(t.dir, "dataset");
  const images = path.join(ds, "images");
  const masks = path.join(ds, "masks");
  let store: ProjectStore;
  let first: Awaited<ReturnType<typeof importImages>>;

  beforeAll(async () => {
    fs.mkdirSync(images, { recursive: true });
    fs.mkdirSync(masks, { recursive: true });
    const base = await sharp(path.join(DEMO, "images", "garden-01.png"))
      .resize(40, 30)
      .toBuffer();
    await sharp(base).png().toFile(path.join(images, "a.png"));
    await sharp(base).flop().png().toFile(path.join(images, "b.png"));
    const m = new Uint8Array(40 * 30).fill(255).fill(1, 0, 40);
    fs.writeFileSync(path.join(masks, "a.png"), encodeIndexPng(m, 40, 30));
    fs.writeFileSync(path.join(masks, "b.png"), encodeIndexPng(m, 40, 30));
    store = twoClassProject(t.dir);
    // Every test starts from this import (no test depends on another having run).
    first = await importImages(store, [ds], { exclude: [masks] });
  });
  afterAll(() => {
    store.close();
    t.cleanup();
  });

  it("importing the dataset's root with its masks folder as labels leaves the masks out", () => {
    const r = first;
    expect(r.imported.map((i) => path.basename(i.file))).toEqual(["a.png", "b.png"]);
    expect(r.excluded).toBe(2);
    expect(store.summary().images).toBe(2);
  });

  it("a moved image is found again by content: same id, its labels kept, read from the new place", async () => {
    const a = store.imagesByName("a.png")[0];
    importIndexMasks(store, masks, { imageIds: [a.id] });
    expect(store.image(a.id)?.labeledPixels).toBe(40);
    const moved = path.join(t.dir, "moved");
    fs.mkdirSync(moved);
    fs.renameSync(path.join(images, "a.png"), path.join(moved, "renamed.png"));
    const r = await importImages(store, [moved]);
    expect(r.imported).toHaveLength(0);
    expect(r.relinked).toEqual([
      { id: a.id, file: path.join(moved, "renamed.png"), from: path.join(images, "a.png") },
    ]);
    const row = store.image(a.id);
    expect([row?.name, store.absolutePath(row?.path ?? "")]).toEqual([
      "renamed.png",
      path.join(moved, "renamed.png"),
    ]);
    expect(store.image(a.id)?.labeledPixels).toBe(40);
    expect(store.summary().images).toBe(2);
  });

  it("a file replaced by another picture is not imported over the image: the reason says what to do", async () => {
    const b = store.imagesByName("b.png")[0];
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#ff0000" } })
      .png()
      .toFile(path.join(images, "b.png"));
    const r = await importImages(store, [path.join(images, "b.png")]);
    expect(r.imported).toHaveLength(0);
    expect(r.skipped).toEqual([
      {
        file: path.join(images, "b.png"),
        reason: `already in the project as image ${b.id} with other content (40x30 when imported, 8x8 now): put the original file back, or remove image ${b.id} from the project (its labels go with it) and import the file again`,
      },
    ]);
    expect(store.image(b.id)?.width).toBe(40);
  });
});

describe("masks found by the names datasets give them", () => {
  const t = tmpDir();
  afterAll(() => t.cleanup());

  it("same name in other case, or with a dataset suffix; a duplicate file's mask labels the image it duplicates", async () => {
    const images = path.join(t.dir, "images");
    const masks = path.join(t.dir, "masks");
    fs.mkdirSync(images);
    fs.mkdirSync(masks);
    const colors = ["#102030", "#405060", "#708090", "#a0b0c0"];
    const names = ["Photo_1.JPG", "scan-2.png", "ISIC_0003.jpg", "plain.png"];
    for (const [i, n] of names.entries())
      await sharp({ create: { width: 12, height: 8, channels: 3, background: colors[i] } })
        .toFormat(n.toLowerCase().endsWith(".jpg") ? "jpeg" : "png")
        .toFile(path.join(images, n));
    const labeled = (rows: number) =>
      encodeIndexPng(new Uint8Array(96).fill(255).fill(1, 0, rows * 12), 12, 8);
    fs.writeFileSync(path.join(masks, "photo_1.png"), labeled(1));
    fs.writeFileSync(path.join(masks, "scan-2_mask.png"), labeled(2));
    fs.writeFileSync(path.join(masks, "ISIC_0003_segmentation.png"), labeled(3));
    // Two files that could both be plain's: no guess.
    fs.writeFileSync(path.join(masks, "plain_gt.png"), labeled(4));
    fs.writeFileSync(path.join(masks, "PLAIN_gt.png"), labeled(5));
    const store = twoClassProject(t.dir);
    const r = await importImages(store, [images]);
    const m = importIndexMasks(store, masks, { imageIds: r.imported.map((i) => i.id) });
    expect(m.imported.map((x) => [x.image, path.basename(x.mask), x.labeledPixels])).toEqual([
      ["ISIC_0003.jpg", "ISIC_0003_segmentation.png", 36],
      ["Photo_1.JPG", "photo_1.png", 12],
      ["scan-2.png", "scan-2_mask.png", 24],
    ]);
    expect(m.withoutMask).toBe(1);

    // A copy of plain.png under another name, with its own mask: that mask labels plain.png.
    const copies = path.join(t.dir, "copies");
    fs.mkdirSync(copies);
    fs.copyFileSync(path.join(images, "plain.png"), path.join(copies, "plain-copy.png"));
    fs.writeFileSync(path.join(masks, "plain-copy.png"), labeled(6));
    const again = await importImages(store, [copies]);
    expect(again.duplicates).toHaveLength(1);
    const m2 = importIndexMasks(store, masks, {
      imageIds: importedImageIds(again),
      otherNames: importedImageNames(again),
    });
    expect(m2.imported.map((x) => [x.image, path.basename(x.mask), x.labeledPixels])).toEqual([
      ["plain.png", "plain-copy.png", 72],
    ]);
    store.close();
  });
});

describe("images and their masks side by side in one folder", () => {
  const t = tmpDir();
  afterAll(() => t.cleanup());

  it("imports the images, leaves the masks out, and labels each image with its own mask", async () => {
    const side = path.join(t.dir, "side");
    fs.mkdirSync(side);
    await sharp({ create: { width: 10, height: 6, channels: 3, background: "#336699" } })
      .png()
      .toFile(path.join(side, "a.png"));
    await sharp({ create: { width: 10, height: 6, channels: 3, background: "#996633" } })
      .jpeg()
      .toFile(path.join(side, "b.jpg"));
    const mask = encodeIndexPng(new Uint8Array(60).fill(255).fill(1, 0, 10), 10, 6);
    fs.writeFileSync(path.join(side, "a_mask.png"), mask);
    fs.writeFileSync(path.join(side, "b_GT.png"), mask);
    const store = twoClassProject(t.dir);
    const r = await importImages(store, [side], { exclude: [side] });
    expect(r.imported.map((i) => path.basename(i.file))).toEqual(["a.png", "b.jpg"]);
    expect(r.excluded).toBe(2);
    const m = importIndexMasks(store, side, { imageIds: importedImageIds(r) });
    expect(m.imported.map((x) => [x.image, path.basename(x.mask), x.labeledPixels])).toEqual([
      ["a.png", "a_mask.png", 10],
      ["b.jpg", "b_GT.png", 10],
    ]);
    expect(m.errors).toEqual([]);
    store.close();
  });
});
