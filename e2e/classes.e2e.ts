/**
 * Class lists in the real UI against a real server: a key for every class (past the tenth),
 * shown in the class list and the shortcuts sheet; a classes file loaded in the new-project form
 * and added to an open project; classes deleted, unused and labeled.
 */
import { ProjectStore } from "../app/store/project-store.ts";
import { describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import path from "node:path";
import {
  firstUrl,
  fixtureProject,
  inStore,
  labelRect,
  newPage,
  openProject,
  screenshot,
  type Served,
  withServerAndBrowser,
} from "./harness.ts";

/** A classes file as the file picker hands it over. */
const classesFile = (name: string, body: unknown) => ({
  name,
  mimeType: "application/json",
  buffer: Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
});

let server: Served;
let browser: Browser;
withServerAndBrowser((s, b) => ([server, browser] = [s, b]));

/** Adds classes "extra 3" … to a fixture project (3 classes) up to `count`, as the CLI would. */
function addClasses(file: string, count: number): void {
  const s = ProjectStore.open(file);
  try {
    for (let i = s.classes().length; i < count; i++) s.addClass(`extra ${i}`, "#00aa55");
  } finally {
    s.close();
  }
}

describe("classes", () => {
  it("gives every class a key: Shift+digits past the tenth, then letters, in the list and the sheet", async () => {
    const file = await fixtureProject(server.dir, "keys", { images: 1 });
    addClasses(file, 22);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("canvas").waitFor();
      expect(await page.getByTestId("class-10").locator("kbd").textContent()).toBe("⇧1");
      expect(await page.getByTestId("class-20").locator("kbd").textContent()).toBe("C");
      await page.keyboard.press("Shift+Digit2");
      await expect(page.getByTestId("active-class").textContent()).resolves.toBe("extra 11");
      await page.keyboard.press("c");
      await expect(page.getByTestId("active-class").textContent()).resolves.toBe("extra 20");
      await page.keyboard.press("0");
      await expect(page.getByTestId("active-class").textContent()).resolves.toBe("extra 9");
      await page.getByTestId("class-20").scrollIntoViewIfNeeded();
      await screenshot(page, "classes-keys");
      await page.keyboard.press("?");
      await page.getByTestId("shortcuts").getByText("1 … 9, 0 · ⇧1 … ⇧0 · letters").waitFor();
      await screenshot(page, "classes-keys-sheet");
      expect(inStore(file, (s) => s.classes().length)).toBe(22);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("loads a classes file into the new-project form, naming the file when it is bad", async () => {
    const { page, context, errors } = await newPage(browser);
    try {
      await page.goto(firstUrl(server, "#/"));
      await page.getByTestId("new-name").fill("From file");
      const input = page.getByTestId("load-classes-input");
      await input.setInputFiles(classesFile("broken.json", '{"classes": [ {"index": 0, "name": "road", }'));
      await page.getByText("broken.json: not valid JSON", { exact: false }).waitFor();
      await input.setInputFiles(
        classesFile("colors.json", { classes: [{ index: 0, name: "road", color: "red" }] }),
      );
      await page.getByText("colors.json: classes.0.color: expected a color like #ff8800").waitFor();
      // the form kept its two classes through both refusals
      expect(await page.getByTestId("class-name-1").inputValue()).toBe("object");
      const names = [
        "road",
        "sidewalk",
        "building",
        "wall",
        "fence",
        "pole",
        "light",
        "sign",
        "tree",
        "grass",
        "sky",
        "person",
      ];
      await input.setInputFiles(
        classesFile("streets.json", {
          classes: names.map((name, index) => ({
            index,
            name,
            ...(index === 1 ? { color: "#123456" } : {}),
          })),
        }),
      );
      await page.getByText("Loaded 12 classes from streets.json").waitFor();
      expect(await page.getByTestId("class-name-11").inputValue()).toBe("person");
      expect(await page.getByTestId("class-key-10").textContent()).toBe("⇧1");
      await screenshot(page, "classes-file-new-project");
      await page.getByTestId("create-project").click();
      await page.getByTestId("grid-count").getByText("0 images").waitFor();
      const file = path.join(server.dir, "projects", "from-file.pxl");
      const stored = inStore(file, (s) => s.classes());
      expect(stored.map((c) => c.name)).toEqual(names);
      expect(stored[1].color).toBe("#123456");
      // the two refusals were error responses, on purpose; nothing else
      expect(errors.filter((e) => !/422|400/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("adds a classes file's new classes to an open project, saying what it skipped", async () => {
    const file = await fixtureProject(server.dir, "addfile", { images: 1 });
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("canvas").waitFor();
      await page.getByTestId("add-classes-file-input").setInputFiles(
        classesFile("more.json", {
          classes: [
            { index: 0, name: "Sky", color: "#000001" },
            { index: 1, name: "tree", color: "#00aa00" },
            { index: 2, name: "car" },
          ],
        }),
      );
      await page
        .getByText('more.json: added 2 ("tree", "car"); skipped 1 the project has ("Sky").')
        .waitFor();
      await page.getByTestId("class-4").getByText("car").waitFor();
      await screenshot(page, "classes-file-added");
      const stored = inStore(file, (s) => s.classes());
      expect(stored.map((c) => [c.name, c.color])).toEqual([
        ["background", "#000000"],
        ["object", "#ff0000"],
        ["sky", "#3399ff"],
        ["tree", "#00aa00"],
        ["car", "#4363d8"],
      ]);
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("deletes a class after asking: an unused one outright, a labeled one with its labels cleared", async () => {
    const file = await fixtureProject(server.dir, "delete", { images: 1 });
    const skyPixels = labelRect(file, 1, 2, [0.1, 0.1, 0.3, 0.2]);
    const objectPixels = labelRect(file, 1, 1, [0.5, 0.5, 0.7, 0.7]);
    addClasses(file, 4);
    const { page, context, errors } = await openProject(browser, server, file, "#/image/1");
    try {
      await page.getByTestId("canvas").waitFor();
      await page.getByTestId("class-edit-3").click();
      await screenshot(page, "classes-delete-form");
      await page.getByTestId("class-form-3-delete").click();
      await page
        .getByTestId("delete-class-usage")
        .getByText("It has no labeled pixels.", { exact: false })
        .waitFor();
      await screenshot(page, "classes-delete-confirm");
      await page.getByTestId("delete-class-confirm").click();
      await page.getByText("Deleted the class extra 3.").waitFor();
      await page.getByTestId("class-3").waitFor({ state: "detached" });
      expect(inStore(file, (s) => s.classes().map((c) => c.name))).toEqual(["background", "object", "sky"]);

      // sky has labels: the dialog says how many pixels on how many images it clears
      await page.getByTestId("class-edit-2").click();
      await page.getByTestId("class-form-2-delete").click();
      await page
        .getByTestId("delete-class-usage")
        .getByText(`Its ${skyPixels.toLocaleString("en")} labeled pixels on 1 image will be cleared`, {
          exact: false,
        })
        .waitFor();
      await screenshot(page, "classes-delete-labeled");
      await page.getByTestId("delete-class-confirm").click();
      await page.getByText("Deleted the class sky.").waitFor();
      await page.getByTestId("class-2").waitFor({ state: "detached" });
      // Its labels are unlabeled now; object keeps its pixels and its index; sky's index stays reserved.
      const classes = inStore(file, (s) => s.classes());
      expect(classes.map((c) => [c.idx, c.deleted ?? false])).toEqual([
        [0, false],
        [1, false],
        [2, true],
      ]);
      const counts = inStore(file, (s) => {
        const m = s.mask(1).classes;
        return [1, 2].map((c) => m.reduce((n: number, v: number) => n + (v === c ? 1 : 0), 0));
      });
      expect(counts).toEqual([objectPixels, 0]);
      await page.getByTestId("class-1").waitFor();
      expect(errors, errors.join("\n")).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
