/**
 * What the canvas shows, checked on its pixels: the uncertainty overlay keeps the picture
 * visible; R zooms to a region with context around it, and a dark region shows its detail (auto
 * levels); labels as outlines; classes hidden, locked (strokes leave them), or drawn in the
 * high-contrast palette. The model's predictions and queue are written into the project as a
 * training run would leave them, so each case has the uncertainty it needs without training.
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ProjectStore } from "../app/store/project-store.ts";
import { importImages } from "../app/images/importer.ts";
import { UNLABELED } from "../app/common/mask.ts";
import {
  drawStroke,
  expectSaved,
  FIXTURE_CLASSES,
  fixtureProject,
  inStore,
  labelRect,
  openProject,
  sampleImages,
  screenshot,
  storeModel,
  storePrediction,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A model with a prediction of every image (class `cls` everywhere, uncertainty from
 * `uncertainty(x, y)`), and its queue: every image, with `regions` on the first.
 */
function addModel(
  file: string,
  uncertainty: (x: number, y: number) => number,
  regions: Region[],
  cls = UNLABELED,
) {
  const store = ProjectStore.open(file);
  try {
    const model = storeModel(store);
    const ids = store.images.ids();
    for (const id of ids) storePrediction(store, id, model, cls, (x, y) => uncertainty(x, y) / 255);
    store.queue.replace(
      model,
      "uncertainty",
      ids.map((imageId, k) => ({
        imageId,
        rank: k + 1,
        score: 0.5,
        regions: k === 0 ? regions.map((r, i) => ({ id: i + 1, score: 0.9, ...r })) : [],
      })),
    );
  } finally {
    store.close();
  }
}

/** A project of demo images darkened to a tenth (a dark frame), as the CLI would import them. */
async function darkProject(name: string): Promise<string> {
  const folder = sampleImages(server.dir, 2, `${name}-images`);
  for (const f of fs.readdirSync(folder)) {
    const p = path.join(folder, f);
    const dark = await sharp(p).linear(0.1, 0).png().toBuffer();
    fs.writeFileSync(p, dark);
  }
  const file = path.join(server.dir, `${name}.pxl`);
  const store = ProjectStore.create(file, { name, classes: FIXTURE_CLASSES });
  try {
    await importImages(store, [folder], { split: "train" });
  } finally {
    store.close();
  }
  return file;
}

/** The canvas as shown (RGB pixels), with where an image point lands on it at the current view. */
async function canvasPixels(page: Page) {
  const box = page.getByTestId("canvas");
  const png = await box.screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => {
    const i = (Math.round(y) * info.width + Math.round(x)) * 3;
    return [data[i], data[i + 1], data[i + 2]];
  };
  return { data, width: info.width, height: info.height, px };
}

/** Where image pixel (x, y) of a w x h image is on the canvas box while the image is fitted. */
async function fittedAt(page: Page, w: number, h: number, x: number, y: number): Promise<[number, number]> {
  const b = (await page.getByTestId("canvas").boundingBox())!;
  const s = Number(await page.getByTestId("canvas").getAttribute("data-scale"));
  return [(b.width - w * s) / 2 + x * s, (b.height - h * s) / 2 + y * s];
}

/** Share of pixels that differ by more than `by` in some channel. */
function changed(a: Buffer, b: Buffer, by = 40): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 3)
    if (
      Math.abs(a[i] - b[i]) > by ||
      Math.abs(a[i + 1] - b[i + 1]) > by ||
      Math.abs(a[i + 2] - b[i + 2]) > by
    )
      n++;
  return n / (a.length / 3);
}

async function openImage(page: Page): Promise<void> {
  await page.getByTestId("canvas").waitFor();
  await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
  await page.getByTestId("layer-image").waitFor();
}

