import { afterEach, beforeEach, expect, it } from "vitest";
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import { ProjectStore } from "./project-store.ts";
import { applyStroke } from "../labels/edit.ts";
import { emptyMask } from "../common/mask.ts";
import { tmpDir } from "../testing/tmp.ts";

let t: ReturnType<typeof tmpDir>;
beforeEach(() => (t = tmpDir()));
afterEach(() => t.cleanup());

it("a writer killed with SIGKILL loses no stroke whose write returned, and masks match the strokes", async () => {
  const file = path.join(t.dir, "crash.pxl");
  const store = ProjectStore.create(file, {
    name: "crash",
    classes: [
      { idx: 0, name: "a", color: "#ff0000" },
      { idx: 1, name: "b", color: "#00ff00" },
    ],
  });
  const imageId = store.insertImage({
    absPath: path.join(t.dir, "x.png"),
    sha256: crypto.randomBytes(32).toString("hex"),
    width: 120,
    height: 90,
    channels: 3,
    bitDepth: 8,
    split: "train",
    thumbnail: { width: 1, height: 1, webp: Buffer.from([0]) },
  });
  store.close();

  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "../testing/crash-writer.ts"), file, String(imageId)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const acknowledged: number[] = [];
  let buffered = "";
  await new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", () => resolve());
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() as string;
      for (const l of lines) acknowledged.push(Number(l));
      if (acknowledged.length >= 150 && child.exitCode === null && !child.killed) child.kill("SIGKILL");
    });
  });
  expect(child.signalCode).toBe("SIGKILL");
  expect(acknowledged.length).toBeGreaterThanOrEqual(150);

  const reopened = ProjectStore.open(file);
  const strokes = reopened.strokes(imageId);
  const ids = new Set(strokes.map((s) => s.id));
  for (const id of acknowledged) expect(ids.has(id)).toBe(true);

  // Replaying the stored strokes from an empty mask gives exactly the stored mask.
  let mask = emptyMask(120, 90);
  for (const s of strokes) {
    const tool = s.tool === "eraser" ? "eraser" : "brush";
    mask = applyStroke(mask, { tool, classIdx: s.classIdx, width: s.width, points: s.points })?.mask ?? mask;
  }
  const stored = reopened.mask(imageId);
  expect(Buffer.from(stored.classes).equals(Buffer.from(mask.classes))).toBe(true);
  expect(Buffer.from(stored.sources).equals(Buffer.from(mask.sources))).toBe(true);
  expect(reopened.maskVersion(imageId)).toBe(strokes.length);
  reopened.close();
});
