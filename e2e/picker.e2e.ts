/**
 * The folder picker in the real UI against a real server (issue 32): a folder outside the allowed
 * ones is refused when typed, with the server's message shown, and usable once chosen in the
 * picker: a project made in a new folder made there, images imported from a folder found there.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import {
  firstUrl,
  fixtureProject,
  inStore,
  newPage,
  openProject,
  sampleImages,
  screenshot,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
/** A folder of the person's that the server was not started with (no --allow): outside. */
let outside: string;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

beforeAll(async () => {
  outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-e2e-outside-")));
});

afterAll(async () => {
  fs.rmSync(outside, { recursive: true, force: true });
});

/** Console errors but the browser's own line for each refused request (the refusals are the test). */
const unexpected = (errors: string[]) => errors.filter((e) => !e.includes("Failed to load resource"));

describe("the folder picker", () => {
  it("creates a project in a new folder made and chosen in the picker; typed, the folder is refused", async () => {
    fs.mkdirSync(path.join(outside, "work"));
    const { page, context, errors } = await newPage(browser);
    try {
      await page.goto(firstUrl(server, "#/"));
      await page.getByTestId("new-name").fill("Far away");
      // Typed: outside the folders the server may use, refused with the reason and the way out.
      await page.getByTestId("new-dir").fill(path.join(outside, "work"));
      await page.getByTestId("create-project").click();
      const toast = page.getByTestId("toast-error");
      await toast.getByText("a project may not be made outside the folders this app may use").waitFor();
      await toast.getByText("choose the folder with Choose… (the folder picker)").waitFor();
      expect(fs.readdirSync(path.join(outside, "work"))).toEqual([]);

      // The picker opens at the folder typed: into "work", make a folder there, choose it.
      await page.getByTestId("new-dir").fill(outside);
      await page.getByTestId("choose-new-dir").click();
      const picker = page.getByTestId("folder-picker");
      await picker.getByTestId("picker-folder-work").click();
      await picker.getByTestId("picker-crumbs").getByRole("button", { name: "work" }).waitFor();
      await picker.getByTestId("picker-new-name").fill("street scenes");
      await picker.getByTestId("picker-new").click();
      await picker.getByTestId("picker-crumbs").getByRole("button", { name: "street scenes" }).waitFor();
      await screenshot(page, "picker-new-folder");
      await picker.getByTestId("picker-choose").click();
      await picker.waitFor({ state: "detached" });
      const chosen = path.join(outside, "work", "street scenes");
      expect(await page.getByTestId("new-dir").inputValue()).toBe(chosen);
      await page.getByTestId("create-project").click();
      await page.getByTestId("grid-count").getByText("0 images").waitFor();
      const file = path.join(chosen, "far-away.pxl");
      expect(inStore(file, (s) => s.name)).toBe("Far away");
      expect(unexpected(errors), errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("imports images from a folder chosen in the picker; typed before, it is refused with the message shown", async () => {
    const shots = sampleImages(outside, 3, "shots");
    const file = await fixtureProject(server.dir, "picked", { images: 0 });
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("grid-count").getByText("0 images").waitFor();
      await page.getByTestId("open-import").click();
      await page.getByTestId("import-paths").fill(shots);
      await page.getByTestId("import-submit").click();
      await page
        .getByTestId("toast-error")
        .getByText(`paths: ${shots}: an import may not read outside the folders this app may use`)
        .waitFor();
      expect(inStore(file, (s) => s.countImages())).toBe(0);

      // In the picker: from the root of the disk down to the folder, which shows its images.
      await page.getByTestId("import-paths").fill("");
      await page.getByTestId("choose-import").click();
      const picker = page.getByTestId("folder-picker");
      await picker.getByTestId("picker-crumbs").getByRole("button", { name: "/", exact: true }).click();
      for (const part of path.relative("/", outside).split(path.sep))
        await picker.getByTestId(`picker-folder-${part}`).click();
      await picker.getByTestId("picker-folder-shots").getByText("3 images").waitFor();
      await picker.getByTestId("picker-folder-shots").click();
      await picker.getByTestId("picker-summary").getByText("3 images in this folder").waitFor();
      await picker.getByTestId("picker-choose").click();
      await picker.waitFor({ state: "detached" });
      expect(await page.getByTestId("import-paths").inputValue()).toBe(shots);
      // The import dialog is still open (Esc and clicks went to the picker only).
      await page.getByTestId("import-submit").click();
      await page.getByTestId("import-result").getByText("3 imported").waitFor();
      expect(inStore(file, (s) => s.countImages())).toBe(3);
      expect(unexpected(errors), errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("says why a folder cannot be listed, in the picker, and keeps the listing usable", async () => {
    const file = await fixtureProject(server.dir, "listing", { images: 0 });
    fs.symlinkSync(path.join(outside, "loop-b"), path.join(outside, "loop-a"));
    fs.symlinkSync(path.join(outside, "loop-a"), path.join(outside, "loop-b"));
    const { page, context } = await openProject(browser, server, file);
    try {
      await page.getByTestId("open-import").click();
      await page.getByTestId("import-labels").fill(outside);
      await page.getByTestId("choose-labels").click();
      const picker = page.getByTestId("folder-picker");
      const loop = picker.getByTestId("picker-folder-loop-a");
      await loop.getByText("too many levels of symbolic links").waitFor();
      expect(await loop.isDisabled()).toBe(true);
      // Esc closes the picker only; the import dialog stays.
      await page.keyboard.press("Escape");
      await picker.waitFor({ state: "detached" });
      await page.getByTestId("import-paths").waitFor();
    } finally {
      await context.close();
    }
  });
});
