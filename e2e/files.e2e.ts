/**
 * Files in the browser against a real `pixelloop serve`: images and masks uploaded by the file
 * picker and by drag-and-drop (imported as the CLI imports them), and exports downloaded as a zip.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { unzipSync } from "fflate";
import { encodeIndexPng } from "../app/exchange/index-png.ts";
import {
  fixtureProject,
  inStore,
  labelRect,
  openProject,
  sampleImages,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

/** Drops files (name and bytes) on an element as a person drags them from the desktop. */
async function dropFiles(
  page: Page,
  testId: string,
  files: { name: string; bytes: Buffer }[],
): Promise<void> {
  const dt = await page.evaluateHandle(
    (list) => {
      // The page's DOM classes (this file is type-checked for Node).
      const dom = globalThis as unknown as {
        DataTransfer: new () => { items: { add(f: unknown): void } };
        File: new (bits: Uint8Array[], name: string, o: { type: string }) => unknown;
      };
      const t = new dom.DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0));
        t.items.add(
          new dom.File([bytes], f.name, { type: f.name.endsWith(".png") ? "image/png" : "text/plain" }),
        );
      }
      return t;
    },
    files.map((f) => ({ name: f.name, data: f.bytes.toString("base64") })),
  );
  const target = page.getByTestId(testId);
  await target.dispatchEvent("dragenter", { dataTransfer: dt });
  await target.dispatchEvent("dragover", { dataTransfer: dt });
  await target.dispatchEvent("drop", { dataTransfer: dt });
}

describe("files in the browser", () => {
  it("uploads images and their masks folder by the file pickers and imports them", async () => {
    const file = await fixtureProject(server.dir, "picked", { images: 0 });
    const folder = sampleImages(server.dir, 3, "picked-src");
    const masks = path.join(server.dir, "picked-masks");
    fs.mkdirSync(masks);
    const values = new Uint8Array(320 * 240).fill(255).fill(2, 0, 320 * 10); // the top 10 rows: sky
    fs.writeFileSync(path.join(masks, "garden-01.png"), encodeIndexPng(values, 320, 240));
    fs.writeFileSync(path.join(masks, "stray.png"), encodeIndexPng(values, 320, 240));
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("open-import").click();
      const names = fs.readdirSync(folder).sort();
      await page.getByTestId("upload-images-input").setInputFiles(names.map((n) => path.join(folder, n)));
      await page.getByTestId("upload-masks-input").setInputFiles(masks);
      await page.getByTestId("upload-chosen").getByText("3 images, 2 masks").waitFor();
      await page.getByTestId("import-submit").click();
      const result = page.getByTestId("import-result");
      await result.getByText("3 imported").waitFor();
      await page
        .getByTestId("import-masks-result")
        .getByText("1 label mask read (3,200 labeled pixels")
        .waitFor();
      // The mask no image takes is named, as the CLI names it.
      await page
        .getByTestId("import-unmatched")
        .getByText("1 file of the labels folder matched no image")
        .waitFor();
      await page.getByTestId("import-unmatched").locator("summary").click();
      await page.getByTestId("import-unmatched").getByText("stray.png").waitFor();
      await page.keyboard.press("Escape");
      await page.getByTestId("grid-count").getByText("3 images").waitFor();
      const stored = inStore(file, (s) => s.imagesByName("garden-01.png")[0]);
      expect(stored.labeledPixels).toBe(3200);
      expect(inStore(file, (s) => s.absolutePath(stored.path))).toContain(`picked.uploads${path.sep}`);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("takes images dropped on the image browser, and says what it expects of a drop without images", async () => {
    const file = await fixtureProject(server.dir, "dropped", { images: 0 });
    const folder = sampleImages(server.dir, 2, "dropped-src");
    const files = fs
      .readdirSync(folder)
      .map((n) => ({ name: n, bytes: fs.readFileSync(path.join(folder, n)) }));
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("grid-count").getByText("0 images").waitFor();
      await dropFiles(page, "browser-screen", [...files, { name: "notes.txt", bytes: Buffer.from("hi") }]);
      // The drop opens the import dialog with the images it held.
      await page.getByTestId("upload-chosen").getByText("2 images").waitFor();
      await page.getByTestId("import-submit").click();
      await page.getByTestId("import-result").getByText("2 imported").waitFor();
      await dropFiles(page, "upload-drop", [{ name: "readme.txt", bytes: Buffer.from("x") }]);
      await page
        .getByTestId("import-nothing")
        .getByText("The drop: no images in it (PNG, JPEG, TIFF or WebP; 1 other file)")
        .waitFor();
      await page.keyboard.press("Escape");
      await page.getByTestId("grid-count").getByText("2 images").waitFor();
      expect(inStore(file, (s) => s.countImages())).toBe(2);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("downloads an export as a zip", async () => {
    const file = await fixtureProject(server.dir, "zipped");
    const id = inStore(file, (s) => s.imagesByName("garden-02.png")[0].id);
    labelRect(file, id, 1, [0.1, 0.1, 0.4, 0.4]);
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("open-export").click();
      await expect(page.getByTestId("export-zip").isChecked()).resolves.toBe(true);
      const download = page.waitForEvent("download");
      await page.getByTestId("export-submit").click();
      const d = await download;
      expect(d.suggestedFilename()).toBe("zipped-masks-index.zip");
      const saved = path.join(server.dir, "download.zip");
      await d.saveAs(saved);
      const entries = unzipSync(new Uint8Array(fs.readFileSync(saved)));
      expect(Object.keys(entries)).toEqual(["zipped-masks-index/garden-02.png"]);
      await page.getByTestId("export-result").getByText("1 index masks in zipped-masks-index.zip").waitFor();
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
