import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProjectStore } from "../../store/project-store.ts";
import { importImages } from "../../images/importer.ts";
import { importIndexMasks } from "../../exchange/mask-files.ts";
import { encodeIndexPng, encodeRgbPng } from "../../exchange/index-png.ts";
import { tmpDir } from "../../testing/tmp.ts";
import { UNLABELED } from "../method/losses.ts";
import type { RawImage } from "../model/image.ts";
import { trainProject, type TrainingDataSummary } from "../../jobs/project-training.ts";
import { readWeightsConfig } from "../model/weights.ts";
import {
  AUTO_WORKING_SIDE,
  chooseWorkingScale,
  measureClassWidths,
  measureFactor,
  MIN_WORKING_WIDTH,
  sizeBasedScale,
} from "./working-scale.ts";
import { withRawDb } from "../../testing/raw-db.ts";

/**
 * A gray field (170, noise ±20, a slow illumination ramp) crossed by dark vertical bands (60) of
 * `band` px every 50 px; class 1 is scribbled 1 px wide down the bands' centres, class 0 with
 * 3-px strokes midway between them, as an annotator would.
 */
function bands(size: number, band: number, seed: number): { image: RawImage; labels: Uint8Array } {
  const pixels = new Uint8Array(size * size * 3);
  const labels = new Uint8Array(size * size).fill(UNLABELED);
  let s = seed + 1;
  const noise = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 40;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inBand = (x % 50) - 25 >= -band / 2 && (x % 50) - 25 < band / 2;
      const v = Math.max(0, Math.min(255, (inBand ? 60 : 170) + (30 * y) / size + noise()));
      pixels.fill(v, (y * size + x) * 3, (y * size + x) * 3 + 3);
      if (y < 20 || y >= size - 20) continue;
      if (x % 50 === 25) labels[y * size + x] = 1;
      if (Math.abs(x % 50) <= 1) labels[y * size + x] = 0;
    }
  }
  return { image: { pixels, width: size, height: size, channels: 3 }, labels };
}

