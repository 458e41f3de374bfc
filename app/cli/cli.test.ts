import { afterAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { CAMVID, CAMVID_MISSING, DEMO, tmpDir } from "../testing/tmp.ts";
import { encodeIndexPng, readIndexPng } from "../exchange/index-png.ts";
import { runCli } from "../testing/cli.ts";

/** `pixelloop ...args` in this process (main(argv), output captured); smoke.test.ts spawns the real command. */
const run = runCli;

if (CAMVID_MISSING) console.warn(`CLI tests on camvid-dev skipped: ${CAMVID_MISSING}`);

describe.skipIf(!!CAMVID_MISSING)("pixelloop CLI on camvid-dev", () => {
  const t = tmpDir();
  const project = path.join(t.dir, "camvid.pxl");
  afterAll(() => t.cleanup());

  it("init, import with scribbles, status --json, export identical index masks", async () => {
    const init = await run("init", project, "--classes-file", path.join(CAMVID, "classes.json"));
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/11 classes/);

    const imp = await run(
      "import",
      project,
      path.join(CAMVID, "train/images"),
      "--labels",
      path.join(CAMVID, "train/scribbles"),
    );
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/imported 60 images/);
    expect(imp.stdout).toMatch(/60 masks imported/);
    // Scribble masks are mostly 255 (no label): said as such, not as a surprise about void values.
    expect(imp.stdout).toMatch(
      /[\d,]+ mask pixels left unlabeled \(value 255, or >= 11 such as a void class\)/,
    );

    const st = await run("status", project, "--json");
    expect(st.code).toBe(0);
    const status = JSON.parse(st.stdout);
    expect(status.images).toBe(60);
    expect(status.classes).toBe(11);
    expect(status.labeledImages).toBe(60);
    expect(status.labeledFraction).toBeGreaterThan(0.027);
    expect(status.labeledFraction).toBeLessThan(0.031);

    const outDir = path.join(t.dir, "masks");
    const exp = await run("export", "masks", project, "--out", outDir, "--format", "index");
    expect(exp.code).toBe(0);
    const written = fs.readdirSync(outDir).sort();
    const scribbles = fs.readdirSync(path.join(CAMVID, "train/scribbles")).sort();
    expect(written).toEqual(scribbles);
    for (const f of written) {
      const a = readIndexPng(path.join(outDir, f));
      const b = readIndexPng(path.join(CAMVID, "train/scribbles", f));
      expect([a.width, a.height]).toEqual([b.width, b.height]);
      expect(Buffer.from(a.values).equals(Buffer.from(b.values))).toBe(true);
    }

    const colorDir = path.join(t.dir, "color");
    expect((await run("export", "masks", project, "--out", colorDir, "--format", "color")).code).toBe(0);
    const legend = JSON.parse(fs.readFileSync(path.join(colorDir, "legend.json"), "utf8"));
    expect(legend.classes[3]).toEqual({ index: 3, name: "road", color: "#804080" });
  });

  it("reports errors in one line on stderr with a non-zero exit code", async () => {
    const missing = await run("status", path.join(t.dir, "nope.pxl"));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/nope\.pxl: no such project file/);

    const notProject = path.join(t.dir, "notes.pxl");
    fs.writeFileSync(notProject, "just text");
    const bad = await run("import", notProject, path.join(CAMVID, "val/images"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/notes\.pxl: not a Pixelloop project/);
    expect(fs.readFileSync(notProject, "utf8")).toBe("just text");

    const badClasses = path.join(t.dir, "classes.json");
    fs.writeFileSync(badClasses, JSON.stringify({ classes: [{ index: 0, name: "a", color: "blue" }] }));
    const init = await run("init", path.join(t.dir, "x.pxl"), "--classes-file", badClasses);
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/classes\.json: classes\.0\.color: expected a color like #ff8800/);
    expect(fs.existsSync(path.join(t.dir, "x.pxl"))).toBe(false);

    expect((await run("frobnicate")).code).toBe(2);
  });

  it("init with --classes names, then import a single file into val", async () => {
    const p = path.join(t.dir, "small.pxl");
    // A classes file given to --classes is not taken for a class name: no project, a hint.
    const mixedUp = await run("init", p, "--classes", path.join(CAMVID, "classes.json"));
    expect(mixedUp.code).toBe(1);
    expect(mixedUp.stderr + mixedUp.stdout).toContain(
      `looks like a file: for a classes file use --classes-file ${path.join(CAMVID, "classes.json")}`,
    );
    expect(fs.existsSync(p)).toBe(false);
    expect((await run("init", p, "--classes", "road, car ,sky")).code).toBe(0);
    const img = path.join(CAMVID, "val/images", fs.readdirSync(path.join(CAMVID, "val/images"))[0]);
    const r = await run("import", p, img, "--split", "val", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).imported).toBe(1);
    const st = JSON.parse((await run("status", p, "--json")).stdout);
    expect(st.classNames).toEqual(["road", "car", "sky"]);
    expect(st.splits).toEqual({ train: 0, val: 1, test: 0 });

    // A mask of the wrong size: the image still imports, the error names both files, exit code 1.
    const masks = path.join(t.dir, "wrong-masks");
    fs.mkdirSync(masks);
    fs.writeFileSync(
      path.join(masks, path.basename(img).replace(/\.\w+$/, ".png")),
      encodeIndexPng(new Uint8Array(4), 2, 2),
    );
    const p2 = path.join(t.dir, "small2.pxl");
    expect((await run("init", p2, "--classes", "road,car")).code).toBe(0);
    const withBad = await run("import", p2, img, "--labels", masks);
    expect(withBad.code).toBe(1);
    expect(withBad.stdout).toMatch(/imported 1 image\n/);
    expect(withBad.stdout).toMatch(/error: .*mask is 2x2 but image .* is \d+x\d+/);

    // A damaged image among good ones: the good one imports, the damaged one is named, exit code 1.
    const mixed = path.join(t.dir, "mixed");
    fs.mkdirSync(mixed);
    fs.copyFileSync(
      path.join(CAMVID, "val/images", fs.readdirSync(path.join(CAMVID, "val/images"))[5]),
      path.join(mixed, "good.png"),
    );
    fs.writeFileSync(path.join(mixed, "cut.png"), fs.readFileSync(img).subarray(0, 2000));
    const part = await run("import", p2, mixed);
    expect(part.code).toBe(1);
    expect(part.stdout).toMatch(/imported 1 image\n/);
    expect(part.stdout).toMatch(/cut\.png: cannot decode image data/);
  });

  it("status counts train labels apart from the val labels that only measure the model", async () => {
    const p = path.join(t.dir, "splits.pxl");
    expect((await run("init", p, "--classes-file", path.join(CAMVID, "classes.json"))).code).toBe(0);
    const train = fs.readdirSync(path.join(CAMVID, "train/images"))[0];
    const val = fs.readdirSync(path.join(CAMVID, "val/images"))[0];
    const tr = path.join(CAMVID, "train/scribbles");
    expect((await run("import", p, path.join(CAMVID, "train/images", train), "--labels", tr)).code).toBe(0);
    const vg = path.join(CAMVID, "val/gt");
    expect(
      (await run("import", p, path.join(CAMVID, "val/images", val), "--labels", vg, "--split", "val")).code,
    ).toBe(0);
    const st = JSON.parse((await run("status", p, "--json")).stdout) as {
      labeledPixels: number;
      labelsBySplit: Record<string, { labeledPixels: number; labeledImages: number; totalPixels: number }>;
    };
    expect(Object.keys(st.labelsBySplit)).toEqual(["train", "val"]);
    const { train: t1, val: v1 } = st.labelsBySplit;
    expect(t1.labeledPixels + v1.labeledPixels).toBe(st.labeledPixels);
    expect(t1.labeledPixels / t1.totalPixels).toBeLessThan(0.05); // scribbles
    expect(v1.labeledPixels / v1.totalPixels).toBeGreaterThan(0.9); // dense ground truth
    expect((await run("status", p)).stdout).toMatch(
      /train [\d,]+ px on 1 images \(\d\.\d\d%\), val [\d,]+ px on 1 images/,
    );
  });

  it("removes images with their labels (files kept; a name not there removes nothing) and moves images between splits", async () => {
    const p = path.join(t.dir, "remove.pxl");
    expect((await run("init", p, "--classes-file", path.join(CAMVID, "classes.json"))).code).toBe(0);
    const names = fs.readdirSync(path.join(CAMVID, "train/images")).sort().slice(0, 4);
    const files = names.map((n) => path.join(CAMVID, "train/images", n));
    const tr = path.join(CAMVID, "train/scribbles");
    expect((await run("import", p, ...files.slice(0, 3), "--labels", tr)).code).toBe(0);
    const status = async () =>
      JSON.parse((await run("status", p, "--json")).stdout) as { images: number; labeledPixels: number };
    const before = await status();

    const typo = await run("remove", p, names[0], "no-such.png");
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('no image named, numbered or imported from "no-such.png"');
    expect(await status()).toEqual(before);

    const r = JSON.parse((await run("remove", p, names[0], "--json")).stdout) as {
      removed: number;
      names: string[];
      labeledPixels: number;
    };
    expect(r).toMatchObject({ removed: 1, names: [names[0]] });
    expect(r.labeledPixels).toBeGreaterThan(0);
    const after = await status();
    expect(after.images).toBe(2);
    expect(after.labeledPixels).toBe(before.labeledPixels - r.labeledPixels);
    expect(fs.existsSync(files[0])).toBe(true);
    // Imported again, it comes back whole, labels and all.
    expect((await run("import", p, files[0], "--labels", tr)).code).toBe(0);
    expect(await status()).toMatchObject({ images: 3, labeledPixels: before.labeledPixels });

    // Moved to val, labels now measure the model, and an unlabeled image leaves the queue of
    // images to label first.
    expect((await run("import", p, files[3])).code).toBe(0);
    const queued = async () =>
      (
        JSON.parse((await run("suggest", p, "--n", "10", "--json")).stdout) as {
          suggestions: { image: string }[];
        }
      ).suggestions.map((x) => x.image);
    expect(await queued()).toContain(names[3]);
    const moved = await run("split", p, "val", names[1], names[3]);
    expect(moved.stdout).toMatch(/^moved 2 images to val/);
    expect((await run("split", p, "val", names[1])).stdout).toMatch(
      /^moved 0 images to val \(1 already there\)/,
    );
    const bySplit = JSON.parse((await run("status", p, "--json")).stdout) as {
      splits: Record<string, number>;
      labelsBySplit: Record<string, { labeledImages: number }>;
    };
    expect(bySplit.splits).toMatchObject({ train: 2, val: 2 });
    expect(bySplit.labelsBySplit.val.labeledImages).toBe(1);
    expect(await queued()).not.toContain(names[3]);
    expect((await run("split", p, "holdout", names[1])).code).toBe(2);
  });

  it("index scribble masks of a two-class project get no binary hint when one of them holds class 1", async () => {
    const p = path.join(t.dir, "scribbled.pxl");
    expect((await run("init", p, "--classes", "background,lesion")).code).toBe(0);
    const names = fs.readdirSync(path.join(CAMVID, "val/images")).slice(2, 4);
    const [W, H] = [480, 360];
    const masks = path.join(t.dir, "scribble-masks");
    fs.mkdirSync(masks);
    names.forEach((name, k) => {
      const mask = new Uint8Array(W * H).fill(255); // 255: unlabeled
      mask.fill(0, 0, W * 40); // a background scribble on 11% of the image
      if (k === 1) mask.fill(1, W * 300, W * 310); // the lesion, on the second image only
      fs.writeFileSync(path.join(masks, name.replace(/\.\w+$/, ".png")), encodeIndexPng(mask, W, H));
    });
    const both = await run(
      "import",
      p,
      ...names.map((n) => path.join(CAMVID, "val/images", n)),
      "--labels",
      masks,
    );
    expect(both.code).toBe(0);
    expect(both.stdout).toMatch(/labels: 2 masks imported/);
    expect(both.stdout).not.toMatch(/binary masks\?/);
  });

  it("binary 0/255 masks: the hint names --binary, which imports 255 as the second class", async () => {
    const p = path.join(t.dir, "binary.pxl");
    expect((await run("init", p, "--classes", "background,lesion")).code).toBe(0);
    const img = path.join(CAMVID, "val/images", fs.readdirSync(path.join(CAMVID, "val/images"))[1]);
    const W = 480;
    const H = 360;
    const mask = new Uint8Array(W * H);
    mask.fill(255, 0, W * 100); // top 100 rows: the lesion, as binary datasets store it
    const masks = path.join(t.dir, "binary-masks");
    fs.mkdirSync(masks);
    fs.writeFileSync(
      path.join(masks, path.basename(img).replace(/\.\w+$/, ".png")),
      encodeIndexPng(mask, W, H),
    );

    const plain = await run("import", p, img, "--labels", masks);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/1 masks hold only 0 and 255 .*"lesion".*--binary/);
    const counts = async () => JSON.parse((await run("status", p, "--json")).stdout).labeledPixels as number;
    expect(await counts()).toBe(W * 260);

    // Importing the same image again with its masks labels the image imported before.
    const again = await run("import", p, img, "--labels", masks, "--binary");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /imported 0 images\n1 image already in the project \(same files\)\nlabels: 1 mask imported \(172,800 labeled pixels, 48,000 of them newly labeled, the rest were labeled already\)\n/,
    );
    expect(again.stdout).not.toMatch(/binary masks\?/);
    expect(await counts()).toBe(W * H);
    const exported = path.join(t.dir, "binary-out");
    expect((await run("export", "masks", p, "--out", exported)).code).toBe(0);
    const back = readIndexPng(path.join(exported, fs.readdirSync(exported)[0])).values;
    expect([back[0], back[W * 99], back[W * 100], back[W * H - 1]]).toEqual([1, 1, 0, 0]);

    const colorBinary = await run("import-masks", p, masks, "--binary", "--format", "color");
    expect(colorBinary.code).toBe(2);
    expect(colorBinary.stderr).toMatch(/--binary applies to index masks only/);

    const three = path.join(t.dir, "three.pxl");
    expect((await run("init", three, "--classes", "a,b,c")).code).toBe(0);
    const refused = await run("import", three, img, "--labels", masks, "--binary");
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(`${masks}: binary masks need a project of two classes; this one has 3`);
    // A labels folder that is not there is named.
    const nowhere = path.join(t.dir, "no-such-masks");
    const missing = await run("import", three, img, "--labels", nowhere);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`error: ${nowhere}: no such folder`);
  });

  it("suggests the images to label first before any model exists", async () => {
    const p = path.join(t.dir, "fresh.pxl");
    expect((await run("init", p, "--classes", "road,car,sky")).code).toBe(0);
    expect((await run("import", p, path.join(CAMVID, "val/images"))).code).toBe(0); // 30 unlabeled images
    const sg = await run("suggest", p, "--n", "4", "--json");
    expect(sg.code).toBe(0);
    const { suggestions } = JSON.parse(sg.stdout) as { suggestions: { image: string; regions: unknown[] }[] };
    expect(suggestions).toHaveLength(4);
    expect(new Set(suggestions.map((s) => s.image)).size).toBe(4);
    expect(suggestions.every((s) => s.regions.length === 0)).toBe(true);
    // The queue is picked at the app's length (30), whatever --n prints: reading a few never
    // shrinks the queue a labeler works through in the app.
    expect(JSON.parse((await run("status", p, "--json")).stdout).queue).toEqual({ images: 30, worked: 0 });
    // Reading the start queue again shows it (first n) and leaves the queue the app shows as it is.
    const again = await run("suggest", p, "--n", "2");
    expect(again.stdout).toMatch(
      /^no model yet: the current start queue \(0 of 30 worked on\): these varied images first/,
    );
    expect(again.stdout).toContain(`  1. ${suggestions[0].image}\n  2. ${suggestions[1].image}\n`);
    expect(JSON.parse((await run("status", p, "--json")).stdout).queue).toEqual({ images: 30, worked: 0 });
    expect((await run("suggest", p, "--n", "2", "--repick")).stdout).toMatch(
      /^no model yet: these varied images first.*\nreplaced the queue the app showed \(the start queue, 0 of 30 worked on\) with 30 images/,
    );
    expect(JSON.parse((await run("status", p, "--json")).stdout).queue).toEqual({ images: 30, worked: 0 });
  });
});

