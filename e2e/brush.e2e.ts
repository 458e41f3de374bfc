/**
 * The brush and the class toggles a person sets on the label screen: the brush in screen pixels
 * (the same on screen at any zoom), the square brush, and the brush, hidden and locked classes
 * kept per project across a reload.
 */
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  expectSaved,
  fixtureProject,
  inStore,
  openProject,
  until,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

async function openImage(page: Page): Promise<void> {
  await page.getByTestId("canvas").waitFor();
  await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
  await page.getByTestId("layer-image").waitFor();
}

/** Clicks one dot at a fraction of the canvas box. */
async function dot(page: Page, fx: number, fy: number): Promise<void> {
  const box = (await page.getByTestId("canvas").boundingBox())!;
  await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
  await expectSaved(page);
}

async function zoom(page: Page): Promise<number> {
  return Number((await page.getByTestId("zoom").textContent())!.replace("%", "")) / 100;
}

/** Sets the brush size slider as a drag of it would. */
async function brushSize(page: Page, size: number): Promise<void> {
  await page.getByTestId("brush-size-input").fill(String(size));
  await page.getByTestId("brush-size").getByText(`${size}px`).waitFor();
  await page.getByTestId("image-title").click(); // keys go to the app again
}

describe("the brush", () => {
  it("is sized in screen pixels by default: the same on screen at two zooms", async () => {
    const file = await fixtureProject(server.dir, "screen-brush");
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await openImage(page);
      await brushSize(page, 20);
      const fit = await zoom(page);
      expect(fit).toBeGreaterThan(1.5); // a 320x240 image fitted to a 1440x900 window
      await page.keyboard.press("2");
      await dot(page, 0.5, 0.5);
      await page.keyboard.press("Control+1");
      await page.getByTestId("zoom").getByText("100%").waitFor();
      await page.keyboard.press("3");
      await dot(page, 0.5, 0.5);
      const strokes = await until(
        () => inStore(file, (s) => s.strokes(1)),
        (r) => r.length === 2,
        "two stroke rows",
      );
      // In image pixels: 20 screen pixels over the zoom of each.
      expect(strokes[0].width * fit).toBeCloseTo(20, 0);
      expect(strokes[1].width).toBe(20);
      await page.getByTestId("canvas-hud").getByText("Brush 20px on screen").waitFor();
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("paints a square with the square brush, sized in image pixels when asked, down to 1 px", async () => {
    const file = await fixtureProject(server.dir, "square-brush");
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await openImage(page);
      await page.getByTestId("brush-square").check();
      await page.getByTestId("brush-image-pixels").check();
      await brushSize(page, 16);
      await page.keyboard.press("2");
      await dot(page, 0.5, 0.5);
      const count = (cls: number) =>
        inStore(file, (s) => s.mask(1).classes.reduce((n: number, v: number) => n + (v === cls ? 1 : 0), 0));
      // A 16 x 16 square of pixels (a disc of 16 would be about 201).
      expect(count(1)).toBe(256);
      await brushSize(page, 1);
      await page.keyboard.press("3");
      await dot(page, 0.25, 0.25);
      expect(count(2)).toBe(1);
      const strokes = inStore(file, (s) => s.strokes(1));
      expect(strokes.map((s) => s.width)).toEqual([16, 1]);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("keeps the brush and the hidden and locked classes per project across a reload", async () => {
    const file = await fixtureProject(server.dir, "kept");
    const other = await fixtureProject(server.dir, "other");
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    const pressed = (id: string) => page.getByTestId(id).getAttribute("aria-pressed");
    try {
      await openImage(page);
      await brushSize(page, 33);
      await page.getByTestId("brush-square").check();
      await page.getByTestId("class-hide-2").click();
      await page.getByTestId("class-lock-1").click();
      await expect(pressed("class-hide-2")).resolves.toBe("true");
      await page.reload();
      await openImage(page);
      await expect(pressed("class-hide-2")).resolves.toBe("true");
      await expect(pressed("class-lock-1")).resolves.toBe("true");
      await expect(pressed("class-hide-1")).resolves.toBe("false");
      await page.getByTestId("brush-size").getByText("33px").waitFor();
      expect(await page.getByTestId("brush-square").isChecked()).toBe(true);
      // Another project starts from its own (the defaults), not from this one's.
      await page.evaluate(async (f) => {
        await fetch("/api/project.open", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ file: f }),
        });
      }, other);
      await page.reload();
      await openImage(page);
      await expect(pressed("class-hide-2")).resolves.toBe("false");
      await expect(pressed("class-lock-1")).resolves.toBe("false");
      await page.getByTestId("brush-size").getByText("16px").waitFor();
      expect(await page.getByTestId("brush-square").isChecked()).toBe(false);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