describe("working resolution from the labeled structures", () => {
  it("by size alone, the median short side becomes AUTO_WORKING_SIDE, never upscaled", () => {
    expect(sizeBasedScale(AUTO_WORKING_SIDE / 2)).toBe(1);
    expect(sizeBasedScale(AUTO_WORKING_SIDE)).toBe(1);
    expect(sizeBasedScale(AUTO_WORKING_SIDE * 2)).toBe(0.5);
    expect(sizeBasedScale(360) * 360).toBeCloseTo(AUTO_WORKING_SIDE, 0);
  });

  it("measures a thin band as thin and a wide one as wide, whatever the strokes' width", async () => {
    for (const band of [2, 3, 5]) {
      const [bg, thin] = await measureClassWidths([bands(200, band, band)], 2, 20);
      expect(thin.width, `band ${band}`).not.toBeNull();
      expect(Math.abs((thin.width ?? 0) - band), `band ${band}: ${thin.width}`).toBeLessThanOrEqual(1.5);
      // the background between the bands is ~45 px wide: wider than anything that matters here
      expect(bg.width).toBeNull();
    }
    const [, wide] = await measureClassWidths([bands(200, 30, 1)], 2, 20);
    expect(wide.width).toBeNull();
  });

  it("measures large images reduced, in image pixels", async () => {
    // 1600 px wide: reduced to 1024 for measuring; a 6-px band reads ~6 image pixels
    expect(measureFactor(1600)).toBe(0.64);
    expect(measureFactor(800)).toBe(1);
    const [, thin] = await measureClassWidths([bands(1600, 6, 2)], 2, 40, measureFactor(1600));
    expect(Math.abs((thin.width ?? 0) - 6), String(thin.width)).toBeLessThanOrEqual(2.5);
  });

  it("raises the size-based scale until the thinnest class keeps MIN_WORKING_WIDTH px, at most to 1", () => {
    const names = ["background", "membrane"];
    const thin = chooseWorkingScale(
      512,
      [
        { classIdx: 0, pixels: 900, width: null, strokeWidth: 3 },
        { classIdx: 1, pixels: 400, width: 4, strokeWidth: 1 },
      ],
      names,
    );
    expect(thin.scale).toBe(0.75);
    expect(thin.scale * 4).toBeGreaterThanOrEqual(MIN_WORKING_WIDTH);
    expect(thin.reason).toContain('"membrane"');
    expect(thin.reason).toContain("not 0.375x");
    const thinner = chooseWorkingScale(512, [{ classIdx: 1, pixels: 400, width: 2, strokeWidth: 1 }], names);
    expect(thinner.scale).toBe(1);
    // large structures keep the size-based scale and its speed
    const wide = chooseWorkingScale(512, [{ classIdx: 1, pixels: 400, width: 40, strokeWidth: 3 }], names);
    expect(wide.scale).toBe(sizeBasedScale(512));
    expect(wide.reason).toContain('"membrane" (~40 px wide), stays 15.0 px wide');
    expect(chooseWorkingScale(512, [], names).scale).toBe(sizeBasedScale(512));
  });

  let t: ReturnType<typeof tmpDir>;
  beforeEach(() => {
    t = tmpDir();
  });
  afterEach(() => t.cleanup());

  /** A project of three 400x400 band images (size-based scale 0.48) with their scribbles. */
  async function bandProject(band: number): Promise<string> {
    const dir = path.join(t.dir, `band${band}`);
    for (const sub of ["images", "labels"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    for (let seed = 0; seed < 3; seed++) {
      const { image, labels } = bands(400, band, seed);
      fs.writeFileSync(path.join(dir, "images", `b${seed}.png`), encodeRgbPng(image.pixels, 400, 400, 3));
      fs.writeFileSync(path.join(dir, "labels", `b${seed}.png`), encodeIndexPng(labels, 400, 400));
    }
    const file = path.join(dir, "p.pxl");
    const store = ProjectStore.create(file, {
      name: `bands ${band}`,
      classes: ["background", "membrane"].map((name, idx) => ({ idx, name, color: "#000000" })),
    });
    await importImages(store, [path.join(dir, "images")], { split: "train" });
    importIndexMasks(store, path.join(dir, "labels"));
    store.close();
    return file;
  }

  async function trainedScale(file: string, scale?: number | "auto") {
    let data: TrainingDataSummary | undefined;
    const r = await trainProject(
      file,
      { steps: 1, batchSize: 2, backend: "wasm", network: { widths: [4, 8] }, scale },
      { onData: (d) => (data = d) },
    ).outcome;
    const s = ProjectStore.open(file, { readonly: true });
    const row = withRawDb(s, (db) =>
      db.prepare("SELECT weights FROM models WHERE id = ?").get(r.modelId),
    ) as { weights: Buffer };
    s.close();
    return {
      data: data as TrainingDataSummary,
      stored: readWeightsConfig(new Uint8Array(row.weights)).inputScale,
    };
  }

  it("training a project of 3-px membranes works at native resolution and says why; --scale still overrides", async () => {
    const file = await bandProject(3);
    const auto = await trainedScale(file);
    expect(auto.data.inputScale).toBe(1);
    expect(auto.stored).toBe(1);
    expect(auto.data.scaleChoice.reason).toMatch(
      /not 0\.48x by image size: the thinnest labeled class, "membrane"/,
    );
    const set = await trainedScale(file, 0.5);
    expect(set.stored).toBe(0.5);
    expect(set.data.scaleChoice.reason).toContain("set by --scale");
  });

  it("a project of wide structures keeps the size-based scale", async () => {
    const wide = await trainedScale(await bandProject(30));
    expect(wide.data.inputScale).toBe(0.48);
    expect(wide.data.scaleChoice.source).toBe("auto");
  });
});
