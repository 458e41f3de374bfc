import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { encode } from "fast-png";
import { describe, expect, it } from "vitest";
import { decodePixels, stretchToEightBits } from "./decode.ts";
import { displayImage } from "../api/display-image.ts";
import { PixelloopService } from "../api/service.ts";
import type { ImageList } from "../api/types.ts";
import { tmpDir } from "../testing/tmp.ts";

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
});