describe("pixelloop CLI: images that share a file name, and usage errors", () => {
  const t = tmpDir();
  const p = path.join(t.dir, "names.pxl");
  const dirA = path.join(t.dir, "dirA");
  const dirC = path.join(t.dir, "dirC");
  afterAll(() => t.cleanup());

  it("refuses a name two images share (naming both), and takes the path or the id instead", async () => {
    const sharp = (await import("sharp")).default;
    const masks = path.join(t.dir, "masks");
    for (const d of [dirA, dirC, masks]) fs.mkdirSync(d);
    const solid = (color: string) =>
      sharp({ create: { width: 20, height: 10, channels: 3, background: color } }).png();
    await solid("#204060").toFile(path.join(dirA, "x.png"));
    await solid("#c0a080").toFile(path.join(dirC, "x.png"));
    fs.writeFileSync(path.join(masks, "x.png"), encodeIndexPng(new Uint8Array(200).fill(1), 20, 10));
    expect((await run("init", p, "--classes", "bg,fg")).code).toBe(0);
    expect((await run("import", p, dirA, "--labels", masks)).code).toBe(0);
    expect((await run("import", p, dirC)).code).toBe(0);
    const status = async () =>
      JSON.parse((await run("status", p, "--json")).stdout) as { images: number; labeledPixels: number };

    const ambiguous = await run("remove", p, "x.png");
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain(
      `2 images are named "x.png": id 1 (${path.join(dirA, "x.png")}), id 2 (${path.join(dirC, "x.png")}); give the id or the path instead`,
    );
    expect(await status()).toMatchObject({ images: 2, labeledPixels: 200 });

    // The same folder again with its masks: one line for the files already in the project, each
    // duplicate of another file named; the labels line counts what the masks hold and added.
    const dirB = path.join(t.dir, "dirB");
    fs.mkdirSync(dirB);
    fs.copyFileSync(path.join(dirA, "x.png"), path.join(dirB, "copy.png"));
    const again = await run("import", p, dirA, dirB, "--labels", masks);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(
      [
        "imported 0 images",
        "1 image already in the project (same files)",
        "skipped 1 duplicate:",
        `  ${path.join(dirB, "copy.png")}: same content as ${path.join(dirA, "x.png")}`,
        "labels: 1 mask imported (200 labeled pixels, 0 of them newly labeled, the rest were labeled already)",
        "",
      ].join("\n"),
    );

    const byPath = JSON.parse((await run("remove", p, path.join(dirC, "x.png"), "--json")).stdout) as {
      labeledPixels: number;
    };
    expect(byPath.labeledPixels).toBe(0); // the unlabeled one went, the labeled one stays
    expect(await status()).toMatchObject({ images: 1, labeledPixels: 200 });
  });

  it("wrong options exit with 2 and name the value typed", async () => {
    const noMode = await run("accept", p, "1");
    expect(noMode.code).toBe(2);
    expect(noMode.stderr).toContain("give exactly one of --region ID, --min-confidence C or --clear");
    const badNumber = await run("accept", p, "1", "--min-confidence", "abc");
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('--min-confidence: expected a number from 0 to 1, got "abc"');
    expect((await run("accept", p, "1", "--min-confidence", "1.5")).code).toBe(2);
    expect((await run("accept", p, "1", "--region", "abc")).code).toBe(2);
    const noModel = await run("accept", p, "1", "--region", "1");
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toContain(
      `no model yet, so no prediction to accept: train one first (pixelloop train ${p})`,
    );
    const binaryAlone = await run("import", p, dirA, "--binary");
    expect(binaryAlone.code).toBe(2);
    expect(binaryAlone.stderr).toContain("--binary applies to the masks of --labels DIR");
    const empty = path.join(t.dir, "empty");
    fs.mkdirSync(empty);
    const nothing = await run("predict", p, "--images", empty, "--out", path.join(t.dir, "out"));
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain(`${empty}: no images found`);
    const oddSize = await run("train", p, "--size", "30");
    expect(oddSize.code).toBe(2);
    expect(oddSize.stderr).toContain('--size must be a multiple of 16, got "30"');
  });
});

