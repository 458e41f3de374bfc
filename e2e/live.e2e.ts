/**
 * The UI open on a project while another process (the CLI, a script) commits to the same file:
 * the server notices and the open page shows the new state without a reload.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ProjectStore } from "../app/store/project-store.ts";
import { importImages } from "../app/images/importer.ts";
import { Source, cloneMask } from "../app/common/mask.ts";
import type { ApiEvent } from "../app/common/api-types.ts";
import {
  callApi,
  differs,
  eventDuring,
  eventsOpen,
  holdFirstEventsSocket,
  firstUrl,
  inStore,
  launch,
  shownAt,
  storeModel,
  storePrediction,
  newPage,
  sampleImages,
  serve,
  type Served,
} from "./harness.ts";

let dir: string;
let projectFile: string;
let server: Served;
let browser: Browser;
let page: Page;

/** A stroke of class 1 over the top `rows` rows, committed as a CLI or script would: its own connection. */
function labelTopRows(imageId: number, rows: number): number {
  const cli = ProjectStore.open(projectFile);
  try {
    const before = cli.mask(imageId);
    const after = cloneMask(before);
    after.classes.fill(1, 0, before.width * rows);
    after.sources.fill(Source.human, 0, before.width * rows);
    cli.commitDiff(imageId, before, after, {
      tool: "brush",
      classIdx: 1,
      width: 1,
      points: [[0, 0]],
      author: "script",
    });
    return before.width * rows;
  } finally {
    cli.close();
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-e2e-live-"));
  projectFile = path.join(dir, "live.pxl");
  const store = ProjectStore.create(projectFile, {
    name: "Live",
    classes: [
      { idx: 0, name: "background", color: "#000000" },
      { idx: 1, name: "object", color: "#ff0000" },
    ],
  });
  await importImages(store, [sampleImages(dir, 3)], { split: "train" });
  store.close();
  server = await serve([projectFile]);
  browser = await launch();
  ({ page } = await newPage(browser));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("another process on the open project", () => {
  it("shows changes another process commits to the project file without a reload", async () => {
    await page.goto(firstUrl(server));
    await page.getByTestId("grid-count").getByText("3 images").waitFor();
    await page.getByTestId("tile-1").click();
    await page.getByTestId("canvas").waitFor();
    await page.getByTestId("queue-progress").getByText("0 of 3 done").waitFor();
    const status = page.getByTestId("statusbar");
    await status.getByText("0 labeled · 0 models").waitFor();
    await eventsOpen(page);

    // Another queued image labeled elsewhere: the round's progress and the counts follow.
    labelTopRows(2, 4);
    await page.getByTestId("queue-progress").getByText("1 of 3 done").waitFor();
    await status.getByText("1 labeled · 0 models").waitFor();

    // The open image labeled elsewhere (nothing unsaved here): its stored labels are shown.
    const px = labelTopRows(1, 3);
    await page
      .getByTestId("labeled-pixels")
      .getByText(`${px.toLocaleString("en-US")} px`)
      .waitFor();
    await page.getByTestId("queue-progress").getByText("2 of 3 done").waitFor();

    // A model stored elsewhere (as `pixelloop train` does): counted at once.
    const cli = ProjectStore.open(projectFile);
    try {
      storeModel(cli, {}, "cli");
    } finally {
      cli.close();
    }
    await status.getByText("2 labeled · 1 model").waitFor();
  });
  it("shows the open image's labels committed elsewhere while its events socket was down", async () => {
    // Live mode off: its preview would paint a prediction over the pixels compared below.
    await callApi(server, "live.set", { enabled: false });
    const { page: p, context } = await newPage(browser);
    const sockets = await holdFirstEventsSocket(p);
    try {
      await p.goto(firstUrl(server, "#/image/3"));
      await p.getByTestId("canvas").waitFor();
      await p.getByTestId("labeled-pixels").getByText("0 px").waitFor();
      await eventsOpen(p); // the first socket, mocked: the page believes it hears every change
      const progress = p.getByTestId("queue-progress");
      const done = Number(/(\d+) of 3 done/.exec((await progress.textContent()) ?? "")?.[1]);
      const centre: [number, number] = [0.5, 0.5];
      const plain = await shownAt(p, centre);
      // The whole image labeled "object" (red) elsewhere; the page's copy of the event goes nowhere.
      // The server has sent it (a socket of the test's own hears it) before the page reconnects.
      const height = inStore(projectFile, (s) => s.image(3)!.height);
      await eventDuring(
        server,
        (e): e is ApiEvent => e.type === "mask.changed" && e.imageId === 3,
        async () => labelTopRows(3, height),
      );
      await sockets[0].close();
      // Reconnected, the page reads the stored labels again: the label layer shows them.
      await expect.poll(async () => differs(await shownAt(p, centre), plain), { timeout: 15_000 }).toBe(true);
      // The round's progress counts the image labeled elsewhere.
      await progress
        .getByText(done === 2 ? "all 3 done: train again (T)" : `${done + 1} of 3 done`)
        .waitFor();
    } finally {
      await context.close();
      await callApi(server, "live.set", { enabled: true });
    }
  });
  it("shows the open image's prediction stored elsewhere while its events socket was down", async () => {
    await callApi(server, "live.set", { enabled: false }); // its preview would be a prediction too
    const { page: p, context } = await newPage(browser);
    const sockets = await holdFirstEventsSocket(p);
    // A fourth image (the first three are in already), imported after any other test's model:
    // it has no prediction of any.
    const store = ProjectStore.open(projectFile);
    try {
      await importImages(store, [sampleImages(dir, 4, "more")], { split: "train" });
    } finally {
      store.close();
    }
    const id = inStore(projectFile, (s) => Math.max(...s.images.ids()));
    try {
      await p.goto(firstUrl(server, `#/image/${id}`));
      await p.getByTestId("canvas").waitFor();
      await p.getByTestId("layer-prediction").and(p.locator("[disabled]")).waitFor();
      await eventsOpen(p); // the first socket, mocked: the page believes it hears every change
      // A model and its prediction of the image stored elsewhere (as `pixelloop predict` does); the
      // page's copy of the event goes nowhere, the server's is heard by the test's own socket.
      await eventDuring(
        server,
        (e): e is ApiEvent => e.type === "predictions.changed",
        async () => {
          const cli = ProjectStore.open(projectFile);
          try {
            storePrediction(cli, id, storeModel(cli, {}, "elsewhere"), 1, () => 0.2);
          } finally {
            cli.close();
          }
        },
      );
      await sockets[0].close();
      // Reconnected, the page reads the image's prediction again: its layer can be shown.
      await p.getByTestId("layer-prediction").and(p.locator(":not([disabled])")).waitFor();
    } finally {
      await context.close();
      await callApi(server, "live.set", { enabled: true });
    }
  });
});
