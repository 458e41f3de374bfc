/**
 * Labeling in the real UI against a real server, each test on a fixture project of its own:
 * scribble with the mouse and see every stroke in the SQLite file, switch classes by keyboard,
 * undo/redo, reload, add/rename/recolor a class, remove an image or move it to val; an image
 * whose file went missing or changed size is named with the reason instead of a blank or
 * misaligned canvas.
 */
import fs from "node:fs";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  drawStroke,
  expectSaved,
  fixtureProject,
  inStore,
  labelRect,
  openProject,
  screenshot,
  until,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

/** Two strokes on the open image: "object" (key 2) along the middle, then "sky" (key 3) below it. */
async function drawTwoStrokes(page: Page): Promise<void> {
  await page.keyboard.press("2");
  await expect(page.getByTestId("active-class").textContent()).resolves.toBe("object");
  await drawStroke(page, [
    [0.3, 0.3],
    [0.5, 0.35],
    [0.6, 0.5],
  ]);
  await expectSaved(page);
  await page.keyboard.press("3");
  await expect(page.getByTestId("active-class").textContent()).resolves.toBe("sky");
  await page.keyboard.press("]");
  await drawStroke(page, [
    [0.2, 0.7],
    [0.7, 0.75],
  ]);
  await expectSaved(page);
}

