/**
 * The CLI's side of people (#34): `serve` off loopback needs a token per person, names are
 * checked, `status` shows labels by person and `accept --as` refuses a name that is not one.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../testing/cli.ts";
import { tmpDir } from "../testing/tmp.ts";
import { CLASSES } from "../testing/store-fixture.ts";
import { ProjectStore } from "../store/project-store.ts";
import { applyStrokeInPlace } from "../labels/edit.ts";

const t = tmpDir("pixelloop-cli-people-");
afterAll(() => t.cleanup());

describe("people on the command line", () => {
  it("refuses to serve off loopback without a token per person, and names that are not names", async () => {
    const off = await runCli("serve", "--host", "0.0.0.0", "--port", "0");
    expect(off.code).toBe(2);
    expect(off.stderr).toContain(
      "--host 0.0.0.0: off loopback each person needs an access token of their own; add --person NAME for each",
    );
    const bad = await runCli("serve", "--person", "<img src=x>", "--port", "0");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--person: "<img src=x>" is not a usable name');
    const twice = await runCli(
      "serve",
      "--host",
      "0.0.0.0",
      "--person",
      "ann",
      "--person",
      "Ann",
      "--port",
      "0",
    );
    expect([twice.code, twice.stderr.includes('"Ann" is named twice')]).toEqual([2, true]);
    const as = await runCli("accept", path.join(t.dir, "none.pxl"), "a.png", "--clear", "--as", "x\ny");
    expect(as.code).toBe(2);
    expect(as.stderr).toContain("--as:");
  });

  it("shows labeled pixels by person in status", async () => {
    const file = path.join(t.dir, "p.pxl");
    const store = ProjectStore.create(file, { name: "p", classes: CLASSES });
    const id = store.insertImage({
      absPath: path.join(t.dir, "a.png"),
      sha256: crypto.createHash("sha256").update("a").digest("hex"),
      width: 20,
      height: 10,
      channels: 3,
      bitDepth: 8,
      split: "train",
      thumbnail: { width: 2, height: 1, webp: Buffer.from([1]) },
    });
    for (const [person, y] of [
      ["alice", 2.5],
      ["bob", 6.5],
    ] as const) {
      const mask = store.mask(id);
      const points: [number, number][] = [
        [0.5, y],
        [9.5, y],
      ];
      const r = applyStrokeInPlace(mask, { tool: "brush", classIdx: 1, width: 1, points })!;
      store.commitPatch(id, mask, r.patch, {
        tool: "brush",
        classIdx: 1,
        width: 1,
        points,
        author: person,
        person,
      });
    }
    store.close();
    const r = await runCli("status", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "people:  alice 10 px (10 drawn, 0 accepted), bob 10 px (10 drawn, 0 accepted)",
    );
    expect(fs.existsSync(file)).toBe(true);
  });
});
