/**
 * Importing in the real UI against a real server: a folder of images, label masks with images
 * already in the project, a 12-bit scan shown contrast-stretched.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { encode as encodePng } from "fast-png";
import { Source } from "../app/common/mask.ts";
import { encodeIndexPng } from "../app/exchange/index-png.ts";
import {
  fixtureProject,
  inStore,
  openProject,
  sampleImages,
  screenshot,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

describe("importing", () => {
  it("imports a folder of images", async () => {
    const file = await fixtureProject(server.dir, "empty", { images: 0 });
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("grid-count").getByText("0 images").waitFor();
      const folder = sampleImages(server.dir, 3);
      await page.getByTestId("open-import").click();
      await page.getByTestId("import-paths").fill(folder);
      await page.getByTestId("import-submit").click();
      await page.getByTestId("import-result").getByText("3 imported").waitFor();
      await page.keyboard.press("Escape");
      await page.getByTestId("grid-count").getByText("3 images").waitFor();
      await page.getByTestId("tile-1").locator("img").waitFor();
      await screenshot(page, "02-browser");
      expect(inStore(file, (s) => s.countImages())).toBe(3);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("imports label masks with images, also for images imported before", async () => {
    const file = await fixtureProject(server.dir, "masks");
    // garden-03 is in the project already; its mask (left half sky, 255 elsewhere) comes with the
    // same folder imported again.
    const folder = path.join(server.dir, "masks-images");
    const masks = path.join(server.dir, "masks-masks");
    fs.mkdirSync(masks, { recursive: true });
    const values = new Uint8Array(320 * 240).fill(255);
    for (let y = 0; y < 240; y++) values.fill(2, y * 320, y * 320 + 160);
    fs.writeFileSync(path.join(masks, "garden-03.png"), encodeIndexPng(values, 320, 240));
    const img = inStore(file, (s) => s.imagesByName("garden-03.png")[0]);
    const before = inStore(file, (s) => s.mask(img.id));

    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("open-import").click();
      await page.getByTestId("import-paths").fill(folder);
      await page.getByTestId("import-labels").fill(masks);
      await page.getByTestId("import-submit").click();
      // What the mask holds (the left half), not the image's total with its earlier scribbles.
      await page
        .getByTestId("import-masks-result")
        .getByText("1 label mask read (38,400 labeled pixels")
        .waitFor();
      await page.getByTestId("import-result").getByText("3 already in the project (same content)").waitFor();
      await screenshot(page, "10-import-labels");
      await page.keyboard.press("Escape");
      const after = inStore(file, (s) => s.mask(img.id));
      for (const i of [0, 100 * 320 + 159, 239 * 320])
        expect([after.classes[i], after.sources[i]]).toEqual([2, Source.human]);
      // Outside the mask's labeled half, what the image had stays.
      for (const i of [160, 100 * 320 + 300]) expect(after.classes[i]).toBe(before.classes[i]);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows a 12-bit scan contrast-stretched, in the grid and on the label screen, and says so", async () => {
    const file = await fixtureProject(server.dir, "scans");
    // A microscope-like frame: a bright disc (~3000) on a dim field (~400) of 12-bit values in a
    // 16-bit PNG. Divided down to 8 bits it would be near black (0..12).
    const folder = path.join(server.dir, "scan-12bit");
    fs.mkdirSync(folder, { recursive: true });
    const [w, h] = [160, 120];
    const values = new Uint16Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        values[y * w + x] =
          ((x - w / 2) ** 2 + (y - h / 2) ** 2 < (h / 4) ** 2 ? 3000 : 400) + ((x + y) % 50);
    fs.writeFileSync(
      path.join(folder, "scan-12bit.png"),
      encodePng({ width: w, height: h, data: values, depth: 16, channels: 1 }),
    );

    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("open-import").click();
      await page.getByTestId("import-paths").fill(folder);
      await page.getByTestId("import-labels").fill("");
      await page.getByTestId("import-submit").click();
      await page.getByTestId("import-result").getByText("1 imported").waitFor();
      await page.keyboard.press("Escape");
      const id = inStore(file, (s) => s.imagesByName("scan-12bit.png")[0].id);
      await page.getByTestId(`tile-${id}`).locator("img").waitFor();
      // What the person sees in the grid: the disc bright (divided down to 8 bits it would be
      // at most 12 of 255), the field dark. (Page-side code as a string: e2e compiles without DOM types.)
      const img = `document.querySelector('[data-testid="tile-${id}"] img')`;
      // Polled with plain evaluations: waitForFunction's string form runs eval, which the app's CSP refuses.
      await expect.poll(() => page.evaluate(`!!(${img}?.complete && ${img}.naturalWidth > 0)`)).toBe(true);
      const [disc, field] = (await page.evaluate(`(() => {
        const img = ${img};
        const c = document.createElement("canvas");
        [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
        const ctx = c.getContext("2d");
        ctx.drawImage(img, 0, 0);
        const at = (x, y) => ctx.getImageData(x, y, 1, 1).data[0];
        return [at(c.width >> 1, c.height >> 1), at(2, 2)];
      })()`)) as [number, number];
      expect(disc).toBeGreaterThan(200);
      expect(field).toBeLessThan(60);

      await page.getByTestId(`tile-${id}`).click();
      await page.getByTestId("canvas").waitFor();
      await page.getByTestId("image-title").getByText("16-bit, contrast-stretched").waitFor();
      await screenshot(page, "11-sixteen-bit");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
