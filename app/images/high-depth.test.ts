import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { encode } from "fast-png";
import { describe, expect, it } from "vitest";
import { decodePixels, stretchToEightBits } from "./decode.ts";
import { displayImage } from "../api/display-image.ts";
import { PixelloopService } from "../api/service.ts";
import type { ImageList } from "../common/api-types.ts";
import { tmpDir } from "../testing/tmp.ts";
import { ProjectStore } from "../store/project-store.ts";
import { thumbnailFor } from "./thumbnails.ts";
import { withRawDb } from "../testing/raw-db.ts";

/** A 12-bit microscope-like frame in a 16-bit PNG: a bright disc (~3000) on a dim field (~400). */
function twelveBitScan(width: number, height: number): { png: Uint8Array; values: Uint16Array } {
  const values = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inDisc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (height / 4) ** 2;
      values[y * width + x] = (inDisc ? 3000 : 400) + ((x * 7 + y * 13) % 200);
    }
  }
  return { png: encode({ width, height, data: values, depth: 16, channels: 1 }), values };
}

/**
 * A one-strip, uncompressed, little-endian TIFF of 32-bit float gray samples (SampleFormat 3),
 * written by hand: sharp writes no float TIFFs.
 */
function floatTiff(values: Float32Array, width: number, height: number): Buffer {
  const tags: [number, number, number, number][] = [
    // [tag, type (3 SHORT, 4 LONG), count, value]
    [256, 4, 1, width], // ImageWidth
    [257, 4, 1, height], // ImageLength
    [258, 3, 1, 32], // BitsPerSample
    [259, 3, 1, 1], // Compression: none
    [262, 3, 1, 1], // PhotometricInterpretation: black is zero
    [273, 4, 1, 0], // StripOffsets (filled below)
    [277, 3, 1, 1], // SamplesPerPixel
    [278, 4, 1, height], // RowsPerStrip
    [279, 4, 1, values.byteLength], // StripByteCounts
    [339, 3, 1, 3], // SampleFormat: IEEE float
  ];
  const ifdSize = 2 + tags.length * 12 + 4;
  const dataOffset = 8 + ifdSize;
  const out = Buffer.alloc(dataOffset + values.byteLength);
  out.write("II", 0, "latin1");
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(tags.length, 8);
  tags.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    const v = tag === 273 ? dataOffset : value;
    if (type === 3) out.writeUInt16LE(v, at + 8);
    else out.writeUInt32LE(v, at + 8);
  });
  out.writeUInt32LE(0, 8 + 2 + tags.length * 12);
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(out, dataOffset);
  return out;
}

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

