/**
 * Undo on the labeling screen (masks.undo): strokes and accepted predictions are undone one at a
 * time, but undo stops at labels imported from a mask file, so a stray Ctrl+Z cannot wipe a whole
 * imported ground truth; the answer says why nothing changed. And images.check: the labeling
 * screen is told when the file was replaced by another picture of the same size.
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import type { ImageList, MaskChange } from "../common/api-types.ts";
import { encodeIndexPng } from "../exchange/index-png.ts";
import { createDiscProject, newService, serviceDir } from "../testing/service-fixture.ts";

describe("undo on an image with imported labels", () => {
  const dir = serviceDir("pixelloop-undo-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("undoes the strokes drawn after the import, then stops at the import and says so", async () => {
    const images = path.join(dir, "images");
    const masks = path.join(dir, "masks");
    fs.mkdirSync(images);
    fs.mkdirSync(masks);
    await sharp({ create: { width: 30, height: 20, channels: 3, background: "#336699" } })
      .png()
      .toFile(path.join(images, "a.png"));
    fs.writeFileSync(path.join(masks, "a.png"), encodeIndexPng(new Uint8Array(30 * 20), 30, 20));
    const service = newService(dir);
    await createDiscProject(service, dir, "undo");
    await service.call("images.import", { paths: [images], labels: masks });
    const [img] = ((await service.call("images.list", { limit: 10, sort: "name" })) as ImageList).items;
    expect(img.labeledPixels).toBe(600);

    const drawn = (await service.call("strokes.commit", {
      imageId: img.id,
      tool: "eraser",
      classIdx: null,
      width: 3,
      points: [
        [0, 10],
        [29, 10],
      ],
    })) as MaskChange;
    expect(drawn.labeledPixels).toBeLessThan(600);

    const first = (await service.call("masks.undo", { imageId: img.id })) as MaskChange;
    expect([first.changed, first.labeledPixels, first.reason]).toEqual([true, 600, undefined]);
    const second = (await service.call("masks.undo", { imageId: img.id })) as MaskChange;
    expect([second.changed, second.labeledPixels]).toEqual([false, 600]);
    expect(second.reason).toBe(
      "Nothing undone: the labels before this point were imported from a mask file (a.png); undo stops there (erase to change them).",
    );
    // Redo still brings the stroke back.
    const redo = (await service.call("masks.redo", { imageId: img.id })) as MaskChange;
    expect([redo.changed, redo.labeledPixels]).toEqual([true, drawn.labeledPixels]);

    // The file as imported: nothing to say. Replaced by another picture of the same size: the
    // labeling screen is told its labels may not fit.
    expect(await service.call("images.check", { id: img.id })).toEqual({ changed: false, reason: null });
    const file = path.join(images, "a.png");
    await sharp({ create: { width: 30, height: 20, channels: 3, background: "#993366" } })
      .png()
      .toFile(file);
    expect(await service.call("images.check", { id: img.id })).toEqual({
      changed: true,
      reason: `${file} has changed since it was imported: its labels were drawn on the picture it held then and may not fit this one. Put the original file back, or remove the image from the project and import the file again.`,
    });
  });
});
