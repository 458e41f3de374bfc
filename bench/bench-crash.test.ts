/**
 * The checker of bench:crash on real project files: it must report an acknowledged save that is
 * missing, and pass a project that has every one.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PixelloopService } from "../app/api/service.ts";
import { checkProject, newAcks, readAck } from "./bench-crash.ts";

let dir: string;
let file: string;
let version: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-crash-check-"));
  const service = new PixelloopService({ projectsDir: dir, settingsDir: path.join(dir, "home"), watchMs: 0 });
  const info = (await service.call("project.create", {
    name: "check",
    classes: [
      { name: "a", color: "#000000" },
      { name: "b", color: "#ff0000" },
    ],
  })) as { file: string };
  file = info.file;
  // A copy in the project's folder: the API imports only from the folders the person chose.
  const img = path.join(dir, "garden-01.png");
  fs.copyFileSync(path.join(import.meta.dirname, "../resources/demo/images/garden-01.png"), img);
  await service.call("images.import", { paths: [img] });
  const r = (await service.call("strokes.commit", {
    imageId: 1,
    tool: "brush",
    classIdx: 1,
    width: 8,
    points: [
      [10, 10],
      [60, 40],
    ],
  })) as { version: number };
  version = r.version;
  await service.close();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it("passes a project that has every acknowledged save", () => {
  const acks = newAcks();
  readAck(acks, `ack stroke 1 ${version}`);
  readAck(acks, "ack import garden-01.png");
  expect(checkProject(file, acks)).toEqual({ lost: [], corrupt: [] });
});

it("reports acknowledged saves that are missing: a stroke, a mask version, an image", () => {
  const acks = newAcks();
  readAck(acks, `ack stroke 1 ${version}`);
  readAck(acks, `ack stroke 1 ${version + 1}`);
  readAck(acks, "ack import garden-02.png");
  const v = checkProject(file, acks);
  expect(v.corrupt).toEqual([]);
  expect(v.lost).toEqual([
    `image 1: mask version ${version}, ${version + 1} acknowledged`,
    "image 1: 1 strokes, 2 acknowledged",
    "image garden-02.png: acknowledged as imported, not listed",
  ]);
});

it("reports a file that does not open as corrupt, naming why", () => {
  const bad = path.join(dir, "bad.pxl");
  fs.writeFileSync(bad, "not a database at all, just text");
  const v = checkProject(bad, newAcks());
  expect(v.corrupt).toHaveLength(1);
  expect(v.corrupt[0]).toMatch(/^the project does not open: .*bad\.pxl/);
});
