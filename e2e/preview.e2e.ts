/**
 * Live mode in the real UI (docs/live.md): on a project without a network, strokes of two
 * classes make the preview classifier's prediction appear on the open image without pressing
 * Start, the next stroke changes it, the screen says which model is showing, and turning live
 * mode off stops it.
 */
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  callApi,
  drawStroke,
  expectSaved,
  fixtureProject,
  openProject,
  screenshot,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";
import type { LiveStatus, TrainingStatus } from "../app/common/api-types.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

const shown = (page: Page) => page.getByTestId("shown-model");
/** When the shown prediction was stored: a new one after each retrain. */
const madeAt = (page: Page) => shown(page).getAttribute("data-made-at");

async function stroke(page: Page, key: string, points: [number, number][]): Promise<void> {
  await page.keyboard.press(key);
  await drawStroke(page, points);
  await expectSaved(page);
}

describe("live preview", () => {
  it("shows the preview's prediction within seconds of strokes of two classes, changes it, and stops when off", async () => {
    const file = await fixtureProject(server.dir, "live-preview");
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("tile-1").click();
      await page.getByTestId("canvas").waitFor();
      // No network model: live mode is on by default, and nothing is predicted yet.
      await expect(page.getByTestId("live-toggle").isChecked()).resolves.toBe(true);
      await shown(page).getByText("Showing: no prediction yet").waitFor();
      await expect(page.getByTestId("layer-prediction").isDisabled()).resolves.toBe(true);

      // One class: the preview waits for a second one.
      await stroke(page, "2", [
        [0.3, 0.3],
        [0.5, 0.35],
        [0.6, 0.5],
      ]);
      await page.getByTestId("live-state").getByText("two classes").waitFor();
      // The second class: the prediction layer appears, from the preview classifier (no Start).
      await stroke(page, "3", [
        [0.2, 0.75],
        [0.7, 0.8],
      ]);
      await shown(page).getByText("Showing: preview classifier").waitFor();
      await expect(page.getByTestId("layer-prediction").isDisabled()).resolves.toBe(false);
      await expect(page.getByTestId("layer-prediction").isChecked()).resolves.toBe(true);
      await screenshot(page, "live-preview");
      const first = await madeAt(page);
      expect(first).not.toBe("");

      // Another stroke: a new prediction replaces it.
      await stroke(page, "1", [
        [0.05, 0.05],
        [0.15, 0.1],
      ]);
      await expect
        .poll(() => madeAt(page), { timeout: 60_000, interval: 100 })
        .toSatisfy((at) => !!at && at > first!);
      await expect(shown(page).textContent()).resolves.toBe("Showing: preview classifier");

      const last = await madeAt(page);
      // Off: the preview's layer goes (no network to show), and strokes no longer retrain it.
      await page.getByTestId("live-toggle").click();
      await shown(page).getByText("Showing: no prediction yet").waitFor();
      const before = await callApi<LiveStatus>(server, "live.status");
      expect(before).toMatchObject({ enabled: false, state: "off" });
      await stroke(page, "2", [
        [0.8, 0.2],
        [0.9, 0.3],
      ]);
      const after = await callApi<LiveStatus>(server, "live.status");
      expect(after.state).toBe("off");
      expect(after.classifier?.trainedAt).toBe(before.classifier?.trainedAt);
      // On again: the stroke drawn meanwhile is learned: a newer preview prediction is shown.
      await page.getByTestId("live-toggle").click();
      await expect
        .poll(() => madeAt(page), { timeout: 60_000, interval: 100 })
        .toSatisfy((at) => !!at && at > last!);
      await expect(shown(page).textContent()).resolves.toBe("Showing: preview classifier");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("turns background training on from the labeling screen, shows its round, and pauses it", async () => {
    const file = await fixtureProject(server.dir, "live-background");
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("tile-1").click();
      await page.getByTestId("canvas").waitFor();
      await stroke(page, "2", [
        [0.3, 0.3],
        [0.6, 0.5],
      ]);
      await stroke(page, "3", [
        [0.2, 0.75],
        [0.7, 0.8],
      ]);
      const toggle = page.getByTestId("background-toggle");
      await expect(toggle.isChecked()).resolves.toBe(false);
      await toggle.click();
      await page.getByTestId("background-state").getByText("Round 1: trains from scratch").waitFor();
      const on = await callApi<TrainingStatus>(server, "training.status");
      expect(on).toMatchObject({ backgroundRun: true, background: { enabled: true, state: "training" } });
      await screenshot(page, "live-background");
      // The training panel says the same, with the same switch (keys go to the page, not the checkbox).
      await toggle.blur();
      await page.keyboard.press("t");
      await page.getByTestId("training-panel").waitFor();
      await expect(page.getByTestId("training-background").isChecked()).resolves.toBe(true);
      await page.getByTestId("training-background-state").getByText("Round 1").waitFor();
      await screenshot(page, "training-background");
      await page.keyboard.press("t");

      // Off: the round stops and no other starts.
      await toggle.click();
      await page.getByTestId("background-state").waitFor({ state: "detached" });
      await expect
        .poll(async () => (await callApi<TrainingStatus>(server, "training.status")).state, {
          timeout: 60_000,
          interval: 100,
        })
        .toMatch(/done|cancelled|idle/);
      const off = await callApi<TrainingStatus>(server, "training.status");
      expect(off.background).toMatchObject({ enabled: false, state: "off" });
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
