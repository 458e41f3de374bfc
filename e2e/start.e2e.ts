/**
 * The start screen and switching projects, in the real UI against a real server: a project made
 * from the start screen, the app opened at a project's images, the logo back to the start screen
 * with its recent list, thumbnails of the project opened last.
 */
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import {
  firstUrl,
  callApi,
  eventsOpen,
  holdFirstEventsSocket,
  fixtureProject,
  inStore,
  newPage,
  openProject,
  screenshot,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

/** The centre pixel of grid tile `id`'s thumbnail, once it has loaded (page-side code as a string: e2e compiles without DOM types). */
const tile = (id: number) => `document.querySelector('[data-testid="tile-${id}"] img')`;
const centre = (img: string) => `(() => {
  const img = ${img};
  const c = document.createElement("canvas");
  [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
  const ctx = c.getContext("2d");
  ctx.drawImage(img, 0, 0);
  return Array.from(ctx.getImageData(c.width >> 1, c.height >> 1, 1, 1).data.slice(0, 3));
})()`;

describe("the start screen", () => {
  it("creates a project from the start screen", async () => {
    const { page, context, errors } = await newPage(browser);
    try {
      await page.goto(firstUrl(server, "#/"));
      await page.getByTestId("new-name").fill("Street test");
      await page.getByTestId("add-class").click();
      await page.getByTestId("class-name-2").fill("sky");
      await screenshot(page, "01-start");
      await page.getByTestId("create-project").click();
      await page.getByTestId("grid-count").getByText("0 images").waitFor();
      const file = path.join(server.dir, "projects", "street-test.pxl");
      expect(fs.existsSync(file)).toBe(true);
      expect(inStore(file, (s) => s.classes().map((c) => c.name))).toEqual(["background", "object", "sky"]);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("opens at the project's images when its address is opened with a project open", async () => {
    const file = await fixtureProject(server.dir, "address");
    const { page, context } = await openProject(browser, server, file, "");
    try {
      await page.getByTestId("grid-count").getByText("3 images").waitFor();
      expect(new URL(page.url()).hash).toBe("#/browse");
      // The start screen is still where "#/" says.
      await page.goto(`${server.url}#/`);
      await page.getByTestId("new-name").waitFor();
    } finally {
      await context.close();
    }
  });

  it("the logo leads to the start screen, whose recent list has the projects opened since the page loaded", async () => {
    await callApi(server, "project.openDemo");
    const { page: p, context } = await newPage(browser, { width: 1280, height: 800 });
    try {
      await p.goto(firstUrl(server, "#/browse"));
      await p.getByTestId("grid-count").getByText("24 images").waitFor();
      await eventsOpen(p);
      await callApi(server, "project.create", {
        name: "Switched to",
        dir: path.join(server.dir, "switched"),
        classes: [
          { name: "a", color: "#112233" },
          { name: "b", color: "#445566" },
        ],
      });
      await p.getByTestId("project-name").getByText("Switched to").waitFor();
      await p.getByTestId("to-start").click();
      await p.getByText("Continue with Switched to →").waitFor();
      await p.locator(".recent-btn").getByText("Switched to").waitFor();
      await p.locator(".recent-btn").getByText("Demo: garden streets").waitFor();
      // The status bar's counts say which project they belong to (still open behind the start screen).
      await p.getByTestId("statusbar-project").getByText("Open: Switched to ·").waitFor();
    } finally {
      await context.close();
    }
  });

  it("catches up with a project switched to while its events socket was down: name and grid", async () => {
    await callApi(server, "project.openDemo");
    const { page: p, context } = await newPage(browser, { width: 1280, height: 800 });
    const sockets = await holdFirstEventsSocket(p);
    // The page reads the project at load and when a socket opens (the first one opens, mocked).
    let reads = 0;
    p.on("response", (r) => void (r.url().endsWith("/api/app.info") && reads++));
    try {
      await p.goto(firstUrl(server, "#/browse"));
      await p.getByTestId("grid-count").getByText("24 images").waitFor();
      await eventsOpen(p);
      await expect.poll(() => reads).toBe(2);
      await callApi(server, "project.create", {
        name: "Made meanwhile",
        dir: path.join(server.dir, "meanwhile"),
        classes: [{ name: "a", color: "#112233" }],
      });
      // Its event went nowhere: the page still shows the demo.
      expect(await p.getByTestId("project-name").textContent()).toContain("Demo: garden streets");
      // The socket drops; the page reconnects and reads what changed meanwhile.
      await sockets[0].close();
      await p.getByTestId("project-name").getByText("Made meanwhile").waitFor();
      await p.getByTestId("grid-count").getByText("0 images").waitFor();
      expect(sockets.length).toBe(2);
    } finally {
      await context.close();
    }
  });

  it("shows the other project's thumbnails after switching projects (not the first one's, cached by id)", async () => {
    const file = await fixtureProject(server.dir, "thumbs");
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      // The first project's image 1, as the grid drew it.
      await expect
        .poll(() => page.evaluate(`!!(${tile(1)}?.complete && ${tile(1)}.naturalWidth > 0)`))
        .toBe(true);
      const first = (await page.evaluate(centre(tile(1)))) as number[];

      // A second project whose image 1 is plain magenta, opened in the same page.
      const folder = path.join(server.dir, "plain");
      fs.mkdirSync(folder, { recursive: true });
      await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 250, g: 20, b: 200 } } })
        .png()
        .toFile(path.join(folder, "magenta.png"));
      await page.goto(`${server.url}#/`);
      await page.getByTestId("new-name").fill("Plain");
      await page.getByTestId("create-project").click();
      await page.getByTestId("grid-count").getByText("0 images").waitFor();
      await page.getByTestId("open-import").click();
      await page.getByTestId("import-paths").fill(folder);
      await page.getByTestId("import-labels").fill("");
      await page.getByTestId("import-submit").click();
      await page.getByTestId("import-result").getByText("1 imported").waitFor();
      await page.keyboard.press("Escape");
      await page.getByTestId("grid-count").getByText("1 image").waitFor();
      await expect
        .poll(() => page.evaluate(`!!(${tile(1)}?.complete && ${tile(1)}.naturalWidth > 0)`))
        .toBe(true);
      const second = (await page.evaluate(centre(tile(1)))) as number[];
      expect(first).not.toEqual(second);
      const [r, g, b] = second;
      expect(r).toBeGreaterThan(220);
      expect(g).toBeLessThan(60);
      expect(b).toBeGreaterThan(170);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
