/**
 * A new user's first minutes and the small things that got in the way: the start screen says
 * what to do in three steps; N before any model opens an image to label even when every train
 * image has a few labels; toasts never cover the canvas or the header; the grid shows each
 * image's split and labels, and a filtered grid's header counts what matches; the training panel
 * leaves the label screen's right column visible.
 */
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  firstUrl,
  callApi,
  fixtureProject,
  labelRect,
  newPage,
  openProject,
  screenshot,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function box(page: Page, selector: string): Promise<Box> {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`${selector} is not shown`);
  return b;
}

describe("the first minutes", () => {
  it("says what to do in three steps on the first screen", async () => {
    const { page, context, errors } = await newPage(browser);
    try {
      await page.goto(firstUrl(server, "#/"));
      const steps = page.getByTestId("first-steps").locator("li");
      await steps.first().waitFor();
      expect(await steps.count()).toBe(3);
      expect(await steps.nth(0).textContent()).toMatch(/import/i);
      expect(await steps.nth(1).textContent()).toMatch(/scribble/i);
      expect(await steps.nth(2).textContent()).toMatch(/train/i);
      await screenshot(page, "first-steps");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("N before any model opens the least labeled image when every train image is well labeled", async () => {
    const file = await fixtureProject(server.dir, "scribbled");
    // Over a quarter of each image labeled: the start queue leaves them out (a few percent would
    // be queued, least labeled first: app/loop/start-queue.ts), so it is empty.
    labelRect(file, 1, 1, [0.1, 0.1, 0.7, 0.7]);
    labelRect(file, 2, 1, [0.1, 0.1, 0.65, 0.65]);
    labelRect(file, 3, 1, [0.1, 0.1, 0.75, 0.75]);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
      await page.getByTestId("canvas").waitFor();
      await page.keyboard.press("n");
      // garden-02 has the fewest labels (30%): opened, saying why.
      await page.getByTestId("image-title").getByText("garden-02.png").waitFor();
      const toast = page.getByTestId("toast-info").filter({ hasText: "least labeled" });
      await toast.waitFor();
      expect(
        await page.getByTestId("toast-info").filter({ hasText: "every train image has labels" }).count(),
      ).toBe(0);
      // The toast stays clear of the canvas and of the header's controls.
      const t = await box(page, '[data-testid="toast-info"]');
      expect(overlaps(t, await box(page, '[data-testid="canvas"]'))).toBe(false);
      expect(overlaps(t, await box(page, ".topbar"))).toBe(false);
      expect(overlaps(t, await box(page, ".sidebar.right"))).toBe(false);
      await screenshot(page, "first-n-least-labeled");
      // From the grid too.
      await page.keyboard.press("g");
      await page.getByTestId("tile-1").waitFor();
      await page.getByTestId("grid-next-suggestion").click();
      await page.getByTestId("image-title").getByText("garden-02.png").waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows each tile's split and labels; a filtered grid counts what matches", async () => {
    const file = await fixtureProject(server.dir, "grid");
    labelRect(file, 1, 1, [0.2, 0.2, 0.8, 0.8]);
    labelRect(file, 2, 2, [0, 0, 1, 0.3]);
    await callApi(server, "project.open", { file });
    await callApi(server, "images.setSplit", { ids: [2], split: "val" });
    const { page, context, errors } = await openProject(browser, server, file, "#/browse");
    try {
      await page.getByTestId("tile-1").waitFor();
      expect(await page.getByTestId("tile-1").getByTestId("split-badge").textContent()).toBe("train");
      expect(await page.getByTestId("tile-2").getByTestId("split-badge").textContent()).toBe("val");
      // Labels over the thumbnails of labeled images, none over the unlabeled one.
      await page.getByTestId("tile-1").locator('[data-testid="tile-labels"][data-drawn="true"]').waitFor();
      await page.getByTestId("tile-2").locator('[data-testid="tile-labels"][data-drawn="true"]').waitFor();
      expect(await page.getByTestId("tile-3").getByTestId("tile-labels").count()).toBe(0);
      await screenshot(page, "grid-split-labels");
      await page.getByTestId("grid-show-labels").uncheck();
      await expect.poll(() => page.getByTestId("tile-labels").count()).toBe(0);

      // Val only: 1 of 3 images, not "1 image · 2 with labels".
      await page
        .locator("select")
        .filter({ has: page.locator('option[value="val"]') })
        .first()
        .selectOption("val");
      await page.getByTestId("grid-count").getByText("1 of 3 images match").waitFor();
      expect(await page.getByTestId("grid-count").textContent()).not.toMatch(/with labels/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("the training panel leaves the label screen's right column visible", async () => {
    const file = await fixtureProject(server.dir, "panel");
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("canvas").waitFor();
      await page.keyboard.press("t");
      await page.getByTestId("training-panel").waitFor();
      const panel = await box(page, '[data-testid="training-panel"]');
      const right = await box(page, ".sidebar.right");
      expect(overlaps(panel, right)).toBe(false);
      expect(right.x + right.width).toBeLessThanOrEqual(panel.x);
      expect(await page.getByTestId("remove-image").isVisible()).toBe(true);
      await screenshot(page, "panel-beside-right-column");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