describe("images of more than 8 bits per sample", () => {
  const t = tmpDir();

  it("are contrast-stretched to 8 bits: a 12-bit scan uses the full range, not 0..15", async () => {
    const { png, values } = twelveBitScan(60, 40);
    const px = await decodePixels(Buffer.from(png));
    expect([px.width, px.height, px.channels]).toEqual([60, 40, 1]);
    expect(Math.max(...values) / 257).toBeLessThan(13); // what a plain 16-to-8-bit scaling shows
    expect(Math.min(...px.data)).toBe(0);
    expect(Math.max(...px.data)).toBe(255);
    const centre = px.data[20 * 60 + 30];
    const corner = px.data[0];
    expect(centre).toBeGreaterThan(200);
    expect(corner).toBeLessThan(40);
  });

  it("float TIFFs (values 0..0.004 here) are stretched too, not cast to 0", async () => {
    const width = 40;
    const height = 30;
    const values = new Float32Array(width * height).map((_, i) => 0.0001 * (i % width));
    const px = await decodePixels(floatTiff(values, width, height));
    expect([px.width, px.height, px.channels]).toEqual([40, 30, 1]);
    expect(px.data[0]).toBe(0);
    expect(px.data[width - 1]).toBe(255);
    for (let x = 1; x < width; x++) expect(px.data[x]).toBeGreaterThanOrEqual(px.data[x - 1]);
  });

  it("keep the order of values, one mapping for every channel", async () => {
    // An 8-bit photo widened to 16 bits: the stretch is monotone, so equal 8-bit values stay equal
    // and brighter stays brighter, in every channel alike.
    const rgb = Buffer.from(Array.from({ length: 32 * 16 * 3 }, (_, i) => (i * 37) % 251));
    const file = path.join(t.dir, "wide.png");
    await sharp(rgb, { raw: { width: 32, height: 16, channels: 3 } })
      .toColourspace("rgb16")
      .png()
      .toFile(file);
    const px = await decodePixels(file);
    expect(px.channels).toBe(3);
    const mapped = new Map<number, number>();
    for (let i = 0; i < rgb.length; i++) {
      const before = mapped.get(rgb[i]);
      if (before !== undefined) expect(px.data[i]).toBe(before);
      mapped.set(rgb[i], px.data[i]);
    }
    const keys = [...mapped.keys()].sort((a, b) => a - b);
    for (let k = 1; k < keys.length; k++)
      expect(mapped.get(keys[k])!).toBeGreaterThanOrEqual(mapped.get(keys[k - 1])!);
  });

  it("clip outliers: one hot pixel does not darken the rest; a constant image is black", () => {
    const values = Array.from({ length: 1000 }, (_, i) => 100 + (i % 101));
    values[500] = 65535;
    const out = stretchToEightBits(values);
    expect(out[500]).toBe(255);
    expect(out[100]).toBe(255); // value 200, the top of the real range
    expect(out[0]).toBe(0);
    expect(out[50]).toBeGreaterThan(100); // value 150, mid-range
    expect(Array.from(stretchToEightBits([7, 7, 7]))).toEqual([0, 0, 0]);
  });

  it("thumbnail and the UI's image show the stretched pixels training sees", async () => {
    const dir = path.join(t.dir, "project");
    const images = path.join(dir, "images");
    fs.mkdirSync(images, { recursive: true });
    const { png } = twelveBitScan(80, 60);
    fs.writeFileSync(path.join(images, "scan.png"), png);
    const service = new PixelloopService({ projectsDir: dir, recentFile: path.join(dir, "recent.json") });
    await service.call("project.create", { name: "s", dir, classes: [{ name: "cell", color: "#00ff00" }] });
    await service.call("images.import", { paths: [images] });
    const [item] = ((await service.call("images.list", { sort: "name" })) as ImageList).items;
    const store = service.project!;
    const trained = await decodePixels(path.join(images, "scan.png"));

    const shown = await displayImage(store, item.id);
    expect(shown.ok && shown.contentType).toBe("image/png");
    const body = shown.ok ? shown.body : Buffer.alloc(0);
    expect((await sharp(body).metadata()).depth).toBe("uchar");
    const { data } = await sharp(body).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
    expect(Array.from(data)).toEqual(Array.from(trained.data));

    const thumb = store.thumbnail(item.id)!;
    const small = await sharp(thumb.webp).toColourspace("b-w").raw().toBuffer();
    expect(Math.abs(mean(small) - mean(trained.data))).toBeLessThan(8);
    expect(mean(small)).toBeGreaterThan(40);
    await service.close();
  });

  it("a project made before format 6 gets its dark 16-bit thumbnails drawn again; 8-bit ones stay", async () => {
    const dir = path.join(t.dir, "old-project");
    const images = path.join(dir, "images");
    fs.mkdirSync(images, { recursive: true });
    fs.writeFileSync(path.join(images, "scan.png"), twelveBitScan(80, 60).png);
    await sharp({ create: { width: 40, height: 30, channels: 3, background: "#3366cc" } })
      .png()
      .toFile(path.join(images, "photo.png"));
    fs.writeFileSync(path.join(images, "gone.png"), twelveBitScan(40, 30).png);
    const service = new PixelloopService({ projectsDir: dir, recentFile: path.join(dir, "recent.json") });
    const { file } = (await service.call("project.create", {
      name: "old",
      dir,
      classes: [{ name: "cell", color: "#00ff00" }],
    })) as { file: string };
    await service.call("images.import", { paths: [images] });
    const items = ((await service.call("images.list", { sort: "name" })) as ImageList).items;
    const id = (name: string) => items.find((i) => i.name === name)!.id;
    // What format 5 stored for a 12-bit scan: the image divided by 257, near black.
    const dark = await sharp({ create: { width: 80, height: 60, channels: 3, background: "#030303" } })
      .webp()
      .toBuffer();
    const store = service.project!;
    store.putThumbnail(id("scan.png"), { width: 80, height: 60, webp: dark });
    store.putThumbnail(id("gone.png"), { width: 40, height: 30, webp: dark });
    const photoThumb = store.thumbnail(id("photo.png"))!.webp;
    // Back to format 5: undo what formats 6 to 11 added (6 changed data only; 9 only added tables).
    withRawDb(store, (db) =>
      db.exec(
        "ALTER TABLE rounds DROP COLUMN labels_scope; ALTER TABLE predictions DROP COLUMN margin; DROP INDEX strokes_person; ALTER TABLE strokes DROP COLUMN person; ALTER TABLE rounds DROP COLUMN labels_by_person; ALTER TABLE classes DROP COLUMN deleted_at",
      ),
    );
    withRawDb(store, (db) => db.pragma("user_version = 5"));
    await service.close();
    fs.rmSync(path.join(images, "gone.png"));

    const reopened = ProjectStore.open(file);
    try {
      const redrawn = await thumbnailFor(reopened, id("scan.png"));
      expect(redrawn.ok).toBe(true);
      const small = await sharp(redrawn.ok ? redrawn.thumbnail.webp : dark)
        .toColourspace("b-w")
        .raw()
        .toBuffer();
      expect(mean(small)).toBeGreaterThan(40);
      // Stored: the next request is a plain read.
      expect(reopened.thumbnail(id("scan.png"))!.webp).toEqual(redrawn.ok && redrawn.thumbnail.webp);
      expect(reopened.thumbnail(id("photo.png"))!.webp).toEqual(photoThumb);
      // A 16-bit image whose file is gone: named, with the reason; nothing else changes.
      const gone = await thumbnailFor(reopened, id("gone.png"));
      expect(gone).toMatchObject({ ok: false, status: 404 });
      expect(!gone.ok && gone.message).toMatch(/gone\.png: the file is missing/);
      expect(reopened.countImages()).toBe(3);
    } finally {
      reopened.close();
    }
  });
});
