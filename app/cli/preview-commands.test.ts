/**
 * The live preview classifier from the CLI: `train --preview` stores it and its predictions
 * (apart from the networks'), `predict --preview` predicts image files with it, `export model`
 * says what it writes (`--preview`: the forest as JSON that reads back), and a project without
 * one is told what to run.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeIndexPng, encodeRgbPng, readIndexPng } from "../exchange/index-png.ts";
import { syntheticSample } from "../ml/testing/synthetic.ts";
import { modelFromJson } from "../ml/method/pixel-classifier/model.ts";
import { ProjectStore } from "../store/project-store.ts";
import { cliOrThrow, runCli } from "../testing/cli.ts";
import { withRawDb } from "../testing/raw-db.ts";

const cli = cliOrThrow;

describe("train / predict / export with --preview", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-preview-cli-"));
  const project = path.join(dir, "p.pxl");
  const W = 48;
  const H = 40;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    for (const sub of ["train", "labels", "new"]) fs.mkdirSync(path.join(dir, sub));
    for (let seed = 0; seed < 4; seed++) {
      const s = syntheticSample(W, H, seed, true);
      const folder = seed === 3 ? "new" : "train";
      fs.writeFileSync(path.join(dir, folder, `img${seed}.png`), encodeRgbPng(s.pixels, W, H, 3));
      if (folder === "train")
        fs.writeFileSync(
          path.join(dir, "labels", `img${seed}.png`),
          encodeIndexPng(s.labels as Uint8Array, W, H),
        );
    }
  });

  it("trains and stores the preview, predicts with it, exports it as JSON", async () => {
    await cli("init", project, "--classes", "red,blue,green");
    await cli("import", project, path.join(dir, "train"), "--labels", path.join(dir, "labels"));

    // Nothing stored yet: predict --preview says what to run.
    const none = await runCli("predict", project, "--preview");
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("train --preview");

    const t = await cli("train", project, "--preview", "--json");
    const trained = JSON.parse(t.stdout) as {
      preview: boolean;
      predicted: number;
      metrics: { perClass: number[] };
    };
    expect(trained).toMatchObject({ preview: true, predicted: 3 });
    expect(trained.metrics.perClass.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    const store = ProjectStore.open(project, { readonly: true });
    try {
      expect(store.preview.count()).toBe(3);
      expect(store.predictions.count()).toBe(0);
      expect(store.models.count()).toBe(0); // not a network model
    } finally {
      store.close();
    }

    // Image files: one class-index PNG each.
    const outDir = path.join(dir, "masks");
    const p = await cli("predict", project, "--preview", "--images", path.join(dir, "new"), "--out", outDir);
    expect(p.stdout).toContain("preview classifier: wrote 1 masks");
    const mask = readIndexPng(path.join(outDir, "img3.png"));
    expect([mask.width, mask.height]).toEqual([W, H]);
    expect(Math.max(...mask.values)).toBeLessThan(3);

    // Export: without a network, `export model` says there is none; --preview writes the forest.
    const net = await runCli("export", "model", project, "--out", path.join(dir, "net"));
    expect(net.code).toBe(1);
    const e = await cli("export", "model", project, "--out", path.join(dir, "forest"), "--preview");
    expect(e.stdout).toContain("not a TF.js model");
    const json = JSON.parse(fs.readFileSync(path.join(dir, "forest", "pixel-classifier.json"), "utf8"));
    expect(json.classes.map((c: { name: string }) => c.name)).toEqual(["red", "blue", "green"]);
    expect(modelFromJson(json).forest.numClasses).toBe(3);
  }, 120_000);

  it("reads a project of format 8 (no preview tables) read-only as having no preview", async () => {
    const old = path.join(dir, "old.pxl");
    await cli("init", old, "--classes", "red,blue");
    const raw = ProjectStore.open(old);
    withRawDb(raw, (db) => db.exec("DROP TABLE preview_predictions; DROP TABLE preview_classifier"));
    withRawDb(raw, (db) => db.pragma("user_version = 8"));
    raw.close();
    const e = await runCli("export", "model", old, "--out", path.join(dir, "old-forest"), "--preview");
    expect(e.code).toBe(1);
    expect(e.stderr).toContain("no preview classifier yet");
  });
});