describe("labeling in the browser", () => {
  it("draws strokes that are saved on release, switching classes by keyboard", async () => {
    const file = await fixtureProject(server.dir, "strokes");
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("tile-1").click();
      await page.getByTestId("canvas").waitFor();
      await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
      // No model yet: the start queue (varied images to label first) is the round.
      await page.getByTestId("queue-progress").getByText("0 of 3 done").waitFor();
      expect(inStore(file, (s) => s.image(1)?.status)).toBe("suggested");

      await page.keyboard.press("2");
      await expect(page.getByTestId("active-class").textContent()).resolves.toBe("object");
      await drawStroke(page, [
        [0.3, 0.3],
        [0.5, 0.35],
        [0.6, 0.5],
      ]);
      await expectSaved(page);
      const first = await until(
        () => inStore(file, (s) => s.strokes(1)),
        (r) => r.length === 1,
        "the first stroke row",
      );
      expect(first[0]).toMatchObject({ tool: "brush", classIdx: 1, undone: false });
      expect(first[0].points.length).toBeGreaterThan(3);
      await page.getByTestId("queue-progress").getByText("1 of 3 done").waitFor();

      await page.keyboard.press("3");
      await expect(page.getByTestId("active-class").textContent()).resolves.toBe("sky");
      await page.keyboard.press("]");
      await drawStroke(page, [
        [0.2, 0.7],
        [0.7, 0.75],
      ]);
      await expectSaved(page);
      const both = await until(
        () => inStore(file, (s) => s.strokes(1)),
        (r) => r.length === 2,
        "the second stroke row",
      );
      expect(both[1].classIdx).toBe(2);
      const mask = inStore(file, (s) => s.mask(1));
      expect(mask.classes.includes(1)).toBe(true);
      expect(mask.classes.includes(2)).toBe(true);
      await screenshot(page, "03-labeling");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("undoes and redoes with Ctrl+Z / Ctrl+Shift+Z", async () => {
    const file = await fixtureProject(server.dir, "undo");
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("canvas").waitFor();
      await drawTwoStrokes(page);
      await until(
        () => inStore(file, (s) => s.strokes(1).length),
        (n) => n === 2,
        "two stroke rows",
      );
      const labeledBefore = inStore(file, (s) => s.image(1)!.labeledPixels);
      await page.getByTestId("canvas").focus();
      await page.keyboard.press("Control+z");
      await until(
        () => inStore(file, (s) => s.strokes(1)[1].undone),
        (u) => u,
        "the second stroke to be undone",
      );
      await expectSaved(page);
      expect(inStore(file, (s) => s.mask(1).classes.includes(2))).toBe(false);
      await page.keyboard.press("Control+Shift+z");
      await until(
        () => inStore(file, (s) => s.strokes(1)[1].undone),
        (u) => !u,
        "the second stroke to be redone",
      );
      await expectSaved(page);
      expect(inStore(file, (s) => s.image(1)!.labeledPixels)).toBe(labeledBefore);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the saved labels again after a reload", async () => {
    const file = await fixtureProject(server.dir, "reload");
    labelRect(file, 1, 1, [0.3, 0.3, 0.6, 0.5]);
    labelRect(file, 1, 2, [0, 0, 1, 0.1]);
    const labeled = inStore(file, (s) => s.image(1)!.labeledPixels);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      const shown = page.getByTestId("labeled-pixels").getByText(`${labeled.toLocaleString("en-US")} px`);
      await shown.waitFor();
      await page.reload();
      await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
      await shown.waitFor();
      await screenshot(page, "04-after-reload");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("adds a forgotten class while labeling and paints with it; renames and recolors another, its labels kept", async () => {
    const file = await fixtureProject(server.dir, "classes");
    labelRect(file, 1, 1, [0.3, 0.3, 0.6, 0.5]);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("canvas").waitFor();
      await page.getByTestId("add-class-label").click();
      await page.getByTestId("class-form-new-name").fill("road");
      await page.keyboard.press("Enter");
      await page.getByTestId("class-3").getByText("road").waitFor();
      // The new class is the one to paint with, on key 4.
      await expect(page.getByTestId("active-class").textContent()).resolves.toBe("road");
      expect(await page.getByTestId("class-3").locator("kbd").textContent()).toBe("4");
      expect(inStore(file, (s) => s.classes().map((c) => c.name))).toEqual([
        "background",
        "object",
        "sky",
        "road",
      ]);
      await drawStroke(page, [
        [0.05, 0.1],
        [0.25, 0.12],
      ]);
      await expectSaved(page);
      await until(
        () => inStore(file, (s) => s.mask(1).classes.filter((v) => v === 3).length),
        (n) => n > 0,
        "road pixels in the stored mask",
      );

      const objectBefore = inStore(file, (s) => s.mask(1).classes.filter((v) => v === 1).length);
      expect(objectBefore).toBeGreaterThan(0);

      // A name taken (in any case) is refused with the reason; the form stays open.
      await page.getByTestId("class-edit-1").click();
      await page.getByTestId("class-form-1-name").fill("Road");
      await page.getByTestId("class-form-1-submit").click();
      await page
        .getByText('a class named "road" exists already (names must differ in more than case)')
        .waitFor();
      await page.getByTestId("class-form-1-name").fill("car");
      await page.getByTestId("class-form-1-color").fill("#00ccff");
      await page.getByTestId("class-form-1-submit").click();
      await page.getByTestId("class-1").getByText("car").waitFor();
      expect(inStore(file, (s) => s.classes()[1])).toMatchObject({ idx: 1, name: "car", color: "#00ccff" });
      expect(inStore(file, (s) => s.mask(1).classes.filter((v) => v === 1).length)).toBe(objectBefore);
      await screenshot(page, "12-class-added");
      // The refused name was reported as an error response, on purpose; nothing else.
      expect(errors.filter((e) => !/422/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("keeps a split set while the image was still loading", async () => {
    const file = await fixtureProject(server.dir, "split-while-loading");
    const g2 = inStore(file, (s) => s.imagesByName("garden-02.png")[0]);
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId(`tile-${g2.id}`).waitFor();
      // The picture is held until the split is set: the header's item is there, the canvas not.
      let release = () => {};
      const held = new Promise<void>((r) => (release = r));
      await page.route(`**/files/image/${g2.id}`, async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(page.url().replace(/#.*$/, `#/image/${g2.id}`));
      await page.getByTestId("image-title").getByText("garden-02.png").waitFor();
      await page.getByTestId("image-split").selectOption("val");
      await page.getByTestId("image-title").getByText("· val ·").waitFor();
      release();
      await page.getByTestId("canvas").waitFor();
      // The item the load read before the split was set did not put "train" back.
      expect(await page.getByTestId("image-title").textContent()).toContain("· val ·");
      expect(await page.getByTestId("image-split").inputValue()).toBe("val");
      expect(inStore(file, (s) => s.image(g2.id)?.split)).toBe("val");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("removes an image from the project after asking, keeps its file, and moves on to the one before; moves one to val", async () => {
    const file = await fixtureProject(server.dir, "remove");
    const g3 = inStore(file, (s) => s.imagesByName("garden-03.png")[0]);
    const { page, context, errors } = await openProject(browser, server, file, `#/image/${g3.id}`);
    try {
      await page.getByTestId("image-title").getByText("garden-03.png").waitFor();
      await page.getByTestId("remove-image").click();
      const dialog = page.getByTestId("remove-image-dialog");
      await dialog.getByText("The file stays on disk").waitFor();
      // Cancel keeps it.
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });
      expect(inStore(file, (s) => s.image(g3.id))).toBeDefined();

      await page.getByTestId("remove-image").click();
      await screenshot(page, "13-remove-image");
      await page.getByTestId("remove-image-confirm").click();
      await page.getByTestId("image-title").getByText("garden-02.png").waitFor();
      expect(inStore(file, (s) => s.image(g3.id))).toBeUndefined();
      expect(inStore(file, (s) => s.summary().images)).toBe(2);
      expect(fs.existsSync(inStore(file, (s) => s.absolutePath(g3.path)))).toBe(true);

      // Held out for measuring: moved to val from the same panel; the title follows.
      const g2 = inStore(file, (s) => s.imagesByName("garden-02.png")[0]);
      await page.getByTestId("image-split").selectOption("val");
      await page.getByTestId("image-title").getByText("· val ·").waitFor();
      expect(inStore(file, (s) => s.image(g2.id)?.split)).toBe("val");
      await page.keyboard.press("g");
      await page.getByTestId("grid-count").getByText("2 images").waitFor();
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("says which file is missing when an image cannot be shown, and keeps what is stored", async () => {
    const file = await fixtureProject(server.dir, "missing");
    labelRect(file, 2, 0, [0, 0, 1, 0.2]);
    const img = inStore(file, (s) => s.imagesByName("garden-02.png")[0]);
    const { page, context, errors } = await openProject(browser, server, file, `#/image/${img.id}`);
    try {
      // Shown once in this browser first: afterwards it must not come from its cache.
      await page.getByTestId("image-title").getByText("garden-02.png").waitFor();
      await page.getByTestId("canvas").waitFor();
      await page.keyboard.press("g");
      await page.getByTestId("grid").waitFor();
      const path = inStore(file, (s) => s.absolutePath(img.path));
      fs.renameSync(path, path + ".moved");
      await page.getByTestId("tile-2").click();
      await page
        .getByText(`Could not open this image: ${path}: the file is missing (moved or deleted?)`)
        .waitFor();
      await page.getByTestId("image-title").getByText("garden-02.png").waitFor();
      // What is stored for it is still there and counted.
      const share = ((100 * img.labeledPixels) / (img.width * img.height)).toFixed(2);
      await page
        .getByTestId("labeled-pixels")
        .getByText(`${img.labeledPixels.toLocaleString("en-US")} px (${share}%)`)
        .waitFor();
      // Its prediction layers are not offered, saying why (not that a prediction is missing).
      for (const layer of ["prediction", "uncertainty"])
        await page
          .getByTestId(`layer-${layer}-hint`)
          .getByText("the image is not shown", { exact: true })
          .waitFor();
      await screenshot(page, "09-missing-file");
      expect(inStore(file, (s) => s.image(img.id))).toEqual(img);
      // The browser logs the failed image request; nothing else may go wrong.
      expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
      // The header names it and the user can move on.
      await page.keyboard.press("ArrowLeft");
      await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
      await page.getByTestId("canvas").waitFor();

      // Replaced by an image of another size: it is not opened for painting (labels would not line up).
      await sharp({ create: { width: 40, height: 30, channels: 3, background: "#808080" } })
        .png()
        .toFile(path);
      await page.keyboard.press("ArrowRight");
      await page
        .getByText(
          "Could not open this image: garden-02.png: image is 40x30 now, 320x240 when imported; put the original file back, or remove the image from the project and import the file again",
        )
        .waitFor();
      expect(await page.getByTestId("canvas").count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
