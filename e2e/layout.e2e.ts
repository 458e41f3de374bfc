/**
 * The UI at laptop window sizes, with the demo project, in the real UI against a real server:
 * nothing scrolls sideways or is cut off at 1024x640 and 1280x800, toasts stay clear of the
 * controls, the grid keeps its sort and focus, the export dialog's state, keyboard use of the grid.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  callApi,
  firstUrl,
  launch,
  newPage,
  screenshot,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

/** The demo project in a window of the given size (its own page; the project is opened on the server). */
async function demoPage(b: Browser, size = { width: 1024, height: 640 }) {
  await callApi(server, "project.openDemo");
  const p = await newPage(b, size);
  await p.page.goto(firstUrl(server, "#/browse"));
  await p.page.getByTestId("grid-count").getByText("24 images").waitFor();
  return p;
}

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** What scrolls sideways or is cut off: the page, the sidebars, header buttons off screen, a wrapped status bar. */
function overflow(p: Page) {
  return p.evaluate(`(() => {
    const wide = (e) => !!e && e.scrollWidth > e.clientWidth;
    return {
      page: [document.documentElement, document.body, document.getElementById("root")].some(wide),
      sidebars: [...document.querySelectorAll(".sidebar")].filter(wide).map((e) => e.className),
      offscreen: [...document.querySelectorAll(".topbar button")]
        .filter((e) => {
          const r = e.getBoundingClientRect();
          return r.left < 0 || r.right > innerWidth || r.bottom > innerHeight;
        })
        .map((e) => e.textContent),
      statusWraps: (document.querySelector(".statusbar")?.scrollHeight ?? 0) > 26,
      scrolled: [document.documentElement, document.body, ...document.querySelectorAll("#root, .app, .screen")]
        .map((e) => e.scrollLeft)
        .some((x) => x !== 0),
    };
  })()`);
}
const FITS = { page: false, sidebars: [], offscreen: [], statusWraps: false, scrolled: false };

