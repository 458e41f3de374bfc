import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { displayImage } from "./display-image.ts";
import { PixelloopService } from "./service.ts";
import type { ImageList } from "../common/api-types.ts";

describe("images as the UI shows them (both shells)", () => {
  it("serves PNG as stored and TIFF as PNG; a missing or damaged file is named with the reason", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-display-"));
    const images = path.join(dir, "images");
    fs.mkdirSync(images);
    const gradient = (w: number, h: number, k: number) =>
      sharp(Buffer.from(Array.from({ length: w * h }, (_, i) => (i * k) % 256)), {
        raw: { width: w, height: h, channels: 1 },
      });
    await gradient(30, 20, 3).png().toFile(path.join(images, "a.png"));
    await gradient(25, 15, 7).tiff().toFile(path.join(images, "b.tif"));
    const service = new PixelloopService({ projectsDir: dir, recentFile: path.join(dir, "recent.json") });
    await service.call("project.create", { name: "d", dir, classes: [{ name: "x", color: "#ff0000" }] });
    await service.call("images.import", { paths: [images] });
    const items = ((await service.call("images.list", { sort: "name" })) as ImageList).items;
    const [a, b] = items.map((i) => i.id);
    const store = service.project!;

    const png = await displayImage(store, a);
    expect(png.ok && png.contentType).toBe("image/png");
    expect(png.ok && png.body.equals(fs.readFileSync(path.join(images, "a.png")))).toBe(true);
    const tif = await displayImage(store, b);
    expect(tif.ok && tif.contentType).toBe("image/png");
    const meta = await sharp(tif.ok ? tif.body : Buffer.alloc(0)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["png", 25, 15]);

    fs.rmSync(path.join(images, "a.png"));
    expect(await displayImage(store, a)).toEqual({
      ok: false,
      status: 404,
      message: `${path.join(images, "a.png")}: the file is missing (moved or deleted?)`,
    });
    fs.writeFileSync(path.join(images, "b.tif"), "not a tiff");
    const broken = await displayImage(store, b);
    expect(broken).toMatchObject({ ok: false, status: 422 });
    expect(!broken.ok && broken.message).toMatch(/b\.tif: cannot be decoded \(/);
    await expect(service.call("export.model", {})).rejects.toThrow("no model yet: train one first (T)");
    // Predictions of a project that has none: refused, nothing written (not a folder of empty masks).
    for (const format of ["index", "coco"] as const)
      await expect(service.call("export.masks", { format, source: "predictions" })).rejects.toThrow(
        "no predictions yet; train a model first",
      );
    await expect(service.call("export.dataset", { source: "predictions" })).rejects.toThrow(
      "no predictions yet",
    );
    expect(fs.existsSync(path.join(dir, "exports"))).toBe(false);
    expect(await displayImage(store, 999)).toMatchObject({
      ok: false,
      status: 404,
      message: "no image with id 999",
    });
    await service.close();
  });
});
