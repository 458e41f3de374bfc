import { afterAll, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { handleIpcCall } from "./ipc.ts";
import { PixelloopService } from "../app/api/service.ts";

const home = fs.mkdtempSync(path.join(os.tmpdir(), "pxl-ipc-"));
const service = new PixelloopService({
  projectsDir: home,
  recentFile: path.join(home, "recent.json"),
  demoDir: path.join(home, "demo"),
});
const app = { url: "pixelloop://app/index.html", isMainFrame: true };
afterAll(async () => {
  await service.close();
  fs.rmSync(home, { recursive: true, force: true });
});

it("runs valid calls from the app's main frame against the real core", async () => {
  const r = await handleIpcCall(service, app, "project.create", {
    name: "ipc",
    classes: [{ name: "road", color: "#808080" }],
  });
  expect(r.ok).toBe(true);
  const classes = await handleIpcCall(service, app, "classes.list", {});
  expect(classes).toMatchObject({ ok: true, value: [{ idx: 0, name: "road" }] });
});

it("refuses other frames, unknown methods and invalid arguments before touching the core", async () => {
  expect(
    await handleIpcCall(service, { url: "https://evil.example/", isMainFrame: true }, "classes.list", {}),
  ).toMatchObject({ ok: false, status: 403 });
  expect(
    await handleIpcCall(service, { url: app.url, isMainFrame: false }, "classes.list", {}),
  ).toMatchObject({ ok: false, status: 403 });
  expect(await handleIpcCall(service, app, "fs.readFile", {})).toMatchObject({ ok: false, status: 404 });
  expect(await handleIpcCall(service, app, { toString: () => "x" }, {})).toMatchObject({
    ok: false,
    status: 404,
  });
  const bad = await handleIpcCall(service, app, "strokes.commit", {
    imageId: -1,
    tool: "brush",
    classIdx: 0,
    width: 3,
    points: [[0, 0]],
  });
  expect(bad).toMatchObject({ ok: false, status: 400 });
  expect((bad as { message: string }).message).toMatch(/imageId/);
});

it("acts as the name set in the app, checked, else as the OS user", async () => {
  const me = await handleIpcCall(service, app, "people.me", {}, "Zoë");
  expect(me).toEqual({ ok: true, value: { name: "Zoë", fixed: false } });
  const os = await handleIpcCall(service, app, "people.me", {});
  expect(os).toMatchObject({ ok: true, value: { fixed: false } });
  expect((os as { value: { name: string } }).value.name).not.toBe("Zoë");
  for (const bad of ["<b>x</b>", 42, ""])
    expect(await handleIpcCall(service, app, "people.me", {}, bad)).toMatchObject({ ok: false, status: 400 });
});
