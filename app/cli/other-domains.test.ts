/**
 * The whole loop through the CLI on data unlike camvid-dev: gray (one-channel) images, two
 * classes, a different odd size per image, PNG and JPEG mixed. Everything a user runs must work
 * and give answers the size of their own images.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { encodeIndexPng, readIndexPng } from "../exchange/index-png.ts";
import { cliOrThrow } from "../testing/cli.ts";

/** `pixelloop ...args` in this process; rejects (with code, stdout, stderr) when it exits non-zero. */
const cli = cliOrThrow;
/** A small network on small crops with the wasm backend: seconds of training per run. */
const TINY_NETWORK = ["--widths", "8,16", "--size", "32", "--backend", "wasm"];

interface GrayImage {
  name: string;
  width: number;
  height: number;
  split: "train" | "val";
  scribbled: boolean;
}

/** Dark noisy background (class 0) with one bright noisy ellipse (class 1). */
function grayScene(width: number, height: number, seed: number) {
  const pixels = new Uint8Array(width * height);
  const gt = new Uint8Array(width * height);
  const scribbles = new Uint8Array(width * height).fill(255);
  const cx = width * (0.4 + (0.2 * ((seed * 37) % 10)) / 10);
  const cy = height * 0.5;
  const rx = width * 0.25;
  const ry = height * 0.25;
  let noise = seed * 7 + 3;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      noise = (noise * 1103515245 + 12345) & 0x7fffffff;
      const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1;
      const i = y * width + x;
      gt[i] = inside ? 1 : 0;
      pixels[i] = Math.max(0, Math.min(255, (inside ? 190 : 50) + (noise % 51) - 25));
      // One short stroke through the ellipse's middle row, one along the top margin.
      if (inside && y === Math.round(cy)) scribbles[i] = 1;
      if (y === 2 && x > 1 && x < width - 2) scribbles[i] = 0;
    }
  }
  return { pixels, gt, scribbles };
}