describe("the canvas", () => {
  it("shows the most unsure pixels only, so a model unsure everywhere leaves the picture visible", async () => {
    const file = await fixtureProject(server.dir, "unsure");
    // A short run's uncertainty: high almost everywhere (150..255), as after a 2-minute model.
    addModel(file, (x, y) => 150 + ((x * 7 + y * 13) % 106), []);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await openImage(page);
      await page.getByTestId("layer-uncertainty").and(page.locator(":not([disabled])")).waitFor();
      await page.getByTestId("display-auto-levels").uncheck();
      const without = await canvasPixels(page);
      await page.getByTestId("layer-uncertainty").check();
      await page.getByTestId("uncertainty-legend").waitFor();
      await expect(page.getByTestId("layer-uncertainty").isChecked()).resolves.toBe(true);
      const shown = await canvasPixels(page);
      await screenshot(page, "canvas-uncertainty-default");
      // At most the 20% most unsure pixels get a color; the rest of the picture is as it was.
      const share = changed(without.data, shown.data);
      expect(share).toBeGreaterThan(0.02);
      expect(share).toBeLessThan(0.3);
      // Every pixel, on request.
      await page.getByTestId("uncertainty-top").selectOption("1");
      await until(async () => changed(without.data, (await canvasPixels(page)).data) > 0.5);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("R shows a region with context around it, and a dark region with its detail", async () => {
    const file = await darkProject("dark");
    addModel(file, () => 200, [{ x: 200, y: 120, width: 72, height: 72 }]);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await openImage(page);
      await page.getByTestId("region-row").first().waitFor();
      await page.keyboard.press("r");
      await page.locator('[data-testid="canvas"][data-image-filter*="contrast"]').waitFor();
      const b = (await page.getByTestId("canvas").boundingBox())!;
      const scale = Number(await page.getByTestId("canvas").getAttribute("data-scale"));
      // Not 600%+ on the region alone: at most 400%, the view at least twice the region across.
      expect(scale).toBeLessThanOrEqual(4);
      expect(b.width / scale).toBeGreaterThanOrEqual(144);
      expect(b.height / scale).toBeGreaterThanOrEqual(144);
      const { px, width, height } = await canvasPixels(page);
      let sum = 0;
      let n = 0;
      for (let y = height / 2 - 60; y < height / 2 + 60; y += 4)
        for (let x = width / 2 - 60; x < width / 2 + 60; x += 4) {
          const [r, g, bl] = px(x, y);
          sum += 0.299 * r + 0.587 * g + 0.114 * bl;
          n++;
        }
      await screenshot(page, "canvas-dark-region");
      // The picture is stored at a tenth of its brightness (mean ~10): shown stretched, not black.
      expect(sum / n).toBeGreaterThan(50);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("locked classes are neither painted over nor erased; hidden ones are not drawn", async () => {
    const file = await fixtureProject(server.dir, "lock");
    const object = labelRect(file, 1, 1, [0.4, 0.4, 0.6, 0.6]);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await openImage(page);
      await page.getByTestId("class-lock-1").click();
      await expect(page.getByTestId("class-lock-1").getAttribute("aria-pressed")).resolves.toBe("true");
      await page.keyboard.press("3"); // sky
      await page.keyboard.press("]");
      await page.keyboard.press("]");
      await drawStroke(page, [
        [0.2, 0.5],
        [0.8, 0.5],
      ]);
      await expectSaved(page);
      const counts = () =>
        inStore(file, (s) => {
          const m = s.mask(1);
          const c = [0, 0, 0];
          for (const v of m.classes) if (v < 3) c[v]++;
          return c;
        });
      let [, objectPx, sky] = counts();
      expect(objectPx).toBe(object);
      expect(sky).toBeGreaterThan(0);
      await page.keyboard.press("e");
      await drawStroke(page, [
        [0.2, 0.5],
        [0.8, 0.5],
      ]);
      await expectSaved(page);
      [, objectPx, sky] = counts();
      expect(objectPx).toBe(object);

      // Hidden: the object's red is gone from the canvas, its labels stay stored.
      const [cx, cy] = await fittedAt(page, 320, 240, 160, 120);
      const red = (p: number[]) => p[0] - Math.max(p[1], p[2]);
      expect(red((await canvasPixels(page)).px(cx, cy))).toBeGreaterThan(80);
      await page.getByTestId("class-hide-1").click();
      await until(async () => red((await canvasPixels(page)).px(cx, cy)) < 40);
      await screenshot(page, "canvas-hidden-locked");
      expect(counts()[1]).toBe(object);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("draws labels as outlines and in the high-contrast palette on request", async () => {
    const file = await fixtureProject(server.dir, "outline");
    labelRect(file, 1, 1, [0.25, 0.25, 0.75, 0.75]);
    labelRect(file, 1, 0, [0.05, 0.05, 0.15, 0.2]);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await openImage(page);
      const [cx, cy] = await fittedAt(page, 320, 240, 160, 120);
      const [ex, ey] = await fittedAt(page, 320, 240, 80.5, 120);
      const red = (p: number[]) => p[0] - Math.max(p[1], p[2]);
      expect(red((await canvasPixels(page)).px(cx, cy))).toBeGreaterThan(80);
      await page.getByTestId("display-outline").check();
      // The inside faint (the picture shows through), the edge in full color.
      await until(async () => red((await canvasPixels(page)).px(cx, cy)) < 60);
      expect(red((await canvasPixels(page)).px(ex, ey))).toBeGreaterThan(80);
      await screenshot(page, "canvas-outline");
      await page.getByTestId("display-outline").uncheck();
      // High contrast: "background" (black in the project) is drawn in the palette's yellow.
      const [bx, by] = await fittedAt(page, 320, 240, 30, 30);
      expect((await canvasPixels(page)).px(bx, by)[1]).toBeLessThan(100);
      await page.getByTestId("display-high-contrast").check();
      await until(async () => (await canvasPixels(page)).px(bx, by)[1] > 150);
      const swatch = await page
        .getByTestId("class-0")
        .locator(".swatch")
        .evaluate(
          (e) =>
            (
              globalThis as unknown as { getComputedStyle: (e: unknown) => { backgroundColor: string } }
            ).getComputedStyle(e).backgroundColor,
        );
      expect(swatch).toBe("rgb(255, 225, 25)"); // background: #ffe119 instead of black
      await screenshot(page, "canvas-high-contrast");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

/** Waits for a condition on the page, checked once per animation frame of the page. */
async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("timed out waiting for the canvas");
  }
}
