/**
 * The training panel in the real UI against a real server: a tiny model trained from the panel
 * (progress, the loss chart, the round, the prediction layer), the val IoU of every class after
 * training the demo, the panel's settings kept between openings.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { storedSuggestions } from "../app/loop/suggest.ts";
import {
  firstUrl,
  callApi,
  drawStroke,
  expectSaved,
  fixtureProject,
  inStore,
  labelRect,
  newPage,
  openProject,
  screenshot,
  trainingUnavailable,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
/** Why training cannot run in this build (its tests are skipped, saying so), or null. */
let unavailable: string | null;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

beforeAll(async () => {
  unavailable = await trainingUnavailable(server);
});

describe("the training panel", () => {
  it("trains a tiny model, shows progress and a prediction layer", async (ctx) => {
    ctx.skip(unavailable !== null, unavailable ?? "");
    const file = await fixtureProject(server.dir, "train");
    labelRect(file, 1, 1, [0.3, 0.3, 0.6, 0.5]);
    labelRect(file, 1, 2, [0, 0, 1, 0.1]);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/2");
    try {
      // One more stroke on garden-02 from the page, then train from the panel.
      await page.getByTestId("image-title").getByText("garden-02.png").waitFor();
      await page.getByTestId("canvas").waitFor();
      await page.keyboard.press("1");
      await drawStroke(page, [
        [0.1, 0.1],
        [0.9, 0.15],
      ]);
      await expectSaved(page);
      await page.keyboard.press("t");
      const panel = page.getByTestId("training-panel");
      await panel.waitFor();
      await page.getByTestId("training-unit").selectOption("epochs");
      await page.getByTestId("training-amount").fill("3");
      await page.getByTestId("training-network").selectOption("tiny");
      await page.getByTestId("training-size").selectOption("64");
      // The method's own term, switched on from the panel (off by default, docs/learning.md).
      await page.getByTestId("term-pixl").check();
      // Nothing to continue from yet: fine-tuning is off and says why.
      expect(await page.getByTestId("training-finetune").isDisabled()).toBe(true);
      await panel.getByText("no model yet").waitFor();
      await page.getByTestId("training-start").click();
      await page
        .getByTestId("training-backend")
        .filter({ hasNotText: "chosen at start" })
        .waitFor({ timeout: 90_000 });
      await page.getByTestId("loss-chart").waitFor({ timeout: 90_000 });
      await page.getByTestId("training-state").getByText("done").waitFor({ timeout: 110_000 });
      // The next training may continue from the model just made.
      const made = inStore(file, (s) => s.latestModelId());
      await panel.getByText(`Continue from model ${made} (fine-tune)`).waitFor();
      expect(await page.getByTestId("training-finetune").isDisabled()).toBe(false);
      // Fine-tuning keeps that model's network, so the network choice is off while it is ticked.
      await page.getByTestId("training-finetune").check();
      expect(await page.getByTestId("training-network").isDisabled()).toBe(true);
      expect(await page.getByTestId("training-network").getAttribute("title")).toBe(
        `Fine-tuning keeps model ${made}'s network`,
      );
      await page.getByTestId("training-finetune").uncheck();
      expect(await page.getByTestId("training-network").isDisabled()).toBe(false);
      await page.getByTestId("training-state").click(); // focus off the checkbox: keys go to the app again
      // The open image gets its prediction layer and suggested regions without being reopened.
      await page.getByTestId("layer-prediction").and(page.locator(":not([disabled])")).waitFor();
      const openId = inStore(file, (s) => s.imagesByName("garden-02.png")[0].id);
      const openRegions =
        inStore(file, (s) => storedSuggestions(s)).find((q) => q.imageId === openId)?.regions ?? [];
      await expect.poll(() => page.getByTestId("region-row").count()).toBe(openRegions.length);
      // Nothing of the new round is done yet (every image was labeled before the queue was picked).
      const queued = inStore(file, (s) => storedSuggestions(s)).length;
      await page.getByTestId("queue-progress").getByText(`0 of ${queued} done`).waitFor();
      // The round: what the model learned from (hand-drawn px, no accepted ones yet).
      const drawn = inStore(file, (s) => s.summary().humanPixels);
      await page
        .getByTestId("rounds")
        .getByText(`${(drawn / 1000).toFixed(drawn < 10_000 ? 1 : 0)}k`)
        .waitFor();
      await screenshot(page, "05-training");
      await page.getByTestId("rounds").scrollIntoViewIfNeeded();
      await screenshot(page, "05b-rounds");
      expect(inStore(file, (s) => s.summary().models)).toBe(1);
      const predicted = inStore(file, (s) => s.predictions.count());
      expect(predicted).toBe(3);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the val IoU of every class after training the demo (which has val labels)", async (ctx) => {
    ctx.skip(unavailable !== null, unavailable ?? "");
    const { page: p, context, errors } = await newPage(browser);
    try {
      await p.goto(firstUrl(server, "#/"));
      await p.getByTestId("open-demo").click();
      await p.getByTestId("open-training").click();
      await p.getByTestId("training-unit").selectOption("epochs");
      await p.getByTestId("training-amount").fill("1");
      await p.getByTestId("training-network").selectOption("tiny");
      await p.getByTestId("training-size").selectOption("64");
      await p.getByTestId("training-start").click();
      await p.getByTestId("training-state").getByText("done").waitFor({ timeout: 110_000 });
      const rows = p.getByTestId("class-iou").locator(".class-iou-row");
      const classes = JSON.parse(
        fs.readFileSync(path.join(import.meta.dirname, "../resources/demo/classes.json"), "utf8"),
      ).classes as { name: string }[];
      await expect.poll(() => rows.count()).toBe(classes.length);
      expect(await rows.first().textContent()).toContain(classes[0].name);
      // Every class the val labels hold has a value between 0 and 1; the weakest is marked.
      const values = (await rows.locator(".value").allTextContents()).filter((v) => v !== "—").map(Number);
      expect(values.length).toBeGreaterThan(0);
      for (const v of values) expect(v >= 0 && v <= 1).toBe(true);
      expect(await p.getByTestId("class-iou").locator(".weakest").count()).toBeGreaterThan(0);
      await p.getByTestId("class-iou").scrollIntoViewIfNeeded();
      await screenshot(p, "11-class-iou");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("keeps the training settings when the panel is opened again; Esc closes it", async () => {
    await callApi(server, "project.openDemo");
    const { page: p, context } = await newPage(browser, { width: 1024, height: 640 });
    try {
      await p.goto(firstUrl(server, "#/browse"));
      await p.getByTestId("grid-count").getByText("24 images").waitFor();
      await p.keyboard.press("t");
      const panel = p.getByTestId("training-panel");
      await panel.waitFor();
      await p.getByTestId("training-unit").selectOption("epochs");
      await p.getByTestId("training-amount").fill("7");
      await p.getByTestId("training-network").selectOption("small");
      await p.getByTestId("training-size").selectOption("64");
      await p.getByTestId("term-pixl").check();
      await p.keyboard.press("Escape"); // from the checkbox, inside the panel
      await panel.waitFor({ state: "detached" });
      await p.getByTestId("open-training").click();
      await panel.waitFor();
      expect(await p.getByTestId("training-unit").inputValue()).toBe("epochs");
      expect(await p.getByTestId("training-amount").inputValue()).toBe("7");
      expect(await p.getByTestId("training-network").inputValue()).toBe("small");
      expect(await p.getByTestId("training-size").inputValue()).toBe("64");
      expect(await p.getByTestId("term-pixl").isChecked()).toBe(true);
      // Over the panel, the shortcuts sheet takes the first Esc, the panel the second.
      await p.locator("body").click({ position: { x: 5, y: 300 } });
      await p.keyboard.press("?");
      await p.getByTestId("shortcuts").waitFor();
      await p.getByTestId("shortcuts").getByText("Search image names (grid)").waitFor();
      await p.keyboard.press("Escape");
      await p.getByTestId("shortcuts").waitFor({ state: "detached" });
      expect(await panel.isVisible()).toBe(true);
      await p.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
    } finally {
      await context.close();
    }
  });
});
