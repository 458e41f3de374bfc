/**
 * The events socket of browser mode after the server restarted with a new token (issue 32): the
 * reconnect loop asks the API once whether the page's token still works; a 401 ends the session
 * (the page shows its message) and nothing is tried again. While the server is down it keeps
 * trying. Fake sockets, fetch and timers stand in for the browser.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";

class FakeSocket {
  static made: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((m: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  close() {}
}

let answer: "down" | 401 | 200;
const fetches: string[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.made = [];
  fetches.length = 0;
  vi.stubGlobal("WebSocket", FakeSocket);
  vi.stubGlobal("location", { protocol: "http:", host: "127.0.0.1:4780", origin: "http://127.0.0.1:4780" });
  vi.stubGlobal("fetch", async (url: string) => {
    fetches.push(url);
    if (answer === "down") throw new TypeError("Failed to fetch");
    return { status: answer, statusText: "", json: async () => ({ ok: true, result: {} }) };
  });
  vi.resetModules();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

it("keeps reconnecting while the server is down, and stops for good once it refuses the token", async () => {
  const { connectEvents, HttpApi } = await import("./client.ts");
  const session = await import("../state/session.ts");
  const states: string[] = [];
  connectEvents(
    () => undefined,
    (s) => states.push(s),
  );
  expect(FakeSocket.made).toHaveLength(1);
  FakeSocket.made[0].onopen?.();

  // The server stops: the socket closes; each retry finds it down, and tries again.
  answer = "down";
  FakeSocket.made[0].onclose?.();
  await vi.advanceTimersByTimeAsync(250);
  expect(fetches).toHaveLength(1);
  await vi.advanceTimersByTimeAsync(500);
  expect(fetches).toHaveLength(2);
  expect(session.sessionEnded()).toBe(false);

  // Back with another token: the probe gets 401, the session ends, and nothing more is tried.
  answer = 401;
  await vi.advanceTimersByTimeAsync(60_000);
  expect(session.sessionEnded()).toBe(true);
  const tried = fetches.length;
  expect(FakeSocket.made).toHaveLength(1);
  await vi.advanceTimersByTimeAsync(10 * 60_000);
  expect(fetches).toHaveLength(tried);
  expect(FakeSocket.made).toHaveLength(1);

  // A call made afterwards does not reach the server, and says why.
  await expect(new HttpApi().call("app.info", {})).rejects.toThrow("this page's session ended");
  expect(fetches).toHaveLength(tried);
});

it("reconnects at once when the server answers with the page's token", async () => {
  const { connectEvents } = await import("./client.ts");
  connectEvents(
    () => undefined,
    () => undefined,
  );
  answer = 200;
  FakeSocket.made[0].onclose?.();
  await vi.advanceTimersByTimeAsync(250);
  expect(FakeSocket.made).toHaveLength(2);
});