describe("pixelloop export: outputs never replace the user's images", () => {
  const t = tmpDir();
  const project = path.join(t.dir, "p.pxl");
  const img = path.join(t.dir, "img");
  const names = ["garden-01.png", "garden-02.png"];
  const bytesOf = (dir: string) => fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));
  afterAll(() => t.cleanup());

  it("export masks into the images' folder: refused in one line, nothing written; elsewhere twice: fine", async () => {
    fs.mkdirSync(img);
    for (const n of names) fs.copyFileSync(path.join(DEMO, "images", n), path.join(img, n));
    expect((await run("init", project, "--classes-file", path.join(DEMO, "classes.json"))).code).toBe(0);
    expect((await run("import", project, img, "--labels", path.join(DEMO, "scribbles"))).code).toBe(0);
    const before = bytesOf(img);
    for (const format of ["index", "color"]) {
      const r = await run("export", "masks", project, "--out", img, "--format", format);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(
        `pixelloop: ${path.join(img, names[0])}: is an image of the project ${project}; writing there would overwrite it: choose another output folder`,
      );
    }
    expect(bytesOf(img)).toEqual(before);
    const masks = path.join(t.dir, "masks");
    expect((await run("export", "masks", project, "--out", masks)).code).toBe(0);
    expect((await run("export", "masks", project, "--out", masks)).code).toBe(0); // an earlier export: replaced
    expect(fs.readdirSync(masks)).toEqual(names);
  });

  it("export dataset with an image file gone: names it, writes the rest, exits 1", async () => {
    const gone = path.join(img, names[0]);
    fs.renameSync(gone, path.join(t.dir, "moved.png"));
    const out = path.join(t.dir, "dataset");
    const r = await run("export", "dataset", project, "--out", out);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/wrote dataset to .*: 1 images \(train 1, val 0, test 0\)/);
    expect(r.stderr).toMatch(
      new RegExp(`^skipped 1 image:\\n  ${gone.replace(/[.\\/]/g, "\\$&")}: cannot read image \\(`),
    );
    expect(fs.readdirSync(path.join(out, "JPEGImages"))).toEqual([names[1]]);
    expect(fs.readdirSync(path.join(out, "SegmentationClass"))).toEqual([names[1]]);
    const json = await run("export", "dataset", project, "--out", out, "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ images: 1, skipped: [{ file: gone }] });
    fs.renameSync(path.join(t.dir, "moved.png"), gone);
  });
});
