/**
 * Class lists in the real UI against a real server: a key for every class (past the tenth),
 * shown in the class list and the shortcuts sheet; a classes file loaded in the new-project form
 * and added to an open project; an unused class deleted.
 */
import { ProjectStore } from "../app/store/project-store.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { fixtureProject, inStore, launch, openProject, screenshot, serve, type Served } from "./harness.ts";

let server: Served;
let browser: Browser;

beforeAll(async () => {
  server = await serve();
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

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
});
