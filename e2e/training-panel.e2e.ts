/**
 * The training panel of a run in progress, as a person sees it in a tab opened (or reloaded)
 * after the run was started elsewhere: the run's own settings, not the window's defaults; the
 * progress of a time-budgeted run in time, with units, never going back. And plain-language help
 * under every option, with the docs one click away.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { ApiEvent, TrainingStatus } from "../app/common/api-types.ts";
import {
  firstUrl,
  callApi,
  eventDuring,
  fixtureProject,
  labelRect,
  newPage,
  openProject,
  screenshot,
  trainingUnavailable,
  storeModel,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";
import { ProjectStore } from "../app/store/project-store.ts";

let server: Served;
let browser: Browser;
let unavailable: string | null;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

beforeAll(async () => {
  unavailable = await trainingUnavailable(server);
});

const isStatus = (e: ApiEvent): e is Extract<ApiEvent, { type: "training.status" }> =>
  e.type === "training.status";

describe("the training panel during a run", () => {
  it("shows the running job's settings after a reload, and its progress in time", async (ctx) => {
    ctx.skip(unavailable !== null, unavailable ?? "");
    const file = await fixtureProject(server.dir, "running");
    labelRect(file, 1, 1, [0.3, 0.3, 0.6, 0.5]);
    labelRect(file, 1, 2, [0, 0, 1, 0.1]);
    labelRect(file, 2, 0, [0, 0.8, 1, 1]);
    await callApi(server, "project.open", { file });
    // Started elsewhere (another tab, the API) with settings unlike the panel's defaults.
    await eventDuring(
      server,
      (e): e is Extract<ApiEvent, { type: "training.status" }> =>
        isStatus(e) && e.status.state === "training" && e.status.time !== null,
      () =>
        callApi<TrainingStatus>(server, "training.start", {
          minutes: 1,
          size: 64,
          widths: [4, 8],
          terms: { crf: true, propagation: false },
        }),
    );
    // A new tab on the project open (opening it again would end the run).
    const { page, context, errors } = await newPage(browser);
    await page.goto(firstUrl(server, "#/browse"));
    try {
      await page.getByTestId("tile-1").waitFor();
      await page.keyboard.press("t");
      await page.getByTestId("training-panel").waitFor();
      await page
        .getByTestId("training-progress-text")
        .getByText(/of 1 min/)
        .waitFor();
      expect(await page.getByTestId("training-amount").inputValue()).toBe("1");
      expect(await page.getByTestId("training-unit").inputValue()).toBe("minutes");
      expect(await page.getByTestId("training-network").inputValue()).toBe("tiny");
      expect(await page.getByTestId("training-size").inputValue()).toBe("64");
      expect(await page.getByTestId("term-crf").isChecked()).toBe(true);
      expect(await page.getByTestId("term-propagation").isChecked()).toBe(false);

      // In time trained of the budget, with units; later statuses never show less.
      const read = async () => ({
        text: (await page.getByTestId("training-progress-text").textContent()) ?? "",
        value: Number(await page.getByTestId("training-progress").getAttribute("value")),
        max: Number(await page.getByTestId("training-progress").getAttribute("max")),
      });
      const first = await read();
      expect(first.text).toMatch(/^\d+ s of 1 min · step \d+$/);
      expect(first.max).toBe(60);
      await page
        .getByTestId("training-progress-text")
        .filter({ hasNotText: first.text })
        .waitFor({ timeout: 30_000 });
      const later = await read();
      expect(later.value).toBeGreaterThanOrEqual(first.value);
      expect(later.max).toBe(60);
      await page
        .getByTestId("statusbar-job")
        .getByText(/^Training \d+ s of 1 min…$/)
        .waitFor();
      await screenshot(page, "training-running-reopened");
      await eventDuring(
        server,
        (e): e is Extract<ApiEvent, { type: "training.status" }> =>
          isStatus(e) && ["done", "cancelled", "failed"].includes(e.status.state),
        () => callApi(server, "training.stop"),
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);

  it("explains every option in plain words, and opens the docs", async () => {
    const file = await fixtureProject(server.dir, "help");
    const { page, context, errors } = await openProject(browser, server, file, "#/browse");
    try {
      await page.getByTestId("tile-1").waitFor();
      await page.keyboard.press("t");
      await page.getByTestId("training-panel").waitFor();
      for (const k of [
        "budget",
        "network",
        "size",
        "semiSupervised",
        "pixl",
        "propagation",
        "crf",
        "fineTune",
      ]) {
        const text = (await page.getByTestId(`help-${k}`).textContent()) ?? "";
        expect(text.length, k).toBeGreaterThan(40);
        expect(await page.getByTestId(`help-${k}`).isVisible(), k).toBe(true);
      }
      // No jargon left unexplained: FixMatch's help says what it does without the name.
      expect(await page.getByTestId("help-semiSupervised").textContent()).toMatch(/nobody labeled/);
      await screenshot(page, "training-help");
      await page.getByTestId("training-docs").click();
      await page
        .getByTestId("docs-text")
        .getByText(/Learning from few labels/)
        .waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("plots val mIoU against labeled pixels per round, hand-drawn and accepted apart", async () => {
    const file = await fixtureProject(server.dir, "efficiency");
    // Three rounds as training leaves them: each a run, its model (val mIoU) and its label record.
    const store = ProjectStore.open(file);
    try {
      const rounds: [number, number, number][] = [
        [1_000, 0, 0.31],
        [2_500, 6_000, 0.47],
        [4_000, 15_000, 0.58],
      ];
      for (const [drawn, accepted, miou] of rounds) {
        const model = storeModel(store, { validation: { miou }, stepsDone: 100 });
        store.runs.finish(store.runs.start({}), model, "done", store.models.weights(model)!, []);
        store.rounds.insert({
          modelId: model,
          labeledPixels: drawn + accepted,
          humanPixels: drawn,
          acceptedPixels: accepted,
          labeledImages: 2,
          labelingSeconds: 60,
          valMiou: miou,
          fineTuned: false,
          labelsByPerson: [],
        });
      }
    } finally {
      store.close();
    }
    const { page, context, errors } = await openProject(browser, server, file, "#/browse");
    try {
      await page.getByTestId("tile-1").waitFor();
      await page.keyboard.press("t");
      const chart = page.getByTestId("efficiency-chart");
      await chart.waitFor();
      expect(await chart.getAttribute("data-points")).toBe("3");
      // Drawn by uPlot, with both series named in its legend.
      await chart.locator("canvas").waitFor();
      await chart.getByText("hand-drawn").waitFor();
      await chart.getByText("drawn + accepted").waitFor();
      await chart.scrollIntoViewIfNeeded();
      await screenshot(page, "training-efficiency");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