describe("gray two-class images of odd sizes, the whole loop through the CLI", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-gray-"));
  const project = path.join(dir, "gray.pxl");
  const images: GrayImage[] = [
    { name: "a.png", width: 37, height: 53, split: "train", scribbled: true },
    { name: "b.jpg", width: 61, height: 29, split: "train", scribbled: true },
    { name: "c.png", width: 45, height: 45, split: "train", scribbled: true },
    { name: "d.jpg", width: 80, height: 33, split: "train", scribbled: false },
    { name: "e.png", width: 50, height: 50, split: "train", scribbled: false },
    { name: "v.png", width: 43, height: 61, split: "val", scribbled: true },
  ];
  const size = new Map(images.map((i) => [path.parse(i.name).name, i]));

  beforeAll(async () => {
    for (const sub of ["train", "val", "scribbles", "gt"]) fs.mkdirSync(path.join(dir, sub));
    for (const [seed, img] of images.entries()) {
      const s = grayScene(img.width, img.height, seed);
      const raw = sharp(Buffer.from(s.pixels), {
        raw: { width: img.width, height: img.height, channels: 1 },
      });
      const file = path.join(dir, img.split, img.name);
      if (img.name.endsWith(".jpg")) await raw.jpeg({ quality: 95 }).toFile(file);
      else await raw.png().toFile(file);
      const stem = path.parse(img.name).name;
      // val carries its dense truth as labels (what a user's val split is for); train only scribbles
      const labels = img.split === "val" ? s.gt : s.scribbles;
      if (img.scribbled)
        fs.writeFileSync(
          path.join(dir, "scribbles", `${stem}.png`),
          encodeIndexPng(labels, img.width, img.height),
        );
      fs.writeFileSync(path.join(dir, "gt", `${stem}.png`), encodeIndexPng(s.gt, img.width, img.height));
    }
  });

  it("imports, trains, predicts, evaluates, suggests, accepts, lists rounds and exports", async () => {
    await cli("init", project, "--classes", "background,object");
    const imp = JSON.parse(
      (
        await cli(
          "import",
          project,
          path.join(dir, "train"),
          "--labels",
          path.join(dir, "scribbles"),
          "--json",
        )
      ).stdout,
    ) as { imported: number };
    expect(imp.imported).toBe(5);
    await cli(
      "import",
      project,
      path.join(dir, "val"),
      "--labels",
      path.join(dir, "scribbles"),
      "--split",
      "val",
    );

    const trained = JSON.parse(
      (await cli("train", project, "--steps", "150", ...TINY_NETWORK, "--json")).stdout,
    ) as { modelId: number; status: string; validation: { score: number } | null };
    expect(trained).toMatchObject({ modelId: 1, status: "done" });
    expect(trained.validation).not.toBeNull(); // the val image's labels are used

    expect(JSON.parse((await cli("predict", project, "--json")).stdout)).toMatchObject({ predicted: 6 });

    // Bright object on a dark ground: 150 small CPU steps find most of the object.
    const trainGt = path.join(dir, "train-gt");
    fs.mkdirSync(trainGt);
    for (const i of images.filter((i) => i.split === "train")) {
      const stem = path.parse(i.name).name;
      fs.copyFileSync(path.join(dir, "gt", `${stem}.png`), path.join(trainGt, `${stem}.png`));
    }
    const ev = JSON.parse(
      (await cli("eval", project, "--images", path.join(dir, "train"), "--gt", trainGt, "--json")).stdout,
    ) as { pixelAccuracy: number; perClassIou: (number | null)[] };
    expect(ev.perClassIou).toHaveLength(2);
    // (calling everything background would score ~0.80 accuracy and 0 object IoU)
    expect(ev.pixelAccuracy).toBeGreaterThan(0.85);
    expect(ev.perClassIou[1]).toBeGreaterThan(0.5);

    // The same truth as binary datasets ship it (0/255): read as indices, 255 is void and the
    // object disappears from the score, with a hint; --binary reads it as the object.
    const binaryGt = path.join(dir, "train-gt-255");
    fs.mkdirSync(binaryGt);
    for (const f of fs.readdirSync(trainGt)) {
      const m = readIndexPng(path.join(trainGt, f));
      const v = Uint8Array.from(m.values, (x) => (x === 0 ? 0 : 255));
      fs.writeFileSync(path.join(binaryGt, f), encodeIndexPng(v, m.width, m.height));
    }
    const evalArgs = ["eval", project, "--images", path.join(dir, "train"), "--gt", binaryGt, "--json"];
    const asIndices = await cli(...evalArgs);
    expect([0, null]).toContain(JSON.parse(asIndices.stdout).perClassIou[1]);
    expect(asIndices.stderr).toMatch(
      /5 ground-truth masks hold only 0 and 255 \(binary masks\?\): 255 was ignored as void\. If it marks "object", run eval again with --binary/,
    );
    const asBinary = await cli(...evalArgs, "--binary");
    expect(JSON.parse(asBinary.stdout)).toEqual(ev);
    expect(asBinary.stderr).not.toMatch(/binary masks/);

    // Suggestions: train images only, each region inside its own image.
    const sg = JSON.parse((await cli("suggest", project, "--n", "5", "--json")).stdout) as {
      suggestions: { image: string; regions: { x: number; y: number; width: number; height: number }[] }[];
    };
    expect(sg.suggestions.length).toBeGreaterThan(0);
    for (const s of sg.suggestions) {
      const img = size.get(path.parse(s.image).name);
      expect(img?.split).toBe("train");
      for (const r of s.regions) {
        expect(r.x).toBeGreaterThanOrEqual(0);
        expect(r.y).toBeGreaterThanOrEqual(0);
        expect(r.x + r.width).toBeLessThanOrEqual(img!.width);
        expect(r.y + r.height).toBeLessThanOrEqual(img!.height);
      }
    }

    // Accepting everything on an unlabeled image labels each of its pixels; rounds count them.
    const acc = JSON.parse(
      (await cli("accept", project, "d.jpg", "--min-confidence", "0", "--json")).stdout,
    ) as {
      acceptedPixels: number;
    };
    expect(acc.acceptedPixels).toBe(80 * 33);
    const rounds = JSON.parse((await cli("rounds", project, "--json")).stdout) as {
      rounds: { modelId: number }[];
    };
    expect(rounds.rounds.map((r) => r.modelId)).toEqual([1]);

    // Exported masks have each image's own size and only the two class indices (255 = unlabeled).
    const out = path.join(dir, "export");
    await cli("export", "masks", project, "--out", out, "--format", "index", "--source", "completed");
    const files = fs
      .readdirSync(out)
      .filter((f) => f.endsWith(".png"))
      .sort();
    expect(files).toEqual(["a.png", "b.png", "c.png", "d.png", "e.png", "v.png"]);
    for (const f of files) {
      const m = readIndexPng(path.join(out, f));
      const img = size.get(path.parse(f).name)!;
      expect([m.width, m.height]).toEqual([img.width, img.height]);
      expect(new Set(m.values).size).toBeLessThanOrEqual(2);
      expect(Math.max(...m.values)).toBeLessThan(2);
    }

    // A file replaced by one of another size is skipped with the reason (its prediction would not
    // fit its labels); the others are predicted.
    await sharp(Buffer.alloc(20 * 20, 128), { raw: { width: 20, height: 20, channels: 1 } })
      .png()
      .toFile(path.join(dir, "train", "e.png"));
    const partial = await cli("predict", project, "--json").catch((e: unknown) => e);
    expect(partial).toMatchObject({ code: 1 });
    const pr = JSON.parse((partial as { stdout: string }).stdout) as {
      predicted: number;
      skipped: { file: string; reason: string }[];
    };
    expect(pr.predicted).toBe(5);
    expect(pr.skipped.map((s) => [path.basename(s.file), s.reason])).toEqual([
      [
        "e.png",
        "image is 20x20 now, 50x50 when imported; put the original file back, or remove the image from the project and import the file again",
      ],
    ]);
    // Training does not read e.png (no labels, and the semi-supervised term is off), but a labeled
    // image that changed size is left out the same way, and it learns from the rest (exit 1: done in part).
    await sharp({ create: { width: 30, height: 30, channels: 3, background: "#202020" } })
      .png()
      .toFile(path.join(dir, "train", "c.png"));
    const partialTrain = await cli("train", project, "--steps", "3", ...TINY_NETWORK, "--json").catch(
      (e: unknown) => e,
    );
    expect(partialTrain).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/c\.png: image is 30x30 now/),
    });
    const tr = JSON.parse((partialTrain as { stdout: string }).stdout) as {
      modelId: number;
      status: string;
      skipped: { file: string; reason: string }[];
    };
    expect(tr).toMatchObject({ modelId: 2, status: "done" });
    expect(tr.skipped.map((s) => path.basename(s.file))).toEqual(["c.png"]);
  }, 180_000); // trains twice and predicts: a minute or more on a busy 2-core machine
});
