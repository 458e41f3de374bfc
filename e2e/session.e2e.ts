/**
 * A tab whose token went stale (issue 32): the server it was opened from is stopped and another
 * starts on the same port with a new token (what a restart of `pixelloop serve` does). The open
 * page says, once and calmly, that its session ended and what to open (that it then stops
 * reconnecting is tested in renderer/api/client.test.ts); reloading it shows the same message,
 * from the server.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { firstUrl, launch, newPage, screenshot, serve, type Served } from "./harness.ts";

let browser: Browser;
let second: Served | undefined;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await second?.stop();
});

it("shows a full-page message when the server restarted with a new token, without a toast per failed call", async () => {
  const first = await serve();
  const port = new URL(first.url).port;
  const { page, context } = await newPage(browser);
  try {
    await page.goto(firstUrl(first, "#/"));
    await page.getByTestId("new-name").waitFor();
    await first.stop();
    second = await serve(["--port", port]);
    expect(second.token).not.toBe(first.token);
    const message = page.getByTestId("session-ended-message");
    await message.waitFor();
    expect(await message.textContent()).toBe(
      `This page's session ended: the server was restarted. Open the address it printed: http://127.0.0.1:${port}/?token=…`,
    );
    await screenshot(page, "session-ended");
    // The page's screens are gone and no error toast was shown for the failed calls.
    expect(await page.getByTestId("new-name").count()).toBe(0);
    expect(await page.getByTestId("toast-error").count()).toBe(0);
    // Reloaded, the page is the server's own message (no script needed).
    await page.reload();
    await page.getByTestId("session-ended-message").waitFor();
    expect(await page.getByTestId("session-ended-message").textContent()).toBe(
      `This page's session ended: the server was restarted. Open the address it printed: http://127.0.0.1:${port}/?token=…`,
    );
    // The address printed opens the app again in the same tab.
    await page.goto(firstUrl(second, "#/"));
    await page.getByTestId("new-name").waitFor();
  } finally {
    await context.close();
  }
});