describe("at laptop window sizes, with the demo project", () => {
  it("fits 1024x640 and 1280x800: no sideways scroll, every header button on screen", async () => {
    const desktop = await launch({ scrollbars: true });
    try {
      for (const size of [
        { width: 1024, height: 640 },
        { width: 1280, height: 800 },
      ]) {
        const { page: p, errors: errs } = await demoPage(desktop, size);
        await p.getByTestId("tile-1").locator("img").waitFor();
        await screenshot(p, `20-grid-${size.width}`);
        expect(await overflow(p)).toEqual(FITS);
        // Focusing each one (Tab) scrolls nothing sideways.
        for (const b of await p.locator(".topbar button").all()) await b.focus();
        expect(await overflow(p)).toEqual(FITS);
        await p.getByTestId("tile-1").click();
        await p.getByTestId("canvas").waitFor();
        await p.getByTestId("image-title").getByText("garden-01.png").waitFor();
        // Opened fitted to the canvas area as it is at this window size: Fit changes nothing.
        const opened = await p.getByTestId("zoom").innerText();
        await p.getByRole("button", { name: "Fit" }).click();
        expect(await p.getByTestId("zoom").innerText()).toBe(opened);
        await screenshot(p, `21-label-${size.width}`);
        expect(await overflow(p)).toEqual(FITS);
        for (const b of await p.locator(".topbar button").all()) await b.focus();
        expect(await overflow(p)).toEqual(FITS);
        // The uncertainty slider is whole, inside the sidebar.
        const bar = (await p.locator(".sidebar.right").boundingBox())!;
        const slider = (await p.getByLabel("Uncertainty opacity").boundingBox())!;
        expect(slider.x + slider.width).toBeLessThanOrEqual(bar.x + bar.width);
        expect(errs, errs.join("\n")).toEqual([]);
        await p.context().close();
      }
    } finally {
      await desktop.close();
    }
  });

  it("keeps the grid's sort when coming back from an image; the grid's next-suggestion button opens the least labeled image before any model", async () => {
    const { page: p, context } = await demoPage(browser, { width: 1280, height: 800 });
    try {
      await p.getByTestId("sort").selectOption("labeled");
      await p.getByTestId("tile-1").waitFor();
      const firstTile = await p.locator("[data-index='0']").innerText();
      await p.locator("[data-index='2']").click();
      await p.getByTestId("canvas").waitFor();
      await p.keyboard.press("g");
      await p.getByTestId("grid").waitFor();
      expect(await p.getByTestId("sort").inputValue()).toBe("labeled");
      expect(await p.locator("[data-index='0']").innerText()).toBe(firstTile);
      // The image came back to has the focus, in the sorted grid.
      await p.waitForFunction(`document.activeElement?.getAttribute("data-index") === "2"`);

      // The demo's train images all have a few labels and there is no model: the start queue
      // takes the least labeled first (#34: the button used to say "No suggestions").
      const byLabels = await callApi<{ items: { name: string }[] }>(server, "images.list", {
        split: "train",
        sort: "labeled",
        limit: 1000,
      });
      await p.getByTestId("grid-next-suggestion").click();
      await p.getByTestId("canvas").waitFor();
      await p
        .getByTestId("image-title")
        .getByText(byLabels.items[byLabels.items.length - 1].name)
        .waitFor();
    } finally {
      await context.close();
    }
  });

  it("shows toasts clear of the zoom bar, the sidebars' buttons and a dialog's controls", async () => {
    const { page: p, context } = await demoPage(browser);
    try {
      await p.getByTestId("tile-1").click();
      await p.getByTestId("canvas").waitFor();
      // No model yet: accepting a region says so in a toast.
      await p.keyboard.press("a");
      const canvas = (await p.getByTestId("canvas").boundingBox())!;
      await p.mouse.click(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
      const toast = p.getByTestId("toast-info");
      await toast.waitFor();
      await screenshot(p, "22-toast-label");
      const t = (await toast.boundingBox())!;
      for (const sel of [
        ".zoom-controls",
        ".canvas-hud",
        ".sidebar.left",
        ".sidebar.right",
        ".topbar",
        ".statusbar",
      ])
        expect(overlaps(t, (await p.locator(sel).boundingBox())!), sel).toBe(false);
      await p.keyboard.press("b");
      await p.keyboard.press("g");
      // An export that fails (the folder is a file) while the dialog is open.
      await p.getByTestId("open-export").click();
      await p.getByTestId("export-folder").check(); // a folder on the server, not a download
      await p.getByTestId("export-dir").fill(path.join(server.dir, "home", "demo", "demo.pxl"));
      await p.getByTestId("export-submit").click();
      const error = p.getByTestId("toast-error");
      await error.waitFor();
      await screenshot(p, "23-toast-dialog");
      const e = (await error.boundingBox())!;
      for (const control of await p.locator(".modal :is(button, input, select, label)").all())
        expect(overlaps(e, (await control.boundingBox())!), await control.evaluate((x) => x.outerHTML)).toBe(
          false,
        );
    } finally {
      await context.close();
    }
  });

  it("clears an export's result when the next one fails; each kind of export has its own folder", async () => {
    const { page: p, context } = await demoPage(browser);
    try {
      await p.getByTestId("open-export").click();
      await p.getByTestId("export-folder").check(); // a folder on the server, not a download
      await p.getByTestId("export-submit").click();
      const result = p.getByTestId("export-result");
      await result.getByText("masks-index").waitFor();
      await p.getByTestId("export-dir").fill(path.join(server.dir, "home", "demo", "demo.pxl"));
      await p.getByTestId("export-submit").click();
      await p.getByTestId("toast-error").waitFor();
      expect(await result.count()).toBe(0);
      // The folder typed for index PNGs is not the model's, nor COCO's; it is still there for them.
      await p.getByTestId("export-model").check();
      expect(await p.getByTestId("export-dir").inputValue()).toBe("");
      expect(await p.getByTestId("export-dir").getAttribute("placeholder")).toBe("exports/model-<id>");
      await p.getByTestId("export-masks").check();
      await p.getByTestId("format-coco").check();
      expect(await p.getByTestId("export-dir").inputValue()).toBe("");
      await p.getByTestId("format-index").check();
      expect(await p.getByTestId("export-dir").inputValue()).toMatch(/demo\.pxl$/);
    } finally {
      await context.close();
    }
  });

  it("moves through the grid with the arrows before any click, and comes back to the image's tile", async () => {
    const { page: p, context } = await demoPage(browser);
    try {
      await p.getByTestId("tile-1").locator("img").waitFor();
      const focusedTile = () => p.evaluate(`document.activeElement?.getAttribute("data-testid")`);
      await p.keyboard.press("ArrowRight");
      await expect.poll(focusedTile).toBe("tile-2");
      await p.keyboard.press("ArrowRight");
      await expect.poll(focusedTile).toBe("tile-3");
      await p.keyboard.press("Enter");
      await p.getByTestId("image-title").getByText("garden-03.png").waitFor();
      // The brush size stays what it was made, for the next image opened from the grid too.
      await p.keyboard.press("]");
      await p.keyboard.press("]");
      const size = await p.getByTestId("brush-size").textContent();
      expect(size).not.toBe("24px");
      await p.keyboard.press("ArrowRight");
      await p.getByTestId("image-title").getByText("garden-04.png").waitFor();
      await p.keyboard.press("g");
      await expect.poll(focusedTile).toBe("tile-4");
      await p.keyboard.press("ArrowLeft");
      await expect.poll(focusedTile).toBe("tile-3");
      await p.keyboard.press("Enter");
      await p.getByTestId("image-title").getByText("garden-03.png").waitFor();
      expect(await p.getByTestId("brush-size").textContent()).toBe(size);
      // The accept threshold: out of range is marked and put back in range when left.
      const conf = p.getByTestId("accept-confidence");
      await conf.fill("150");
      expect(await conf.getAttribute("aria-invalid")).toBe("true");
      await conf.blur();
      expect(await conf.inputValue()).toBe("100");
      await conf.fill("");
      expect(await conf.getAttribute("aria-invalid")).toBe("true");
      await conf.blur();
      expect(await conf.inputValue()).toBe("90");
      expect(await conf.getAttribute("aria-invalid")).toBe("false");
      // Removing an image is asked with a destructive button.
      await p.getByTestId("remove-image").click();
      expect(await p.getByTestId("remove-image-confirm").getAttribute("class")).toBe("danger");
      await p.keyboard.press("Escape");
      await p.getByTestId("remove-image-dialog").waitFor({ state: "detached" });
    } finally {
      await context.close();
    }
  });
});
