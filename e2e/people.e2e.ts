/**
 * Two people on one image (#34), each in a browser of their own: their strokes are theirs, and
 * Ctrl+Z in one undoes that person's last change only, even though the other drew since; both
 * tabs show the result live. The first-run prompt names the person, checking the name.
 */
import { describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  callApi,
  drawStroke,
  differs,
  shownAt,
  eventsOpen,
  expectSaved,
  firstUrl,
  fixtureProject,
  inStore,
  newPage,
  until,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

/** Waits until the page's "Labeled" line says what the project file holds for the image. */
async function showsStoredCount(page: Page, file: string): Promise<void> {
  const stored = inStore(file, (s) => s.image(1)!.labeledPixels);
  await page
    .getByTestId("labeled-pixels")
    .getByText(`${stored.toLocaleString("en-US")} px`)
    .waitFor();
}

const CAR: [number, number][] = [
  [0.3, 0.35],
  [0.7, 0.35],
];
const TREE: [number, number][] = [
  [0.3, 0.65],
  [0.7, 0.65],
];

describe("two people on one image", () => {
  it("undoes only the acting person's stroke: tab 1's car goes, tab 2's later tree stays, in both tabs", async () => {
    const file = await fixtureProject(server.dir, "people");
    await callApi(server, "project.open", { file });
    // Live mode off: its preview would paint a prediction over the pixels compared below.
    await callApi(server, "live.set", { enabled: false });
    // Tab 1: a browser with no name yet asks for one, and checks it.
    const one = await newPage(browser, undefined, { person: null });
    const two = await newPage(browser, undefined, { person: "bob" });
    try {
      await one.page.goto(firstUrl(server, "#/image/1"));
      await one.page.getByTestId("person-name").fill("<b>alice</b>");
      await one.page.getByTestId("person-save").click();
      await one.page.getByTestId("person-error").getByText("a name starts with a letter or digit").waitFor();
      await one.page.getByTestId("person-name").fill("alice");
      await one.page.getByTestId("person-save").click();
      await one.page.getByTestId("person").getByText("alice").waitFor();
      await two.page.goto(firstUrl(server, "#/image/1"));
      await two.page.getByTestId("person").getByText("bob").waitFor();
      for (const p of [one.page, two.page]) {
        await p.getByTestId("canvas").waitFor();
        await eventsOpen(p); // each tab hears the other's strokes from here on
      }
      await showsStoredCount(one.page, file);
      const plain = { car: await shownAt(one.page, CAR[0]), tree: await shownAt(one.page, TREE[0]) };

      // Tab 1 paints a car ("object"); tab 2 sees it, then paints a tree ("sky") later.
      await one.page.keyboard.press("2");
      await drawStroke(one.page, CAR);
      await expectSaved(one.page);
      await showsStoredCount(two.page, file);
      await two.page.keyboard.press("3");
      await drawStroke(two.page, TREE);
      await expectSaved(two.page);
      await showsStoredCount(one.page, file);
      expect(inStore(file, (s) => s.strokes(1).map((r) => [r.person, r.classIdx]))).toEqual([
        ["alice", 1],
        ["bob", 2],
      ]);
      for (const p of [one.page, two.page]) {
        expect(differs(await shownAt(p, CAR[0]), plain.car)).toBe(true);
        expect(differs(await shownAt(p, TREE[0]), plain.tree)).toBe(true);
      }

      // Ctrl+Z in tab 1: alice's car is undone, bob's later tree stays.
      await one.page.getByTestId("canvas").focus();
      await one.page.keyboard.press("Control+z");
      await until(
        () => inStore(file, (s) => s.strokes(1).map((r) => r.undone)),
        (u) => u[0] && !u[1],
        "alice's stroke undone, bob's live",
      );
      const mask = inStore(file, (s) => s.mask(1));
      expect(mask.classes.includes(1)).toBe(false); // no car
      expect(mask.classes.includes(2)).toBe(true); // the tree
      // Both tabs show it, live.
      for (const p of [one.page, two.page]) {
        await showsStoredCount(p, file);
        expect(differs(await shownAt(p, CAR[0]), plain.car)).toBe(false);
        expect(differs(await shownAt(p, TREE[0]), plain.tree)).toBe(true);
      }
      // The status bar counts labels by person: only bob's remain.
      await one.page
        .getByTestId("statusbar-people")
        .getByText(/^bob [\d.]+k? px$/)
        .waitFor();

      // Another tab of alice's browser is alice too and shares her undo: its redo brings the car back.
      const again = await one.context.newPage();
      await again.goto(firstUrl(server, "#/image/1"));
      await again.getByTestId("person").getByText("alice").waitFor();
      await again.getByTestId("canvas").focus();
      await again.keyboard.press("Control+Shift+z");
      await until(
        () => inStore(file, (s) => s.strokes(1).map((r) => r.undone)),
        (u) => !u[0] && !u[1],
        "alice's stroke redone",
      );
      for (const p of [one.page, two.page, again]) {
        await showsStoredCount(p, file);
        expect(differs(await shownAt(p, CAR[0]), plain.car)).toBe(true);
      }
      await again.close();

      // The name is kept in the browser: a reload asks no more.
      await one.page.reload();
      await one.page.getByTestId("person").getByText("alice").waitFor();
      expect(await one.page.getByTestId("person-form").count()).toBe(0);
      expect([...one.errors, ...two.errors]).toEqual([]);
    } finally {
      await one.context.close();
      await two.context.close();
    }
  });
});
