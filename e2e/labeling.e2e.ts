/**
 * The main path through the real UI against a real server: create a project, import images,
 * scribble with the mouse, see every stroke in the SQLite file, undo/redo, switch classes by
 * keyboard, reload, train a tiny model, see its prediction, accept a region, accept what the
 * model is sure of and clear it again, export masks; an image whose file went missing or changed
 * size is named with the reason instead of a blank or misaligned canvas.
 */
import fs from "node:fs";
import sharp from "sharp";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { storedSuggestions } from "../app/loop/suggest.ts";
import { suggestions } from "../app/api/image-queries.ts";
import { ProjectStore } from "../app/store/project-store.ts";
import { Source } from "../app/labels/mask.ts";
import { encodeIndexPng } from "../app/exchange/index-png.ts";
import { encode as encodePng } from "fast-png";
import { drawStroke, launch, newPage, sampleImages, screenshot, serve, type Served } from "./harness.ts";

let server: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let projectFile: string;

/** Reads the project file the way any other process would, while the server keeps it open. */
function inStore<T>(f: (s: ProjectStore) => T): T {
  const s = ProjectStore.open(projectFile, { readonly: true });
  try {
    return f(s);
  } finally {
    s.close();
  }
}

async function expectSaved(p: Page): Promise<void> {
  await p.getByTestId("save-state").and(p.locator('[data-state="saved"]')).waitFor();
}

