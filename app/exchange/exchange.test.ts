import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { importIndexMasks, exportMasks } from "./mask-files.ts";
import { exportCoco, importCoco } from "./coco.ts";
import { countsToString, maskToCounts, stringToCounts, countsToMask } from "./coco-rle.ts";
import { exportDataset } from "./dataset.ts";
import { importColorMasks } from "./color-masks.ts";
import { exportModel, importModel, modelRow } from "./model.ts";
import { readIndexPng } from "./index-png.ts";
import { DEMO, tmpDir } from "../testing/tmp.ts";
import { readClassesFile } from "../api/classes-file.ts";
import { initBackend } from "../ml/backend.ts";
import { createNetwork } from "../ml/network.ts";
import { networkFromWeights, serializeWeights } from "../ml/weights.ts";
import { predict } from "../ml/predict.ts";
import { decodePixels } from "../images/decode.ts";

const t = tmpDir();
let store: ProjectStore;
const names = fs.readdirSync(path.join(DEMO, "images")).sort().slice(0, 4);

function freshProject(name: string): ProjectStore {
  return ProjectStore.create(path.join(t.dir, name), {
    name,
    classes: readClassesFile(path.join(DEMO, "classes.json")),
  });
}

beforeAll(async () => {
  const imgDir = path.join(t.dir, "images");
  fs.mkdirSync(imgDir);
  for (const n of names) fs.copyFileSync(path.join(DEMO, "images", n), path.join(imgDir, n));
  store = freshProject("main.pxl");
  await importImages(store, [imgDir]);
  importIndexMasks(store, path.join(DEMO, "gt")); // dense labels: many regions per image
});
afterAll(() => {
  store.close();
  t.cleanup();
});

describe("COCO", () => {
  it("RLE string form round-trips, including long runs (pycocotools encoding)", () => {
    const bits = new Uint8Array(37 * 23);
    for (let i = 0; i < bits.length; i++) bits[i] = (i * 7919) % 13 < 5 || (i > 300 && i < 700) ? 1 : 0;
    const counts = maskToCounts(bits, 37, 23);
    expect(stringToCounts(countsToString(counts))).toEqual(counts);
    expect(countsToMask(counts, 37, 23)).toEqual(bits);
    // Known value from pycocotools: a 2x2 mask with only the bottom-right pixel set.
    expect(countsToString(maskToCounts(Uint8Array.from([0, 0, 0, 1]), 2, 2))).toBe("31");
  });

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

describe("models", () => {
  it("export -> import gives identical predictions; plain @tensorflow/tfjs runs the export", async () => {
    await initBackend("wasm");
    // Working resolution 0.5: the example has to resize like predict() does.
    const net = createNetwork({
      numClasses: 5,
      widths: [4, 8],
      embeddingDim: 4,
      projectionHidden: 4,
      inputScale: 0.5,
    });
    store.db
      .prepare(
        "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics) VALUES ('tiny', '2026-11-22', '{}', 'wasm', ?, '{\"images\":4}', '{\"miou\":0.5}')",
      )
      .run(Buffer.from(serializeWeights(net)));
    net.dispose();
    const out = path.join(t.dir, "model");
    await exportModel(store, out);
    const meta = JSON.parse(fs.readFileSync(path.join(out, "metadata.json"), "utf8"));
    expect(meta.classes.map((c: { name: string }) => c.name)).toEqual([
      "sky",
      "grass",
      "road",
      "tree",
      "house",
    ]);
    expect(meta.metrics).toEqual({ miou: 0.5 });
    expect(meta.input.scale).toBe(0.5);
    const modelJson = JSON.parse(fs.readFileSync(path.join(out, "model.json"), "utf8"));
    expect(JSON.stringify(modelJson.modelTopology)).not.toContain("proj_");

    const { modelId } = await importModel(store, out);
    const original = networkFromWeights(new Uint8Array(modelRow(store, modelId - 1).weights));
    const imported = networkFromWeights(new Uint8Array(modelRow(store, modelId).weights));
    const px = await decodePixels(path.join(t.dir, "images", names[0]));
    const image = { pixels: px.data, width: px.width, height: px.height, channels: px.channels };
    const a = predict(original, image);
    const b = predict(imported, image);
    expect(Buffer.from(b.classMap).equals(Buffer.from(a.classMap))).toBe(true);
    original.dispose();
    imported.dispose();

    // The documented example: plain @tensorflow/tfjs, no Pixelloop code.
    const outPng = path.join(t.dir, "example.png");
    const ex = spawnSync(
      process.execPath,
      [
        path.resolve(import.meta.dirname, "../../examples/predict-with-tfjs.mjs"),
        out,
        path.join(t.dir, "images", names[0]),
        outPng,
      ],
      { encoding: "utf8" },
    );
    expect(ex.status, ex.stderr).toBe(0);
    const got = await sharp(outPng).extractChannel(0).raw().toBuffer();
    expect(got.length).toBe(a.classMap.length);
    // Different backend (plain JS cpu) and no tiling: near-ties of this untrained net may differ.
    let same = 0;
    for (let i = 0; i < got.length; i++) if (got[i] === a.classMap[i]) same++;
    console.log(
      `example agrees with pixelloop predict on ${((100 * same) / got.length).toFixed(2)}% of pixels`,
    );
    expect(same / got.length).toBeGreaterThan(0.999);
  });

  it("refuses a model whose classes differ from the project's", async () => {
    const other = ProjectStore.create(path.join(t.dir, "two.pxl"), {
      name: "two",
      classes: [
        { idx: 0, name: "fg", color: "#ffffff" },
        { idx: 1, name: "bg", color: "#000000" },
      ],
    });
    await expect(importModel(other, path.join(t.dir, "model"))).rejects.toThrow(
      /model's classes \(sky, grass, road, tree, house\) do not match the project's \(fg, bg\)/,
    );
    await expect(importModel(other, path.join(t.dir, "nowhere"))).rejects.toThrow(
      /not a Pixelloop model folder/,
    );
    other.close();
  });

  it("a truncated weights.bin is named, with the reason", async () => {
    const dir = path.join(t.dir, "truncated");
    fs.cpSync(path.join(t.dir, "model"), dir, { recursive: true });
    const weights = path.join(dir, "weights.bin");
    const full = fs.statSync(weights).size;
    fs.truncateSync(weights, 100);
    await expect(importModel(store, dir)).rejects.toThrow(
      `${weights}: 100 bytes, but model.json's weightsManifest needs ${full}: the file is truncated or does not belong to this model.json`,
    );
  });
});
