import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeIndexPng, encodeRgbPng, readIndexPng } from "../exchange/index-png.ts";
import { syntheticSample } from "../ml/testing/synthetic.ts";
import { cliOrThrow } from "../testing/cli.ts";

/** `pixelloop ...args` in this process; rejects (with code, stdout, stderr) when it exits non-zero. */
const cli = cliOrThrow;

describe("train / predict / eval through the CLI", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-ml-cli-"));
  const project = path.join(dir, "p.pxl");
  const W = 48;
  const H = 40;

  beforeAll(() => {
    for (const sub of ["train", "labels", "val", "valgt"]) fs.mkdirSync(path.join(dir, sub));
    for (let seed = 0; seed < 5; seed++) {
      const s = syntheticSample(W, H, seed, true);
      const split = seed === 4 ? "val" : "train";
      fs.writeFileSync(path.join(dir, split, `img${seed}.png`), encodeRgbPng(s.pixels, W, H, 3));
      if (split === "val")
        fs.writeFileSync(path.join(dir, "valgt", `img${seed}.png`), encodeIndexPng(s.gt, W, H));
      else if (seed !== 3)
        fs.writeFileSync(
          path.join(dir, "labels", `img${seed}.png`),
          encodeIndexPng(s.labels as Uint8Array, W, H),
        ); // img3: no labels
    }
  });

  it("trains, stores the model and run, predicts files and project images, evaluates", async () => {
    await cli("init", project, "--classes", "red,blue,green");
    await cli("import", project, path.join(dir, "train"), "--labels", path.join(dir, "labels"));
    await cli(
      "import",
      project,
      path.join(dir, "val"),
      "--labels",
      path.join(dir, "valgt"),
      "--split",
      "val",
    );

    const t = await cli(
      "train",
      project,
      "--epochs",
      "2",
      "--widths",
      "8,16",
      "--size",
      "32",
      "--batch",
      "2",
      "--backend",
      "wasm",
      "--semi-supervised",
      "--pixl",
      "--crf",
      "--json",
    );
    const trained = JSON.parse(t.stdout) as {
      modelId: number;
      status: string;
      steps: number;
      backend: string;
      validation: { score: number } | null;
      losses: Record<string, number>;
    };
    expect(trained).toMatchObject({ modelId: 1, status: "done", steps: 4, backend: "wasm" });
    // Then, as in the app, every image predicted with the new model and the next queue picked.
    expect(trained).toMatchObject({ prediction: { predicted: 5, suggested: 4 }, fineTunedFrom: null });
    expect(trained.validation?.score).toBeGreaterThanOrEqual(0);
    expect(Object.keys(trained.losses).sort()).toEqual(["ce", "crf", "fixmatch", "pixl", "total"]);
    expect(t.stderr).toMatch(/tensor backend: wasm/);
    expect(t.stderr).toMatch(/\[ok\] +wasm/);
    // Which terms the run uses: the flags turned the three off by default on.
    expect(t.stderr).toMatch(
      /method: partial cross-entropy, semi-supervised pseudo-labels \(FixMatch\), PiXL alignment, superpixel propagation, pixel-classifier labels, CRF regularizer; off: self-training rounds\n/,
    );
    // Labels from the pixel classifier (on by default) are said before the first step waits on them.
    expect(t.stderr).toMatch(/before the first step: the pixel classifier learns the strokes/);
    // The working resolution and why (small images: native, nothing to measure).
    expect(t.stderr).toMatch(/Working resolution 1x \(native\): median short side \d+ px/);
    expect((JSON.parse(t.stdout) as { workingScale: unknown }).workingScale).toMatchObject({
      scale: 1,
      source: "auto",
    });

    const db = new Database(project, { readonly: true });
    const model = db.prepare("SELECT * FROM models").get() as {
      backend: string;
      weights: Buffer;
      label_snapshot: string;
      metrics: string;
      architecture: string;
    };
    expect(model.backend).toBe("wasm");
    expect(model.weights.subarray(0, 4).toString()).toBe("PXLW");
    const snapshot = JSON.parse(model.label_snapshot) as {
      images: { id: number; version: number; labeledPixels: number }[];
      labeledPixels: number;
    };
    expect(snapshot.images).toHaveLength(5);
    expect(snapshot.images.filter((i) => i.labeledPixels > 0)).toHaveLength(4);
    expect(snapshot.labeledPixels).toBeGreaterThan(0);
    expect(JSON.parse(model.metrics).validation.miou).toBeGreaterThanOrEqual(0);
    const runRow = db.prepare("SELECT * FROM training_runs").get() as {
      model_id: number;
      status: string;
      finished_at: string;
      checkpoint: Buffer;
      log: string;
    };
    expect(runRow).toMatchObject({ model_id: 1, status: "done" });
    expect(runRow.checkpoint.length).toBe(model.weights.length);
    expect((JSON.parse(runRow.log) as object[]).length).toBeGreaterThan(1);
    db.close();

    // Files: same name, same size, class indices; entropy maps beside them.
    const out = path.join(dir, "out");
    await cli("predict", project, "--images", path.join(dir, "val"), "--out", out, "--uncertainty");
    expect(fs.readdirSync(out).sort()).toEqual(["img4.entropy.png", "img4.margin.png", "img4.png"]);
    const mask = readIndexPng(path.join(out, "img4.png"));
    expect([mask.width, mask.height]).toEqual([W, H]);
    expect(Math.max(...mask.values)).toBeLessThan(3);

    // Project images: stored predictions, status 'predicted' only where there are no labels.
    const p = await cli("predict", project, "--json");
    expect(JSON.parse(p.stdout)).toMatchObject({ modelId: 1, predicted: 5 });
    const db2 = new Database(project, { readonly: true });
    const preds = db2
      .prepare("SELECT image_id, score, class_rle, entropy, embedding FROM predictions ORDER BY image_id")
      .all() as { score: number; class_rle: Buffer; entropy: Buffer; embedding: Buffer }[];
    expect(preds).toHaveLength(5);
    expect(
      preds.every((r) => r.score >= 0 && r.score <= 1 && r.class_rle.length > 0 && r.entropy.length > 0),
    ).toBe(true);
    // Each prediction carries the network's image embedding: a unit vector of float32 values.
    for (const r of preds) {
      let norm = 0;
      for (let i = 0; i < r.embedding.length; i += 4) norm += r.embedding.readFloatLE(i) ** 2;
      expect(r.embedding.length).toBeGreaterThan(0);
      expect(norm).toBeCloseTo(1, 4);
    }
    const statuses = db2.prepare("SELECT name, status FROM images ORDER BY name").all() as {
      name: string;
      status: string;
    }[];
    // img3 is in the queue train picked after predicting with its model.
    expect(statuses.map((s) => s.status)).toEqual(["labeled", "labeled", "labeled", "suggested", "labeled"]);
    db2.close();

    const e = await cli(
      "eval",
      project,
      "--images",
      path.join(dir, "val"),
      "--gt",
      path.join(dir, "valgt"),
      "--json",
    );
    const metrics = JSON.parse(e.stdout) as {
      miou: number;
      pixelAccuracy: number;
      perClassIou: (number | null)[];
    };
    expect(metrics.perClassIou).toHaveLength(3);
    expect(metrics.miou).toBeGreaterThanOrEqual(0);
    expect(metrics.pixelAccuracy).toBeGreaterThanOrEqual(0);
    const text = await cli(
      "eval",
      project,
      "--images",
      path.join(dir, "val"),
      "--gt",
      path.join(dir, "valgt"),
    );
    expect(text.stdout).toMatch(/mean IoU/);

    // The loop: suggestions as documented JSON (never val images), accept turns a prediction
    // into labels, rounds lists the model's round.
    const sg = await cli("suggest", project, "--n", "2", "--no-coverage", "--diverse-regions", "--json");
    const suggestions = (
      JSON.parse(sg.stdout) as {
        suggestions: { image: string; score: number; regions: Record<string, number>[] }[];
      }
    ).suggestions;
    expect(suggestions).toHaveLength(2);
    expect(suggestions.every((s) => s.image !== "img4.png" && s.score >= 0)).toBe(true);
    expect(Object.keys(suggestions[0].regions[0]).sort()).toEqual([
      "height",
      "id",
      "score",
      "width",
      "x",
      "y",
    ]);
    const spread = JSON.parse(
      (await cli("suggest", project, "--n", "2", "--spread-classes", "--embeddings", "--json")).stdout,
    ) as {
      suggestions: { image: string; regions: unknown[] }[];
    };
    expect(spread.suggestions.map((s) => s.regions.length)).toEqual([3, 3]); // as many questions per image
    // Scored by margin (top-1 minus top-2, stored with every prediction) instead of entropy.
    const byMargin = JSON.parse(
      (await cli("suggest", project, "--n", "2", "--measure", "margin", "--json")).stdout,
    ) as { suggestions: { image: string; score: number }[] };
    expect(byMargin.suggestions).toHaveLength(2);
    expect(byMargin.suggestions.every((s) => s.image !== "img4.png" && s.score >= 0 && s.score <= 1)).toBe(
      true,
    );
    // Predictions made before margins were stored: scoring by margin says to predict again.
    const older = path.join(dir, "older.pxl");
    fs.copyFileSync(project, older);
    const olderDb = new Database(older);
    olderDb.prepare("UPDATE predictions SET margin = NULL").run();
    olderDb.close();
    const refused = await cli("suggest", older, "--measure", "margin").then(
      () => "",
      (err: { stderr: string }) => err.stderr,
    );
    expect(refused).toMatch(/img\d\.png was predicted before margins were stored; predict again/);
    // Predictions carry the embedding grid that --typical clusters: it names real images, not val ones.
    const gridDb = new Database(project, { readonly: true });
    const grids = gridDb
      .prepare("SELECT COUNT(*) AS n FROM predictions WHERE embedding_grid IS NOT NULL")
      .get() as { n: number };
    gridDb.close();
    expect(grids.n).toBeGreaterThan(0);
    const typical = JSON.parse((await cli("suggest", project, "--n", "2", "--typical", "--json")).stdout) as {
      suggestions: { image: string; regions: { width: number }[] }[];
    };
    expect(typical.suggestions.length).toBeGreaterThan(0);
    expect(typical.suggestions.every((s) => s.image !== "img4.png" && s.regions.length > 0)).toBe(true);
    // --random-regions: the same images as the queue above, with their regions drawn at random.
    const randomRegions = JSON.parse(
      (await cli("suggest", project, "--n", "2", "--no-coverage", "--random-regions", "--json")).stdout,
    ) as { suggestions: { image: string; regions: { x: number; y: number }[] }[] };
    expect(randomRegions.suggestions.map((s) => s.image)).toEqual(suggestions.map((s) => s.image));
    expect(randomRegions.suggestions.map((s) => s.regions.length)).toEqual([3, 3]);
    const acc = await cli("accept", project, "img3.png", "--min-confidence", "0", "--json");
    expect(JSON.parse(acc.stdout)).toMatchObject({ image: "img3.png", acceptedPixels: W * H, modelId: 1 });
    const cleared = await cli("accept", project, "img3.png", "--clear", "--json");
    expect(JSON.parse(cleared.stdout)).toEqual({ image: "img3.png", clearedPixels: W * H });
    await cli("accept", project, "img3.png", "--min-confidence", "0"); // back, for the rounds below
    // status: the round's queue (the last one picked) and how much of it was worked on since.
    const st = JSON.parse((await cli("status", project, "--json")).stdout) as { queue: unknown };
    // The queue was picked at the app's length (every image that can be suggested, img3 among
    // them), though --n printed two.
    expect(st.queue).toEqual({ images: 4, worked: 1 });
    expect((await cli("status", project)).stdout).toContain(
      `round:   1 of 4 suggested images worked on since the queue was picked`,
    );
    const bad = await cli("accept", project, "nope.png", "--min-confidence", "0").catch(
      (err: unknown) => err,
    );
    expect(String((bad as { stderr: string }).stderr)).toMatch(
      /no image named, numbered or imported from "nope.png"/,
    );
    const rounds = JSON.parse((await cli("rounds", project, "--json")).stdout) as {
      rounds: { modelId: number; labeledPixels: number }[];
      classIou: { modelId: number; classes: { name: string; iou: number | null }[] };
    };
    expect(rounds.rounds.map((r) => r.modelId)).toEqual([1]);
    // Val IoU per class of the model: one entry per class, in the project's order.
    expect(rounds.classIou.modelId).toBe(1);
    expect(rounds.classIou.classes.map((c) => c.name)).toEqual(["red", "blue", "green"]);
    for (const c of rounds.classIou.classes) if (c.iou !== null) expect(c.iou >= 0 && c.iou <= 1).toBe(true);
    // The table says what its val mIoU is: the checkpoint the same val images chose.
    const table = (await cli("rounds", project)).stdout.split("\n");
    expect(table[0]).toMatch(/^round +model +labeled px .* val mIoU$/);
    expect(table[1]).toMatch(/^ +1 +1 .* 0\.\d{3}$/);
    expect(table[2]).toMatch(/^labeled px, drawn, accepted, images: labels of the train images/);
    expect(table[3]).toMatch(/^val mIoU: at the best of training's checks on the val images/);
    expect(table[4]).toMatch(/^val IoU per class, model 1: red [\d.-]+ · blue [\d.-]+ · green [\d.-]+/);
    // Labels by person: imported from mask files here, by no one.
    expect(table[5]).toMatch(/^round 1 by person: \(imported\) [\d,]+ px$/);

    // A file that went missing or got damaged: named with the reason, the others still predicted.
    fs.renameSync(path.join(dir, "train", "img2.png"), path.join(dir, "img2-moved.png"));
    const partial = await cli("predict", project, "--json").catch((e: unknown) => e);
    expect(partial).toMatchObject({ code: 1 });
    const pr = JSON.parse((partial as { stdout: string }).stdout) as {
      predicted: number;
      skipped: { file: string; reason: string }[];
    };
    expect(pr.predicted).toBe(4);
    expect(pr.skipped).toHaveLength(1);
    expect(pr.skipped[0].file).toMatch(/img2\.png$/);
    expect(pr.skipped[0].reason).toBe("the file is missing (moved or deleted?)");
    const folder = path.join(dir, "mixed");
    fs.mkdirSync(folder);
    fs.copyFileSync(path.join(dir, "val", "img4.png"), path.join(folder, "good.png"));
    fs.writeFileSync(path.join(folder, "broken.png"), "not a png");
    const files = await cli(
      "predict",
      project,
      "--images",
      folder,
      "--out",
      path.join(dir, "mixed-out"),
    ).catch((e: unknown) => e);
    expect(files).toMatchObject({ code: 1, stderr: expect.stringMatching(/broken\.png: cannot read image/) });
    expect(fs.readdirSync(path.join(dir, "mixed-out"))).toEqual(["good.png"]);
  }, 180_000); // train now predicts too, on a machine that may be busy

  it("a class added after training: labels keep theirs, old models stay honest, training from scratch learns it", async () => {
    fs.renameSync(path.join(dir, "img2-moved.png"), path.join(dir, "train", "img2.png")); // moved above
    const before = readIndexPng(path.join(dir, "labels", "img0.png")).values;
    const added = JSON.parse((await cli("classes", project, "add", "yellow", "--json")).stdout) as {
      classes: { idx: number; name: string; color: string; shortcut: string }[];
    };
    expect(added.classes.map((c) => [c.idx, c.name, c.shortcut])).toEqual([
      [0, "red", "1"],
      [1, "blue", "2"],
      [2, "green", "3"],
      [3, "yellow", "4"],
    ]);
    await cli("classes", project, "rename", "blue", "sea");
    const exported = path.join(dir, "labels-after");
    await cli("export", "masks", project, "--out", exported, "--source", "human");
    expect(readIndexPng(path.join(exported, "img0.png")).values).toEqual(before);

    // Model 1 predicts three classes: its export says which three, by their names now.
    await cli("export", "model", project, "--out", path.join(dir, "model1"));
    const meta = JSON.parse(fs.readFileSync(path.join(dir, "model1", "metadata.json"), "utf8")) as {
      classes: { name: string }[];
      output: { classes: number };
    };
    expect(meta.classes.map((c) => c.name)).toEqual(["red", "sea", "green"]);
    expect(meta.output.classes).toBe(3);
    await expect(cli("predict", project)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/model 1 predicts 3 classes, the project has 4; train again/),
    });
    const tiny = ["--epochs", "1", "--widths", "8,16", "--size", "32", "--batch", "2", "--backend", "wasm"];
    await expect(cli("train", project, "--fine-tune", ...tiny)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/predicts 3 classes, the project has 4; train from scratch/),
    });
    const scratch = JSON.parse((await cli("train", project, ...tiny, "--json")).stdout) as {
      modelId: number;
    };
    const p = JSON.parse((await cli("predict", project, "--json")).stdout) as {
      modelId: number;
      predicted: number;
    };
    expect(p).toMatchObject({ modelId: scratch.modelId, predicted: 5 });
    const classIou = JSON.parse((await cli("rounds", project, "--json")).stdout).classIou as {
      classes: { name: string }[];
    };
    expect(classIou.classes.map((c) => c.name)).toEqual(["red", "sea", "green", "yellow"]);
  });

  it("predict --out never replaces an image, and names inputs that share a stem apart", async () => {
    const failed = (e: unknown) => e as { code: number; stderr: string };
    // Into the folder of its input images: refused before anything is predicted or written.
    const folder = path.join(dir, "in-place");
    fs.mkdirSync(folder);
    fs.copyFileSync(path.join(dir, "val", "img4.png"), path.join(folder, "a.png"));
    const original = fs.readFileSync(path.join(folder, "a.png"));
    const inPlace = failed(
      await cli("predict", project, "--images", folder, "--out", folder).catch((e) => e),
    );
    expect(inPlace.code).toBe(1);
    expect(inPlace.stderr).toBe(
      `pixelloop: ${path.join(folder, "a.png")}: is one of the input images (--images); writing there would overwrite it: choose another output folder\n`,
    );
    expect(fs.readdirSync(folder)).toEqual(["a.png"]);
    expect(fs.readFileSync(path.join(folder, "a.png")).equals(original)).toBe(true);
    // Into the folder of the project's images: the project's own masks, or other images of those names.
    const train = path.join(dir, "train");
    const trainBefore = fs.readdirSync(train);
    const namesake = path.join(dir, "namesake");
    fs.mkdirSync(namesake);
    fs.copyFileSync(path.join(dir, "val", "img4.png"), path.join(namesake, "img1.png"));
    for (const args of [
      ["--out", train],
      ["--images", namesake, "--out", train, "--uncertainty"],
    ]) {
      const r = failed(await cli("predict", project, ...args).catch((e) => e));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/train[/\\]img\d\.png: is an image of the project .*p\.pxl; writing there/);
    }
    expect(fs.readdirSync(train)).toEqual(trainBefore);

    // Inputs sharing a stem (a.jpg, a.png; b.JPG, b.jpg) each get their own mask and maps.
    const shared = path.join(dir, "shared");
    fs.mkdirSync(shared);
    const src = path.join(dir, "val", "img4.png");
    fs.copyFileSync(src, path.join(shared, "a.png"));
    fs.copyFileSync(src, path.join(shared, "c.png"));
    for (const n of ["a.jpg", "b.JPG", "b.jpg"]) await sharp(src).jpeg().toFile(path.join(shared, n));
    const out = path.join(dir, "shared-out");
    const r = await cli("predict", project, "--images", shared, "--out", out, "--uncertainty", "--json");
    const summary = JSON.parse(r.stdout) as { written: number; renamed: { mask: string }[] };
    expect(summary.written).toBe(5);
    expect(summary.renamed.map((x) => x.mask)).toEqual([
      "a.jpg.png",
      "a.png.png",
      "b.JPG.png",
      "b.jpg-2.png",
    ]);
    const masks = ["a.jpg", "a.png", "b.JPG", "b.jpg-2", "c"]; // names differing in case only: one file on macOS
    expect(fs.readdirSync(out).sort()).toEqual(
      masks.flatMap((m) => [`${m}.entropy.png`, `${m}.margin.png`, `${m}.png`]).sort(),
    );
    const text = await cli("predict", project, "--images", shared, "--out", out);
    expect(text.stdout).toMatch(
      /: wrote 5 masks to .*shared-out; 4 share a name stem with another input, so their masks are named apart \(a\.jpg -> a\.jpg\.png\)/,
    );
    // The project's images, predicted into a folder: as many masks as images, the count said.
    const projectOut = JSON.parse(
      (await cli("predict", project, "--out", path.join(dir, "p-out"), "--json")).stdout,
    );
    expect(projectOut).toMatchObject({ predicted: 5, written: 5, renamed: [] });
  });

  it("the loop: train predicts and picks the queue, suggest reads it without replacing it, accept says what it did", async () => {
    const p = path.join(dir, "loop.pxl");
    const failed = (e: unknown) => e as { code: number; stdout: string; stderr: string };
    await cli("init", p, "--classes", "red,blue,green");
    await cli("import", p, path.join(dir, "train"), "--labels", path.join(dir, "labels"));
    await cli("import", p, path.join(dir, "val"), "--split", "val");
    const tiny = ["--steps", "2", "--widths", "8,16", "--size", "32", "--batch", "2", "--backend", "wasm"];
    const queue = async () =>
      (JSON.parse((await cli("status", p, "--json")).stdout) as { queue: unknown }).queue;

    // train: the model predicts the project's images and picks the next queue, as the app's training does.
    const t1 = await cli("train", p, ...tiny);
    expect(t1.stdout).toMatch(
      /^predicted 5 images with model 1; next queue: 4 images \(pixelloop suggest .*loop\.pxl\)$/m,
    );
    expect(await queue()).toEqual({ images: 4, worked: 0 });

    // Reading suggestions shows that queue and leaves it as it is (first n; a larger n than there
    // are images to suggest too).
    const shown = await cli("suggest", p, "--n", "2");
    expect(shown.stdout).toMatch(
      /^the current queue, picked after model 1 \(0 of 4 worked on\); --repick picks again\n {2}1\. img/,
    );
    const all = JSON.parse((await cli("suggest", p, "--n", "40", "--json")).stdout) as {
      suggestions: { image: string; score: number; regions: { id: number }[] }[];
    };
    expect(all.suggestions).toHaveLength(4);
    expect(await queue()).toEqual({ images: 4, worked: 0 });
    const first = all.suggestions[0].image;

    // accept: a region of the queue, then the same again (labeled already); an image not in the queue;
    // a region that is not a number is a usage error.
    const acc = await cli("accept", p, first, "--region", "1");
    expect(acc.stdout).toMatch(new RegExp(`^${first}: accepted \\d+ predicted pixels of model 1 as labels`));
    expect((await cli("accept", p, first, "--region", "1")).stdout).toBe(
      `${first}: nothing to accept: region 1 is labeled already\n`,
    );
    const notQueued = failed(await cli("accept", p, "img4.png", "--region", "1").catch((e) => e));
    expect(notQueued.code).toBe(1);
    expect(notQueued.stderr).toContain(`img4.png is not in the current queue (${first}, `);
    const badRegion = failed(await cli("accept", p, first, "--region", "abc").catch((e) => e));
    expect(badRegion.code).toBe(2);
    expect(badRegion.stderr).toContain('--region: expected a region number (1, 2, ...), got "abc"');
    expect((await cli("suggest", p)).stdout).toMatch(
      /^the current queue, picked after model 1 \(1 of 4 worked on\)/,
    );
    expect(await queue()).toEqual({ images: 4, worked: 1 });

    // A picking option picks anew, and says what it replaced.
    const repicked = await cli("suggest", p, "--n", "3", "--no-coverage");
    expect(repicked.stdout).toMatch(
      /^replaced the queue the app showed \(picked after model 1, 1 of 4 worked on\) with 4 images\n/,
    );
    // Picked at the app's length (here every image), whatever --n prints.
    expect(await queue()).toEqual({ images: 4, worked: 0 });

    // A random pick, for comparison: it says so, shows no scores, and leaves the app's queue alone.
    const random = await cli("suggest", p, "--strategy", "random", "--n", "2", "--no-coverage");
    expect(random.stdout).toMatch(
      /^a random pick of images and regions, for comparison \(the queue the app shows stays as it is\)\n {2}1\. img\d\.png\n/,
    );
    expect(random.stdout).not.toContain("score");
    expect(await queue()).toEqual({ images: 4, worked: 0 });

    // Images imported after the model: the import says they have no prediction yet, and how to get one
    // (in a copy of the project, which the next test goes on with).
    const copy = path.join(dir, "loop-later.pxl");
    fs.copyFileSync(p, copy);
    fs.mkdirSync(path.join(dir, "later"));
    const later = syntheticSample(W, H, 7, true);
    fs.writeFileSync(path.join(dir, "later", "img7.png"), encodeRgbPng(later.pixels, W, H, 3));
    expect((await cli("import", copy, path.join(dir, "later"))).stdout).toContain(
      `1 new image without a prediction of model 1: pixelloop predict ${copy} (or "Predict new images" in the app's training panel)`,
    );
  }, 120_000);

  it("a model without predictions is named; a project labeled everywhere has nothing to suggest", async () => {
    const p = path.join(dir, "loop.pxl"); // the test above's project
    const failed = (e: unknown) => e as { code: number; stdout: string; stderr: string };
    const tiny = ["--steps", "2", "--widths", "8,16", "--size", "32", "--batch", "2", "--backend", "wasm"];
    const first = "img0.png";
    // A model without predictions: suggest and accept say so instead of working from an older model.
    const t2 = await cli("train", p, ...tiny, "--fine-tune", "--no-predict", "--no-forest-labels");
    expect(t2.stderr).toContain("fine-tune: starting from model 1");
    expect(t2.stderr).not.toContain("pixel classifier");
    expect(t2.stdout).toMatch(
      /^not predicted: pixelloop predict .*loop\.pxl predicts the images with model 2/m,
    );
    // status says so too, next to the queue (which is model 1's).
    expect((await cli("status", p)).stdout).toMatch(
      /model 2 has no predictions yet: pixelloop predict .*loop\.pxl\n/,
    );
    for (const args of [
      ["suggest", p],
      ["accept", p, first, "--min-confidence", "0.5"],
    ]) {
      const r = failed(await cli(...args).catch((e) => e));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`pixelloop: model 2 has no predictions yet: run pixelloop predict ${p}\n`);
    }
    const rounds = (await cli("rounds", p)).stdout.split("\n");
    expect(rounds[1]).not.toMatch(/fine-tune/);
    expect(rounds[2]).toMatch(/^ +2 +2 .* {2}fine-tune$/);

    // Every train image labeled everywhere: nothing is suggested (no image with score 0).
    await cli("predict", p);
    await cli("suggest", p); // picks model 2's queue
    await cli("accept", p, "img0.png", "--min-confidence", "0");
    // An image of the queue labeled everywhere since is left out, and the list says so.
    const fewer = await cli("suggest", p);
    expect(fewer.stdout).toMatch(/\n\(1 image of it is labeled everywhere now and left out\)\n/);
    expect(fewer.stdout).not.toMatch(/\. img0\.png/);
    for (const k of [1, 2, 3]) await cli("accept", p, `img${k}.png`, "--min-confidence", "0");
    const again = await cli("accept", p, "img0.png", "--min-confidence", "0");
    expect(again.stdout).toBe(
      "img0.png: nothing to accept: every pixel with confidence >= 0 is labeled already\n",
    );
    for (const args of [[], ["--repick"]]) {
      const text = await cli("suggest", p, ...args);
      expect(text.stdout).toBe("nothing left to suggest: every train image is fully labeled\n");
      expect(JSON.parse((await cli("suggest", p, ...args, "--json")).stdout)).toEqual({ suggestions: [] });
    }
  }, 120_000);

  it("explains what is missing", async () => {
    const empty = path.join(dir, "empty.pxl");
    await cli("init", empty, "--classes", "a,b");
    await expect(
      cli("predict", empty, "--images", path.join(dir, "val"), "--out", path.join(dir, "o2")),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no trained model yet/),
    });
    await expect(cli("train", empty, "--epochs", "1")).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no train-split image has labels/),
    });
  });
});