/** Waits for a condition on the store (the UI's "saved" can precede our read by nothing, but be safe). */
async function until<T>(read: () => T, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

beforeAll(async () => {
  server = await serve();
  browser = await launch();
  ({ page, errors } = await newPage(browser));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("labeling in the browser", () => {
  it("creates a project from the start screen", async () => {
    await page.goto(server.url);
    await page.getByTestId("new-name").fill("Street test");
    await page.getByTestId("add-class").click();
    await page.getByTestId("class-name-2").fill("sky");
    await screenshot(page, "01-start");
    await page.getByTestId("create-project").click();
    await page.getByTestId("grid-count").getByText("0 images").waitFor();
    projectFile = path.join(server.dir, "projects", "street-test.pxl");
    expect(fs.existsSync(projectFile)).toBe(true);
    expect(inStore((s) => s.classes().map((c) => c.name))).toEqual(["background", "object", "sky"]);
  });

  it("imports a folder of images", async () => {
    const folder = sampleImages(server.dir, 3);
    await page.getByTestId("open-import").click();
    await page.getByTestId("import-paths").fill(folder);
    await page.getByTestId("import-submit").click();
    await page.getByTestId("import-result").getByText("3 imported").waitFor();
    await page.keyboard.press("Escape");
    await page.getByTestId("grid-count").getByText("3 images").waitFor();
    await page.getByTestId("tile-1").locator("img").waitFor();
    await screenshot(page, "02-browser");
    expect(inStore((s) => s.countImages())).toBe(3);
  });

  it("draws strokes that are saved on release, switching classes by keyboard", async () => {
    await page.getByTestId("tile-1").click();
    await page.getByTestId("canvas").waitFor();
    await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
    // No model yet: the start queue (varied images to label first) is the round.
    await page.getByTestId("queue-progress").getByText("0 of 3 done").waitFor();
    expect(inStore((s) => s.image(1)?.status)).toBe("suggested");

    await page.keyboard.press("2");
    await expect(page.getByTestId("active-class").textContent()).resolves.toBe("object");
    await drawStroke(page, [
      [0.3, 0.3],
      [0.5, 0.35],
      [0.6, 0.5],
    ]);
    await expectSaved(page);
    const first = await until(
      () => inStore((s) => s.strokes(1)),
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
      () => inStore((s) => s.strokes(1)),
      (r) => r.length === 2,
      "the second stroke row",
    );
    expect(both[1].classIdx).toBe(2);
    const mask = inStore((s) => s.mask(1));
    expect(mask.classes.includes(1)).toBe(true);
    expect(mask.classes.includes(2)).toBe(true);
    await screenshot(page, "03-labeling");
  });

  it("undoes and redoes with Ctrl+Z / Ctrl+Shift+Z", async () => {
    const labeledBefore = inStore((s) => s.image(1)!.labeledPixels);
    await page.getByTestId("canvas").focus();
    await page.keyboard.press("Control+z");
    await until(
      () => inStore((s) => s.strokes(1)[1].undone),
      (u) => u,
      "the second stroke to be undone",
    );
    await expectSaved(page);
    expect(inStore((s) => s.mask(1).classes.includes(2))).toBe(false);
    await page.keyboard.press("Control+Shift+z");
    await until(
      () => inStore((s) => s.strokes(1)[1].undone),
      (u) => !u,
      "the second stroke to be redone",
    );
    await expectSaved(page);
    expect(inStore((s) => s.image(1)!.labeledPixels)).toBe(labeledBefore);
  });

  it("shows the saved labels again after a reload", async () => {
    const labeled = inStore((s) => s.image(1)!.labeledPixels);
    await page.reload();
    await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
    await page
      .getByTestId("labeled-pixels")
      .getByText(`${labeled.toLocaleString("en-US")} px`)
      .waitFor();
    // The label layer shows the stored mask: sample the label canvas under the first stroke.
    await screenshot(page, "04-after-reload");
    expect(errors, errors.join("\n")).toEqual([]);
  });

  it("trains a tiny model, shows progress and a prediction layer", async () => {
    // One more labeled image so there is something to learn from; then train from the panel.
    await page.keyboard.press("ArrowRight");
    await page.getByTestId("image-title").getByText("garden-02.png").waitFor();
    await page.keyboard.press("1");
    await drawStroke(page, [
      [0.1, 0.1],
      [0.9, 0.15],
    ]);
    await expectSaved(page);
    await page.keyboard.press("t");
    const panel = page.getByTestId("training-panel");
    await panel.waitFor();
    if (await page.getByTestId("training-unavailable").isVisible()) {
      await screenshot(page, "05-training-unavailable");
      return;
    }
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
      .waitFor({ timeout: 60_000 });
    await page.getByTestId("loss-chart").waitFor({ timeout: 60_000 });
    await page.getByTestId("training-state").getByText("done").waitFor({ timeout: 90_000 });
    // The next training may continue from the model just made.
    const made = inStore((s) => s.latestModelId());
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
    const openId = inStore((s) => s.imagesByName("garden-02.png")[0].id);
    const openRegions = inStore((s) => storedSuggestions(s)).find((q) => q.imageId === openId)?.regions ?? [];
    await expect.poll(() => page.getByTestId("region-row").count()).toBe(openRegions.length);
    // Nothing of the new round is done yet (garden-02 was labeled before the queue was picked).
    const queued = inStore((s) => storedSuggestions(s)).length;
    await page.getByTestId("queue-progress").getByText(`0 of ${queued} done`).waitFor();
    // The round: what the model learned from (hand-drawn px, no accepted ones yet).
    const drawn = inStore((s) => s.summary().humanPixels);
    await page
      .getByTestId("rounds")
      .getByText(`${(drawn / 1000).toFixed(drawn < 10_000 ? 1 : 0)}k`)
      .waitFor();
    await screenshot(page, "05-training");
    await page.getByTestId("rounds").scrollIntoViewIfNeeded();
    await screenshot(page, "05b-rounds");
    expect(inStore((s) => s.summary().models)).toBe(1);
    const predicted = inStore(
      (s) => (s.db.prepare("SELECT COUNT(*) AS n FROM predictions").get() as { n: number }).n,
    );
    expect(predicted).toBe(3);

    // Reopen the image: the prediction and uncertainty layers are there now.
    await page.keyboard.press("t");
    await page.keyboard.press("ArrowLeft");
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
    await page.getByTestId("image-title").click(); // focus off the select: keys go to the app again

    // Accept the predicted region under an unlabeled corner.
    await page.keyboard.press("a");
    const box = (await page.getByTestId("canvas").boundingBox())!;
    const strokes = inStore((s) => s.strokes(1).length);
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.15);
    await expectSaved(page);
    const rows = await until(
      () => inStore((s) => s.strokes(1)),
      (r) => r.length > strokes,
      "the accepted region's row",
    );
    expect(rows[rows.length - 1]).toMatchObject({ tool: "accept", modelId: 1 });
    expect(inStore((s) => s.summary().acceptedPixels)).toBeGreaterThan(0);
    // One click can take most of the image: a toast says how much, of which class, and how to undo.
    const took = inStore((s) => {
      const m = s.mask(1);
      const at = m.sources.indexOf(Source.accepted);
      return {
        px: m.sources.filter((v) => v === Source.accepted).length,
        name: s.classes()[m.classes[at]].name,
        share: (100 * m.sources.filter((v) => v === Source.accepted).length) / (m.width * m.height),
      };
    });
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

    // From the grid, "Label next suggested" opens the queue's first image not worked on yet.
    const firstTodo = inStore((s) => suggestions(s, 500)).find((q) => !q.worked);
    expect(firstTodo).toBeDefined();
    await page.keyboard.press("g");
    await page.getByTestId("grid-next-suggestion").click();
    await page.getByTestId("image-title").getByText(firstTodo!.name).waitFor();
    // ...with the uncertainty layer on, as N on the labeling screen opens the next one.
    await page.getByTestId("layer-uncertainty").and(page.locator(":not([disabled])")).waitFor();
    expect(await page.getByTestId("layer-uncertainty").isChecked()).toBe(true);
    await screenshot(page, "06e-next-from-grid");

    // The suggestion queue, from its first image.
    const queue = inStore((s) => storedSuggestions(s)).map((q) => q.image);
    expect(queue.length).toBeGreaterThan(1);
    await page.evaluate(`location.hash = "#/image/${inStore((s) => s.imagesByName(queue[0])[0].id)}"`);
    await page.getByTestId("image-title").getByText(queue[0]).waitFor();

    // Its suggested regions are listed; R zooms to the first, Accept labels it with the prediction.
    const top = inStore((s) => storedSuggestions(s))[0];
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
    // The region fills much of the view: far closer than the whole image fitted.
    await expect.poll(zoom).toBeGreaterThan(2 * fitZoom);
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
    const acceptedBeforeRegion = inStore((s) => s.summary().acceptedPixels);
    const maskBefore = inStore((s) => s.mask(top.imageId));
    await page.getByTestId("accept-region").first().click();
    await expectSaved(page);
    const inRegion = await until(
      () => inStore((s) => s.summary().acceptedPixels),
      (n) => n > acceptedBeforeRegion,
      "the region's accepted pixels",
    );
    const r0 = top.regions[0];
    const m = inStore((s) => s.mask(top.imageId));
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
      .getByText(
        `Accepted ${(inRegion - acceptedBeforeRegion).toLocaleString("en-US")} predicted px in region 1`,
      )
      .waitFor();
    await page.keyboard.press("Control+z");
    await expectSaved(page);
    await until(
      () => inStore((s) => s.summary().acceptedPixels),
      (n) => n === acceptedBeforeRegion,
      "the region's acceptance undone",
    );

    // N goes to the next suggested image not worked on yet in this round (rank order, then
    // around to earlier ones), and says when the round is done. Label each image it shows.
    const nextTodo = (current: number) => {
      const list = inStore((s) => suggestions(s, 500));
      const at = list.findIndex((q) => q.imageId === current);
      const todo = (q: (typeof list)[number]) => !q.worked && q.imageId !== current;
      return list.slice(at + 1).find(todo) ?? list.slice(0, Math.max(0, at)).find(todo) ?? null;
    };
    let current = inStore((s) => s.imagesByName(queue[0])[0].id);
    let visited = 0;
    await page.keyboard.press("b"); // brush (the accept tool was on)
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
    await page.getByTestId("queue-progress").getByText(`all ${queue.length} done: train again (T)`).waitFor();

    // The grid lists the queue first when asked, each tile with its place in it.
    await page.keyboard.press("g");
    await page.getByTestId("sort").selectOption("suggested");
    await expect.poll(() => page.locator(".tile .tile-name").first().textContent()).toBe(queue[0]);
    await expect
      .poll(() => page.getByTestId("suggested-rank").allTextContents())
      .toEqual(queue.map((_, i) => `#${i + 1}`));
    await screenshot(page, "06c-suggested-first");
    await page.getByTestId("sort").selectOption("id");

    await page.evaluate(`location.hash = "#/image/1"`);
    await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
    await page.getByTestId("canvas").waitFor();
  });

  it("accepts what the model is sure of, shows it hatched, and clears it without touching hand-drawn labels", async () => {
    const human = inStore((s) => s.summary().humanPixels);
    const acceptedBefore = inStore((s) => s.summary().acceptedPixels);
    // The region accepted above is counted and hatched.
    await page
      .getByTestId("accepted-pixels")
      .getByText(`${acceptedBefore.toLocaleString("en-US")} px`)
      .waitFor();
    await page.getByTestId("layer-accepted").and(page.locator(":not([disabled])")).waitFor();

    await page.getByTestId("accept-confidence").fill("0"); // 0%: every unlabeled pixel, whatever the tiny model learned
    await page.getByTestId("accept-confident").click();
    await expectSaved(page);
    const accepted = await until(
      () => inStore((s) => s.summary().acceptedPixels),
      (n) => n > acceptedBefore,
      "more accepted pixels",
    );
    await page
      .getByTestId("accepted-pixels")
      .getByText(`${accepted.toLocaleString("en-US")} px`)
      .waitFor();
    // The toast counts what this click accepted.
    await page.getByText(`Accepted ${(accepted - acceptedBefore).toLocaleString("en-US")} px`).waitFor();
    const img = inStore((s) => s.requireImage(1));
    expect(img.labeledPixels).toBe(img.width * img.height); // at 0%, every pixel is labeled now
    await screenshot(page, "06b-accepted-hatched");

    await page.getByTestId("clear-accepted").click();
    await expectSaved(page);
    await until(
      () => inStore((s) => s.summary().acceptedPixels),
      (n) => n === 0,
      "no accepted pixels",
    );
    expect(inStore((s) => s.summary().humanPixels)).toBe(human);
    await page.getByTestId("clear-accepted").and(page.locator("[disabled]")).waitFor();

    // Clearing is one undoable step.
    await page.keyboard.press("Control+z");
    await expectSaved(page);
    await until(
      () => inStore((s) => s.summary().acceptedPixels),
      (n) => n === accepted,
      "accepted pixels back",
    );
    await page
      .getByTestId("accepted-pixels")
      .getByText(`${accepted.toLocaleString("en-US")} px`)
      .waitFor();
  });

  it("closes the training panel on leaving the project; continuing from a model is chosen per project", async () => {
    if (inStore((s) => s.latestModelId()) === undefined) return; // no training in this build
    // A second project with a model of its own: a copy of this one, under another name.
    const copy = path.join(server.dir, "copy", "copy.pxl");
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    inStore((s) => s.db.prepare("VACUUM INTO ?").run(copy));
    const second = ProjectStore.open(copy);
    second.setMeta("name", "Second");
    second.close();

    await page.keyboard.press("t");
    const panel = page.getByTestId("training-panel");
    await panel.waitFor();
    await page.getByTestId("training-finetune").check();
    await page.getByTestId("training-state").click(); // focus off the checkbox
    // The logo leads to the start screen: the panel closes rather than cover the recent projects.
    await page.getByTestId("to-start").click();
    await page.getByTestId("open-path").waitFor();
    await panel.waitFor({ state: "detached" });
    await screenshot(page, "07a-start-after-panel");

    // Another project with a model: its panel starts with "continue from model 1" unticked.
    await page.getByTestId("open-path").fill(copy);
    await page.getByTestId("open-path").press("Enter");
    await page.getByTestId("project-name").getByText("Second").waitFor();
    await page.getByTestId("grid").waitFor();
    await page.keyboard.press("t");
    await panel.getByText("Continue from model 1 (fine-tune)").waitFor();
    expect(await page.getByTestId("training-finetune").isDisabled()).toBe(false);
    expect(await page.getByTestId("training-finetune").isChecked()).toBe(false);
    await screenshot(page, "07b-other-project-panel");
    // The other settings are the window's: the network chosen for the first project's training.
    expect(await page.getByTestId("training-network").inputValue()).toBe("tiny");

    // Back in the first project (the recent list), its choice is as it was left.
    await page.getByTestId("to-start").click();
    await panel.waitFor({ state: "detached" });
    await page.locator(".recent-btn").filter({ hasText: projectFile }).click();
    await page.getByTestId("grid").waitFor();
    await page.keyboard.press("t");
    expect(await page.getByTestId("training-finetune").isChecked()).toBe(true);
    await page.getByTestId("training-finetune").uncheck();
    await page.getByTestId("training-state").click();
    await page.keyboard.press("t");
    await panel.waitFor({ state: "detached" });
    expect(errors, errors.join("\n")).toEqual([]);
  });

  it("exports masks", async () => {
    await page.keyboard.press("g");
    await page.getByTestId("open-export").click();
    await page.getByTestId("format-color").check();
    await page.getByTestId("export-submit").click();
    const result = page.getByTestId("export-result");
    await result.waitFor();
    await screenshot(page, "07-export");
    const exportsDir = path.join(path.dirname(projectFile), "exports");
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
  });

  it("says which file is missing when an image cannot be shown, and keeps what is stored", async () => {
    // garden-02 was shown (and labeled) earlier in this browser: it must not come from its cache.
    const img = inStore((s) => s.imagesByName("garden-02.png")[0]);
    expect(img.labeledPixels).toBeGreaterThan(0);
    const file = inStore((s) => s.absolutePath(img.path));
    fs.renameSync(file, file + ".moved");
    try {
      await page.getByTestId("tile-2").click();
      await page
        .getByText(`Could not open this image: ${file}: the file is missing (moved or deleted?)`)
        .waitFor();
      await page.getByTestId("image-title").getByText("garden-02.png").waitFor();
      // What is stored for it is still there and counted.
      const share = ((100 * img.labeledPixels) / (img.width * img.height)).toFixed(2);
      await page
        .getByTestId("labeled-pixels")
        .getByText(`${img.labeledPixels.toLocaleString("en-US")} px (${share}%)`)
        .waitFor();
      // Its prediction layers are not offered, and not said to be missing.
      expect(await page.getByText("the image is not shown").count()).toBeGreaterThan(0);
      expect(await page.getByText("no prediction yet").count()).toBe(0);
      await screenshot(page, "09-missing-file");
      expect(inStore((s) => s.image(img.id))).toEqual(img);
      // The browser logs the failed image request; nothing else may go wrong.
      expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
      // The header names it and the user can move on.
      await page.keyboard.press("ArrowLeft");
      await page.getByTestId("image-title").getByText("garden-01.png").waitFor();
      await page.getByTestId("canvas").waitFor();

      // Replaced by an image of another size: it is not opened for painting (labels would not line up).
      await sharp({ create: { width: 40, height: 30, channels: 3, background: "#808080" } })
        .png()
        .toFile(file);
      await page.keyboard.press("ArrowRight");
      await page
        .getByText(
          "Could not open this image: garden-02.png: image is 40x30 now, 320x240 when imported; put the original file back, or remove the image from the project and import the file again",
        )
        .waitFor();
      expect(await page.getByTestId("canvas").count()).toBe(0);
    } finally {
      fs.rmSync(file, { force: true });
      fs.renameSync(file + ".moved", file);
    }
  });

  it("imports label masks with images, also for images imported before", async () => {
    errors.splice(0); // the test before logged the 404 of its missing file on purpose
    // garden-03 is in the project already; its mask (left half sky, 255 elsewhere) comes with the
    // same folder imported again.
    const folder = path.join(server.dir, "incoming");
    const masks = path.join(server.dir, "incoming-masks");
    fs.mkdirSync(masks, { recursive: true });
    const values = new Uint8Array(320 * 240).fill(255);
    for (let y = 0; y < 240; y++) values.fill(2, y * 320, y * 320 + 160);
    fs.writeFileSync(path.join(masks, "garden-03.png"), encodeIndexPng(values, 320, 240));
    const img = inStore((s) => s.imagesByName("garden-03.png")[0]);
    const before = inStore((s) => s.mask(img.id));

    await page.keyboard.press("g");
    await page.getByTestId("open-import").click();
    await page.getByTestId("import-paths").fill(folder);
    await page.getByTestId("import-labels").fill(masks);
    await page.getByTestId("import-submit").click();
    // What the mask holds (the left half), not the image's total with its earlier scribbles.
    await page
      .getByTestId("import-masks-result")
      .getByText("1 label mask read (38,400 labeled pixels")
      .waitFor();
    await page.getByTestId("import-result").getByText("3 already in the project (same content)").waitFor();
    await screenshot(page, "10-import-labels");
    await page.keyboard.press("Escape");
    const after = inStore((s) => s.mask(img.id));
    for (const i of [0, 100 * 320 + 159, 239 * 320])
      expect([after.classes[i], after.sources[i]]).toEqual([2, Source.human]);
    // Outside the mask's labeled half, what the image had stays.
    for (const i of [160, 100 * 320 + 300]) expect(after.classes[i]).toBe(before.classes[i]);
    expect(errors, errors.join("\n")).toEqual([]);
  });

  it("shows a 12-bit scan contrast-stretched, in the grid and on the label screen, and says so", async () => {
    // A microscope-like frame: a bright disc (~3000) on a dim field (~400) of 12-bit values in a
    // 16-bit PNG. Divided down to 8 bits it would be near black (0..12).
    const folder = path.join(server.dir, "scans");
    fs.mkdirSync(folder, { recursive: true });
    const [w, h] = [160, 120];
    const values = new Uint16Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        values[y * w + x] =
          ((x - w / 2) ** 2 + (y - h / 2) ** 2 < (h / 4) ** 2 ? 3000 : 400) + ((x + y) % 50);
    fs.writeFileSync(
      path.join(folder, "scan-12bit.png"),
      encodePng({ width: w, height: h, data: values, depth: 16, channels: 1 }),
    );

    await page.getByTestId("open-import").click();
    await page.getByTestId("import-paths").fill(folder);
    await page.getByTestId("import-labels").fill("");
    await page.getByTestId("import-submit").click();
    await page.getByTestId("import-result").getByText("1 imported").waitFor();
    await page.keyboard.press("Escape");
    const id = inStore((s) => s.imagesByName("scan-12bit.png")[0].id);
    await page.getByTestId(`tile-${id}`).locator("img").waitFor();
    // What the person sees in the grid: the disc bright (divided down to 8 bits it would be
    // at most 12 of 255), the field dark. (Page-side code as a string: e2e compiles without DOM types.)
    const img = `document.querySelector('[data-testid="tile-${id}"] img')`;
    // Polled with plain evaluations: waitForFunction's string form runs eval, which the app's CSP refuses.
    await expect.poll(() => page.evaluate(`!!(${img}?.complete && ${img}.naturalWidth > 0)`)).toBe(true);
    const [disc, field] = (await page.evaluate(`(() => {
      const img = ${img};
      const c = document.createElement("canvas");
      [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const at = (x, y) => ctx.getImageData(x, y, 1, 1).data[0];
      return [at(c.width >> 1, c.height >> 1), at(2, 2)];
    })()`)) as [number, number];
    expect(disc).toBeGreaterThan(200);
    expect(field).toBeLessThan(60);

    await page.getByTestId(`tile-${id}`).click();
    await page.getByTestId("canvas").waitFor();
    await page.getByTestId("image-title").getByText("16-bit, contrast-stretched").waitFor();
    await screenshot(page, "11-sixteen-bit");

    const model = inStore((s) => s.latestModelId());
    if (model !== undefined) {
      // Imported after model 1: the import had it predicted with that model in the background,
      // and the open image gets the prediction layer when it is stored.
      const predictedWith = () =>
        inStore((s) => s.db.prepare("SELECT model_id FROM predictions WHERE image_id = ?").all(id));
      await page.getByTestId("layer-prediction").and(page.locator(":not([disabled])")).waitFor();
      expect(predictedWith()).toEqual([{ model_id: model }]);

      // Left without it (as a stopped prediction leaves an image): the accept tool says so and what
      // to do, and the training panel predicts it.
      const store = ProjectStore.open(projectFile);
      store.db.prepare("DELETE FROM predictions WHERE image_id = ?").run(id);
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
      expect(predictedWith()).toEqual([{ model_id: model }]);
      await page.getByTestId("training-state").click(); // focus off the button: keys go to the app again
      await page.keyboard.press("t");
      await page.keyboard.press("b");
    }
    expect(errors, errors.join("\n")).toEqual([]);
    await page.keyboard.press("g");
  });

  it("shows the val IoU of every class after training the demo (which has val labels)", async () => {
    const demo = await serve();
    const fresh = await newPage(browser);
    try {
      await fresh.page.goto(demo.url);
      await fresh.page.getByTestId("open-demo").click();
      await fresh.page.getByTestId("open-training").click();
      const p = fresh.page;
      if (await p.getByTestId("training-unavailable").isVisible()) return;
      await p.getByTestId("training-unit").selectOption("epochs");
      await p.getByTestId("training-amount").fill("1");
      await p.getByTestId("training-network").selectOption("tiny");
      await p.getByTestId("training-size").selectOption("64");
      await p.getByTestId("training-start").click();
      await p.getByTestId("training-state").getByText("done").waitFor({ timeout: 90_000 });
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
      expect(fresh.errors, fresh.errors.join("\n")).toEqual([]);
    } finally {
      await fresh.context.close();
      await demo.stop();
    }
  });

  it("adds a forgotten class while labeling and paints with it; renames and recolors another, its labels kept", async () => {
    await page.goto(`${server.url}#/image/1`);
    await page.getByTestId("canvas").waitFor();

    await page.getByTestId("add-class-label").click();
    await page.getByTestId("class-form-new-name").fill("road");
    await page.keyboard.press("Enter");
    await page.getByTestId("class-3").getByText("road").waitFor();
    // The new class is the one to paint with, on key 4.
    await expect(page.getByTestId("active-class").textContent()).resolves.toBe("road");
    expect(await page.getByTestId("class-3").locator("kbd").textContent()).toBe("4");
    expect(inStore((s) => s.classes().map((c) => c.name))).toEqual(["background", "object", "sky", "road"]);
    await drawStroke(page, [
      [0.05, 0.1],
      [0.25, 0.12],
    ]);
    await expectSaved(page);
    await until(
      () => inStore((s) => s.mask(1).classes.filter((v) => v === 3).length),
      (n) => n > 0,
      "road pixels in the stored mask",
    );

    const objectBefore = inStore((s) => s.mask(1).classes.filter((v) => v === 1).length);
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
    expect(inStore((s) => s.classes()[1])).toMatchObject({ idx: 1, name: "car", color: "#00ccff" });
    expect(inStore((s) => s.mask(1).classes.filter((v) => v === 1).length)).toBe(objectBefore);
    await screenshot(page, "12-class-added");
    // The model trained before "road" cannot be fine-tuned into a four-class one: the training
    // panel turns fine-tuning off and says why, instead of refusing at the start.
    const model = inStore((s) => s.latestModelId());
    if (model !== undefined) {
      await page.keyboard.press("t");
      await page
        .getByTestId("training-finetune-refused")
        .getByText(`model ${model} predicts 3 classes, the project has 4`)
        .waitFor();
      expect(await page.getByTestId("training-finetune").isDisabled()).toBe(true);
      expect(await page.getByTestId("training-finetune").isChecked()).toBe(false);
      await screenshot(page, "12b-finetune-refused");
      await page.keyboard.press("t");
    }
    errors.splice(0); // the refused name was reported as an error response, on purpose
    await page.keyboard.press("g");
  });

  it("opens at the project's images when its address is opened with a project open", async () => {
    const fresh = await newPage(browser);
    try {
      await fresh.page.goto(server.url);
      await fresh.page.getByTestId("grid-count").getByText("4 images").waitFor();
      expect(new URL(fresh.page.url()).hash).toBe("#/browse");
      // The start screen is still where "#/" says.
      await fresh.page.goto(`${server.url}#/`);
      await fresh.page.getByTestId("new-name").waitFor();
    } finally {
      await fresh.context.close();
    }
  });

  it("removes an image from the project after asking, keeps its file, and moves on to the one before", async () => {
    const scan = inStore((s) => s.imagesByName("scan-12bit.png")[0]);
    await page.goto(`${server.url}#/image/${scan.id}`);
    await page.getByTestId("image-title").getByText("scan-12bit.png").waitFor();
    await page.getByTestId("remove-image").click();
    const dialog = page.getByTestId("remove-image-dialog");
    await dialog.getByText("The file stays on disk").waitFor();
    // Cancel keeps it.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(inStore((s) => s.image(scan.id))).toBeDefined();

    await page.getByTestId("remove-image").click();
    await screenshot(page, "13-remove-image");
    await page.getByTestId("remove-image-confirm").click();
    await page.getByTestId("image-title").getByText("garden-03.png").waitFor();
    expect(inStore((s) => s.image(scan.id))).toBeUndefined();
    expect(inStore((s) => s.summary().images)).toBe(3);
    expect(fs.existsSync(path.join(server.dir, "scans", "scan-12bit.png"))).toBe(true);

    // Held out for measuring: moved to val from the same panel; the title follows.
    const g3 = inStore((s) => s.imagesByName("garden-03.png")[0]);
    await page.getByTestId("image-split").selectOption("val");
    await page.getByTestId("image-title").getByText("· val ·").waitFor();
    expect(inStore((s) => s.image(g3.id)?.split)).toBe("val");
    await page.keyboard.press("g");
    await page.getByTestId("grid-count").getByText("3 images").waitFor();
    expect(errors, errors.join("\n")).toEqual([]);
  });

  it("shows the other project's thumbnails after switching projects (not the first one's, cached by id)", async () => {
    // The first project's image 1, as the grid drew it.
    await page.goto(`${server.url}#/browse`);
    const tile = (id: number) => `document.querySelector('[data-testid="tile-${id}"] img')`;
    const centre = (img: string) => `(() => {
      const img = ${img};
      const c = document.createElement("canvas");
      [c.width, c.height] = [img.naturalWidth, img.naturalHeight];
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      return Array.from(ctx.getImageData(c.width >> 1, c.height >> 1, 1, 1).data.slice(0, 3));
    })()`;
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
  });
});

/** Calls the server's API as another front door would (not through the page); it must answer ok. */
async function callServer(method: string, body: unknown = {}): Promise<void> {
  const r = await fetch(`${server.url}api/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(((await r.json()) as { ok: boolean }).ok).toBe(true);
}

/** The demo project in a window of the given size (its own page; the project is opened on the server). */
async function demoPage(b: Browser, size = { width: 1024, height: 640 }) {
  await callServer("project.openDemo");
  const p = await newPage(b, size);
  await p.page.goto(`${server.url}#/browse`);
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

  it("the logo leads to the start screen, whose recent list has the projects opened since the page loaded", async () => {
    const { page: p, context } = await demoPage(browser, { width: 1280, height: 800 });
    try {
      await callServer("project.create", {
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

  it("keeps the grid's sort when coming back from an image; the grid's next-suggestion button says when there is none", async () => {
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

      // The demo's train images all have labels and no model has picked a queue: the button says
      // what to do instead of doing nothing.
      await p.getByTestId("grid-next-suggestion").click();
      await p.getByText("No suggestions: every train image has labels. Train a model (T)").waitFor();
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

  it("keeps the training settings when the panel is opened again; Esc closes it", async () => {
    const { page: p, context } = await demoPage(browser);
    try {
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

  it("clears an export's result when the next one fails; each kind of export has its own folder", async () => {
    const { page: p, context } = await demoPage(browser);
    try {
      await p.getByTestId("open-export").click();
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
