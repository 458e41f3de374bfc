/**
 * Working with a model in the real UI against a real server: its prediction and uncertainty
 * layers, the suggestion queue (regions, R, N, the grid's order), accepting predictions (a
 * region, a click, everything above a confidence) and clearing them, exports, images imported
 * after the model, a class added after it, continuing from it per project.
 *
 * One tiny model is trained once (through the API) on a fixture project; each test works on a
 * copy of that project of its own, so no test depends on another or on their order.
 */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it, type TestContext } from "vitest";
import type { Browser } from "playwright-core";
import { encode as encodePng } from "fast-png";
import { storedSuggestions } from "../app/loop/suggest.ts";
import { suggestions } from "../app/loop/shown-queue.ts";
import { ProjectStore } from "../app/store/project-store.ts";
import { Source } from "../app/common/mask.ts";
import {
  firstUrl,
  callApi,
  copyProject,
  drawStroke,
  expectSaved,
  fixtureProject,
  inStore,
  labelRect,
  newPage,
  openProject,
  screenshot,
  trainingUnavailable,
  trainOpenProject,
  until,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
/** The trained project every test copies; null when training is not available (tests skip, saying why). */
let template: string | null = null;
let unavailable: string | null = null;
let copies = 0;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

beforeAll(async () => {
  unavailable = await trainingUnavailable(server);
  if (unavailable) return;
  const file = await fixtureProject(server.dir, "template");
  // Every class labeled somewhere: garden-01 an object and the sky, garden-02 the ground.
  labelRect(file, 1, 1, [0.3, 0.3, 0.6, 0.5]);
  labelRect(file, 1, 2, [0, 0, 1, 0.1]);
  labelRect(file, 2, 0, [0, 0.8, 1, 1]);
  await callApi(server, "project.open", { file });
  await trainOpenProject(server);
  template = file;
}, 240_000);

/** A copy of the trained project for this test (skipped, saying why, when there is no model). */
function project(ctx: TestContext, name = `copy-${++copies}`): string {
  ctx.skip(template === null, unavailable ?? "no trained template project");
  return copyProject(template!, name);
}

describe("with a model", () => {
  it("shows the prediction and uncertainty layers, by entropy or margin, with a legend", async (ctx) => {
    const file = project(ctx);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
      await page.getByTestId("layer-prediction").and(page.locator(":not([disabled])")).waitFor();
      await page.keyboard.press("u");
      await screenshot(page, "06-prediction");
      // The uncertainty layer by margin instead of entropy (stored with every prediction), and back.
      await page.getByTestId("uncertainty-measure").selectOption("margin");
      await page.getByTestId("layer-uncertainty").and(page.locator(":not([disabled])")).waitFor();
      expect(await page.getByTestId("layer-uncertainty-hint").count()).toBe(0);
      // Its colors are explained beside it.
      await page.getByTestId("uncertainty-legend").getByText("unsure").waitFor();
      await screenshot(page, "06d-uncertainty-margin");
      await page.getByTestId("uncertainty-measure").selectOption("entropy");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("accepts the predicted region under a click, says how much of which class, and counts the image as worked on", async (ctx) => {
    const file = project(ctx);
    const queued = inStore(file, (s) => storedSuggestions(s)).length;
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("layer-prediction").and(page.locator(":not([disabled])")).waitFor();
      await page.getByTestId("queue-progress").getByText(`0 of ${queued} done`).waitFor();
      // Accept the predicted region under an unlabeled part, above the object, below the sky.
      await page.keyboard.press("a");
      const box = (await page.getByTestId("canvas").boundingBox())!;
      const strokes = inStore(file, (s) => s.strokes(1).length);
      await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.15);
      await expectSaved(page);
      const rows = await until(
        () => inStore(file, (s) => s.strokes(1)),
        (r) => r.length > strokes,
        "the accepted region's row",
      );
      expect(rows[rows.length - 1]).toMatchObject({ tool: "accept", modelId: 1 });
      // One click can take most of the image: a toast says how much, of which class, and how to undo.
      const took = inStore(file, (s) => {
        const m = s.mask(1);
        const at = m.sources.indexOf(Source.accepted);
        const px = m.sources.filter((v) => v === Source.accepted).length;
        return { px, name: s.classes()[m.classes[at]].name, share: (100 * px) / (m.width * m.height) };
      });
      expect(took.px).toBeGreaterThan(0);
      await page
        .getByTestId("toast-success")
        .getByText(
          `Accepted ${took.px.toLocaleString("en-US")} px of ${took.name} (${took.share < 1 ? "<1" : Math.round(took.share)}% of the image) · Ctrl+Z undoes`,
          { exact: true },
        )
        .waitFor();
      await screenshot(page, "06f-accept-tool-toast");
      // A queued image worked on: the round's count goes up.
      await page.getByTestId("queue-progress").getByText(`1 of ${queued} done`).waitFor();
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("opens the queue's first image not worked on from the grid, with the uncertainty layer on", async (ctx) => {
    const file = project(ctx);
    const firstTodo = inStore(file, (s) => suggestions(s, 500)).find((q) => !q.worked);
    expect(firstTodo).toBeDefined();
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("grid-next-suggestion").click();
      await page.getByTestId("image-title").getByText(firstTodo!.name).waitFor();
      // ...with the uncertainty layer on, as N on the labeling screen opens the next one.
      await page.getByTestId("layer-uncertainty").and(page.locator(":not([disabled])")).waitFor();
      expect(await page.getByTestId("layer-uncertainty").isChecked()).toBe(true);
      await screenshot(page, "06e-next-from-grid");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("lists an image's suggested regions; R and Shift+R zoom to them; Accept labels inside the region only; Ctrl+Z undoes it", async (ctx) => {
    const file = project(ctx);
    const top = inStore(file, (s) => storedSuggestions(s))[0];
    const { page, context, errors } = await openProject(browser, server, file, `#/image/${top.imageId}`);
    try {
      await page.getByTestId("image-title").getByText(top.image).waitFor();
      await expect.poll(() => page.getByTestId("region-row").count()).toBe(top.regions.length);
      await page.getByTestId("canvas").waitFor();
      // Each says what the model predicts in it, by class and share.
      expect(await page.getByTestId("region-mix").first().textContent()).toMatch(
        /^(background|object|sky) \d+%( · (background|object|sky) \d+%)?$/,
      );
      const zoom = async () => parseInt((await page.getByTestId("zoom").textContent()) ?? "0", 10);
      const fitZoom = await zoom();
      await page.keyboard.press("r");
      await page.locator("[data-testid=region-row].active").first().waitFor();
      // Closer than the whole image fitted, with context around the region (canvas.e2e.ts).
      await expect.poll(zoom).toBeGreaterThan(fitZoom);
      await screenshot(page, "06a-suggested-region");
      if (top.regions.length > 1) {
        // Shift+R goes back: from the first region to the last.
        await page.keyboard.press("Shift+R");
        await page.locator("[data-testid=region-row].active").last().waitFor();
        expect(
          await page
            .getByTestId("region-row")
            .nth(top.regions.length - 1)
            .getAttribute("class"),
        ).toBe("active");
        await page.keyboard.press("r");
      }
      const acceptedBefore = inStore(file, (s) => s.summary().acceptedPixels);
      const maskBefore = inStore(file, (s) => s.mask(top.imageId));
      await page.getByTestId("accept-region").first().click();
      await expectSaved(page);
      const inRegion = await until(
        () => inStore(file, (s) => s.summary().acceptedPixels),
        (n) => n > acceptedBefore,
        "the region's accepted pixels",
      );
      const r0 = top.regions[0];
      const m = inStore(file, (s) => s.mask(top.imageId));
      let outside = 0;
      for (let i = 0; i < m.sources.length; i++) {
        if (m.sources[i] === maskBefore.sources[i]) continue;
        const x = i % m.width;
        const y = Math.floor(i / m.width);
        if (x < r0.x || x >= r0.x + r0.width || y < r0.y || y >= r0.y + r0.height) outside++;
        expect([maskBefore.sources[i], m.sources[i]]).toEqual([Source.none, Source.accepted]);
      }
      expect(outside).toBe(0);
      await page
        .getByText(`Accepted ${(inRegion - acceptedBefore).toLocaleString("en-US")} predicted px in region 1`)
        .waitFor();
      await page.keyboard.press("Control+z");
      await expectSaved(page);
      await until(
        () => inStore(file, (s) => s.summary().acceptedPixels),
        (n) => n === acceptedBefore,
        "the region's acceptance undone",
      );
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("N walks the queue in rank order and says when the round is done; the grid lists the queue first", async (ctx) => {
    const file = project(ctx);
    const queue = inStore(file, (s) => storedSuggestions(s)).map((q) => q.image);
    expect(queue.length).toBeGreaterThan(1);
    const first = inStore(file, (s) => s.imagesByName(queue[0])[0].id);
    const { page, context, errors } = await openProject(browser, server, file, `#/image/${first}`);
    try {
      await page.getByTestId("image-title").getByText(queue[0]).waitFor();
      // N goes to the next suggested image not worked on yet in this round (rank order, then
      // around to earlier ones), and says when the round is done. Label each image it shows.
      const nextTodo = (current: number) => {
        const list = inStore(file, (s) => suggestions(s, 500));
        const at = list.findIndex((q) => q.imageId === current);
        const todo = (q: (typeof list)[number]) => !q.worked && q.imageId !== current;
        return list.slice(at + 1).find(todo) ?? list.slice(0, Math.max(0, at)).find(todo) ?? null;
      };
      let current = first;
      let visited = 0;
      for (let pick = nextTodo(current); pick; pick = nextTodo(current)) {
        await page.keyboard.press("n");
        await page.getByTestId("image-title").getByText(pick.name).waitFor();
        current = pick.imageId;
        visited++;
        if (!nextTodo(current)) {
          await page.keyboard.press("n");
          await page
            .getByText(`This is the last of the ${queue.length} suggested images not done yet`)
            .waitFor();
        }
        await page.getByTestId("canvas").waitFor();
        await drawStroke(page, [
          [0.3, 0.5],
          [0.35, 0.5],
        ]);
        await expectSaved(page);
      }
      expect(visited).toBeGreaterThan(0);
      await page.keyboard.press("n");
      await page.getByText(`All ${queue.length} suggested images are done.`).waitFor();
      await page
        .getByTestId("queue-progress")
        .getByText(`all ${queue.length} done: train again (T)`)
        .waitFor();

      // The grid lists the queue first when asked, each tile with its place in it.
      await page.keyboard.press("g");
      await page.getByTestId("sort").selectOption("suggested");
      await expect.poll(() => page.locator(".tile .tile-name").first().textContent()).toBe(queue[0]);
      await expect
        .poll(() => page.getByTestId("suggested-rank").allTextContents())
        .toEqual(queue.map((_, i) => `#${i + 1}`));
      await screenshot(page, "06c-suggested-first");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("accepts what the model is sure of, shows it hatched, and clears it without touching hand-drawn labels", async (ctx) => {
    const file = project(ctx);
    const human = inStore(file, (s) => s.summary().humanPixels);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("layer-prediction").and(page.locator(":not([disabled])")).waitFor();
      await page.getByTestId("accept-confidence").fill("0"); // 0%: every unlabeled pixel, whatever the tiny model learned
      await page.getByTestId("accept-confident").click();
      await expectSaved(page);
      const accepted = await until(
        () => inStore(file, (s) => s.summary().acceptedPixels),
        (n) => n > 0,
        "accepted pixels",
      );
      // Counted and hatched.
      await page
        .getByTestId("accepted-pixels")
        .getByText(`${accepted.toLocaleString("en-US")} px`)
        .waitFor();
      await page.getByTestId("layer-accepted").and(page.locator(":not([disabled])")).waitFor();
      // The toast counts what this click accepted.
      await page.getByText(`Accepted ${accepted.toLocaleString("en-US")} px`).waitFor();
      const img = inStore(file, (s) => s.requireImage(1));
      expect(img.labeledPixels).toBe(img.width * img.height); // at 0%, every pixel is labeled now
      await screenshot(page, "06b-accepted-hatched");

      await page.getByTestId("clear-accepted").click();
      await expectSaved(page);
      await until(
        () => inStore(file, (s) => s.summary().acceptedPixels),
        (n) => n === 0,
        "no accepted pixels",
      );
      expect(inStore(file, (s) => s.summary().humanPixels)).toBe(human);
      await page.getByTestId("clear-accepted").and(page.locator("[disabled]")).waitFor();

      // Clearing is one undoable step.
      await page.keyboard.press("Control+z");
      await expectSaved(page);
      await until(
        () => inStore(file, (s) => s.summary().acceptedPixels),
        (n) => n === accepted,
        "accepted pixels back",
      );
      await page
        .getByTestId("accepted-pixels")
        .getByText(`${accepted.toLocaleString("en-US")} px`)
        .waitFor();
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("exports masks, a COCO file of the completed masks and the model", async (ctx) => {
    const file = project(ctx);
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("open-export").click();
      await page.getByTestId("export-folder").check(); // folders on the server, not downloads
      await page.getByTestId("format-color").check();
      await page.getByTestId("export-submit").click();
      const result = page.getByTestId("export-result");
      await result.waitFor();
      await screenshot(page, "07-export");
      const exportsDir = path.join(path.dirname(file), "exports");
      const outDir = path.join(exportsDir, "masks-color");
      expect(fs.readdirSync(outDir).sort()).toEqual(
        expect.arrayContaining(["garden-01.png", "garden-02.png", "legend.json"]),
      );
      // COCO of the completed masks (labels, the prediction elsewhere): every image, every class.
      await page.getByTestId("format-coco").check();
      await page.getByTestId("export-source").selectOption("completed");
      await page.getByTestId("export-submit").click();
      await result.getByText("coco.json").waitFor();
      const coco = JSON.parse(fs.readFileSync(path.join(exportsDir, "masks-coco", "coco.json"), "utf8"));
      expect(coco.images).toHaveLength(3);
      expect(new Set(coco.annotations.map((a: { category_id: number }) => a.category_id)).size).toBe(3);
      // The model, as other tools load it.
      await page.getByTestId("export-model").check();
      await page.getByTestId("export-submit").click();
      await result.getByText("Wrote model").waitFor();
      const modelDir = fs.readdirSync(exportsDir).find((d) => d.startsWith("model-"))!;
      expect(fs.readdirSync(path.join(exportsDir, modelDir)).sort()).toEqual([
        "metadata.json",
        "model.json",
        "weights.bin",
      ]);
      await page.keyboard.press("Escape");
      await page.keyboard.press("?");
      await page.getByTestId("shortcuts").waitFor();
      await screenshot(page, "08-shortcuts");
      await page.keyboard.press("Escape");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("predicts an image imported after the model in the background; the training panel predicts one left without", async (ctx) => {
    const file = project(ctx);
    const folder = path.join(server.dir, "scan-after-model");
    fs.mkdirSync(folder, { recursive: true });
    const [w, h] = [160, 120];
    const values = new Uint16Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        values[y * w + x] = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (h / 4) ** 2 ? 3000 : 400;
    fs.writeFileSync(
      path.join(folder, "scan.png"),
      encodePng({ width: w, height: h, data: values, depth: 16, channels: 1 }),
    );
    const model = inStore(file, (s) => s.latestModelId())!;
    const { page, context, errors } = await openProject(browser, server, file);
    try {
      await page.getByTestId("open-import").click();
      await page.getByTestId("import-paths").fill(folder);
      await page.getByTestId("import-labels").fill("");
      await page.getByTestId("import-submit").click();
      await page.getByTestId("import-result").getByText("1 imported").waitFor();
      await page.keyboard.press("Escape");
      const id = inStore(file, (s) => s.imagesByName("scan.png")[0].id);
      await page.getByTestId(`tile-${id}`).click();
      await page.getByTestId("canvas").waitFor();
      // Imported after the model: the import had it predicted with that model in the background,
      // and the open image gets the prediction layer when it is stored.
      const predictedWith = () => inStore(file, (s) => s.predictions.modelIdsOf(id));
      await page.getByTestId("layer-prediction").and(page.locator(":not([disabled])")).waitFor();
      expect(predictedWith()).toEqual([model]);

      // Left without it (as a stopped prediction leaves an image): the accept tool says so and what
      // to do, and the training panel predicts it.
      const store = ProjectStore.open(file);
      store.predictions.removeOfImage(id);
      store.close();
      await page.reload();
      await page.getByTestId("canvas").waitFor();
      await page
        .getByTestId("layer-prediction-hint")
        .getByText(`not predicted with model ${model}`)
        .waitFor();
      await page.keyboard.press("a");
      const missing = `Not predicted with model ${model}: "Predict new images" in the training panel (T) predicts it.`;
      await page
        .locator(".canvas-hud")
        .getByText(`Accept region: not predicted with model ${model}: training panel (T)`)
        .waitFor();
      const box = (await page.getByTestId("canvas").boundingBox())!;
      await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      await page.getByTestId("toast-info").getByText(missing).waitFor();
      await screenshot(page, "11a-not-predicted");
      await page.keyboard.press("t");
      await page
        .getByTestId("predict-new-row")
        .getByText(`1 image has no prediction from model ${model}`)
        .waitFor();
      await screenshot(page, "11b-predict-new-row");
      await page.getByTestId("predict-new").click();
      await page.getByTestId("layer-prediction").and(page.locator(":not([disabled])")).waitFor();
      await page
        .getByTestId("training-panel")
        .getByText(`1 new image predicted with model ${model}.`)
        .waitFor();
      await page.getByTestId("predict-new-row").waitFor({ state: "detached" });
      expect(predictedWith()).toEqual([model]);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("turns fine-tuning off, saying why, when a class was added after the model", async (ctx) => {
    const file = project(ctx);
    const model = inStore(file, (s) => s.latestModelId());
    await callApi(server, "project.open", { file });
    await callApi(server, "classes.add", { name: "road" });
    const { page, context, errors } = await newPage(browser);
    try {
      await page.goto(firstUrl(server, "#/image/1"));
      await page.getByTestId("class-3").getByText("road").waitFor();
      // The model cannot be fine-tuned into a four-class one: the panel turns fine-tuning off and
      // says why, instead of refusing at the start.
      await page.keyboard.press("t");
      await page
        .getByTestId("training-finetune-refused")
        .getByText(`model ${model} predicts 3 classes, the project has 4`)
        .waitFor();
      expect(await page.getByTestId("training-finetune").isDisabled()).toBe(true);
      expect(await page.getByTestId("training-finetune").isChecked()).toBe(false);
      await screenshot(page, "12b-finetune-refused");
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("closes the training panel on leaving the project; continuing from a model is chosen per project", async (ctx) => {
    const first = project(ctx, "panel-first");
    const second = project(ctx, "Second");
    const { page, context, errors } = await openProject(browser, server, first, "#/image/1");
    try {
      await page.getByTestId("canvas").waitFor();
      await page.keyboard.press("t");
      const panel = page.getByTestId("training-panel");
      await panel.waitFor();
      await page.getByTestId("training-network").selectOption("small");
      await page.getByTestId("training-finetune").check();
      await page.getByTestId("training-state").click(); // focus off the checkbox
      // The logo leads to the start screen: the panel closes rather than cover the recent projects.
      await page.getByTestId("to-start").click();
      await page.getByTestId("open-path").waitFor();
      await panel.waitFor({ state: "detached" });
      await screenshot(page, "07a-start-after-panel");

      // Another project with a model: its panel starts with "continue from model 1" unticked.
      await page.getByTestId("open-path").fill(second);
      await page.getByTestId("open-path").press("Enter");
      await page.getByTestId("project-name").getByText("Second").waitFor();
      await page.getByTestId("grid").waitFor();
      await page.keyboard.press("t");
      await panel.getByText("Continue from model 1 (fine-tune)").waitFor();
      expect(await page.getByTestId("training-finetune").isDisabled()).toBe(false);
      expect(await page.getByTestId("training-finetune").isChecked()).toBe(false);
      await screenshot(page, "07b-other-project-panel");
      // The other settings are the window's: the network chosen in the first project's panel.
      expect(await page.getByTestId("training-network").inputValue()).toBe("small");

      // Back in the first project (the recent list), its choice is as it was left.
      await page.getByTestId("to-start").click();
      await panel.waitFor({ state: "detached" });
      await page.locator(".recent-btn").filter({ hasText: first }).click();
      await page.getByTestId("grid").waitFor();
      await page.keyboard.press("t");
      expect(await page.getByTestId("training-finetune").isChecked()).toBe(true);
      await page.getByTestId("training-finetune").uncheck();
      await page.getByTestId("training-state").click();
      await page.keyboard.press("t");
      await panel.waitFor({ state: "detached" });
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
