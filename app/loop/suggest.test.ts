import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProjectStore, type ChangeRecord } from "../store/project-store.ts";
import { decodeRle } from "../labels/rle.ts";
import { readPrediction } from "../api/predictions.ts";
import { encodeIndexPng } from "../exchange/index-png.ts";
import { Source, cloneMask } from "../common/mask.ts";
import { tmpDir } from "../testing/tmp.ts";
import {
  H,
  W,
  addPredictedImage,
  createLoopProject,
  fakePrediction,
  type FakePrediction,
} from "../testing/loop-fixture.ts";
import type { EmbeddingGrid } from "../store/embedding-blobs.ts";
import { rarityWeights, representativeness } from "./scoring.ts";
import { computeSuggestions, openTrainImages, storedSuggestions } from "./suggest.ts";
import { readStoredPrediction } from "./prediction-data.ts";
import { withRawDb } from "../testing/raw-db.ts";

describe("active-learning loop", () => {
  let t: ReturnType<typeof tmpDir>;
  let store: ProjectStore;
  let modelId: number;

  function addImage(
    name: string,
    pred: FakePrediction,
    split: "train" | "val" | "test" = "train",
    embedding?: number[],
    grid?: EmbeddingGrid,
  ) {
    return addPredictedImage(store, modelId, name, pred, split, embedding, grid);
  }

  beforeEach(() => {
    t = tmpDir();
    ({ store, modelId } = createLoopProject(t.dir));
  });
  afterEach(() => {
    store.close();
    t.cleanup();
  });

  it("class balance asks first about classes with few labels, and most about unseen ones", () => {
    const w = rarityWeights([900, 100, 0]);
    expect(w[1]).toBeGreaterThan(w[0]);
    expect(w[2]).toBe(4);
    // Two images equally unsure; in one the unsure pixels are predicted as the rare class 1.
    const common = addImage("unsure-about-a.png", fakePrediction({ x0: 0, x1: 24, y0: 0, y1: 48 }));
    const rare = addImage("unsure-about-b.png", fakePrediction({ x0: 40, x1: 64, y0: 0, y1: 48 }));
    const labeled = addImage("labeled.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }));
    const before = store.mask(labeled);
    const after = cloneMask(before);
    after.classes.fill(0, 0, W * 40); // mostly class 0 labeled so far
    after.classes.fill(1, W * 40, W * 42);
    after.sources.fill(Source.human, 0, W * 42);
    store.commitDiff(labeled, before, after, {
      tool: "brush",
      classIdx: null,
      width: 1,
      points: [],
      author: "t",
    });
    const plain = computeSuggestions(store, { n: 2, classBalance: false, save: false });
    expect(plain[0].score).toBeCloseTo(plain[1].score, 5);
    const balanced = computeSuggestions(store, { n: 1, classBalance: true, save: false });
    expect(balanced[0].imageId).toBe(rare);
    expect(balanced[0].imageId).not.toBe(common);
    // Its top region sits on the rare class's unsure pixels.
    expect(balanced[0].regions[0].x + balanced[0].regions[0].width / 2).toBeGreaterThan(32);
  });

  it("suggestions mix uncertainty with diversity, take train images only, and are stored", () => {
    const hot = { x0: 0, x1: 64, y0: 0, y1: 48 };
    addImage("dup-1.png", fakePrediction(hot));
    addImage("dup-2.png", fakePrediction(hot));
    addImage("dup-3.png", fakePrediction(hot));
    const different = addImage("different.png", fakePrediction({ x0: 0, x1: 64, y0: 0, y1: 40 }, 8));
    addImage("calm.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }));
    addImage("val.png", fakePrediction(hot), "val");
    // As unsure as the duplicates, but training skips test images: a label there would teach nothing.
    addImage("held-out.png", fakePrediction({ x0: 0, x1: 64, y0: 0, y1: 40 }, 8), "test");
    const s = computeSuggestions(store, { n: 2 });
    expect(s[0].image).toMatch(/^dup-/);
    expect(s[1].imageId).toBe(different); // not a second duplicate
    expect(s.every((x) => x.image !== "val.png" && x.image !== "held-out.png")).toBe(true);
    expect(computeSuggestions(store, { n: 10, save: false }).map((x) => x.image)).not.toContain(
      "held-out.png",
    );
    expect(
      computeSuggestions(store, { n: 10, strategy: "random", save: false }).map((x) => x.image),
    ).not.toContain("held-out.png");
    expect(storedSuggestions(store).map((x) => x.imageId)).toEqual(s.map((x) => x.imageId));
    expect(store.image(s[0].imageId)?.status).toBe("suggested");
    // Labeled, then erased again: back to suggested (the queue still holds it), not unlabeled.
    const before = store.mask(s[0].imageId);
    const labeled = cloneMask(before);
    labeled.classes.fill(0, 0, W);
    labeled.sources.fill(Source.human, 0, W);
    const stroke: ChangeRecord = { tool: "brush", classIdx: 0, width: 1, points: [], author: "t" };
    store.commitDiff(s[0].imageId, before, labeled, stroke);
    expect(store.image(s[0].imageId)?.status).toBe("labeled");
    store.commitDiff(s[0].imageId, labeled, before, { ...stroke, tool: "eraser", classIdx: null });
    expect(store.image(s[0].imageId)?.status).toBe("suggested");
    const calm = store.imagesByName("calm.png")[0].id; // predicted, not in the queue
    const calmBefore = store.mask(calm);
    const calmLabeled = cloneMask(calmBefore);
    calmLabeled.classes.fill(1, 0, W);
    calmLabeled.sources.fill(Source.human, 0, W);
    store.commitDiff(calm, calmBefore, calmLabeled, stroke);
    store.commitDiff(calm, calmLabeled, calmBefore, { ...stroke, tool: "eraser", classIdx: null });
    expect(store.image(calm)?.status).toBe("predicted");
    const random = computeSuggestions(store, { n: 3, strategy: "random", seed: 3 });
    expect(new Set(random.map((x) => x.imageId)).size).toBe(3);
  });

  it("an image labeled everywhere is never suggested, by any strategy", () => {
    const hot = { x0: 0, x1: 64, y0: 0, y1: 48 };
    const full = addImage("full.png", fakePrediction(hot));
    const open = addImage("open.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }));
    const before = store.mask(full);
    const after = cloneMask(before);
    after.classes.fill(0);
    after.sources.fill(Source.human);
    store.commitDiff(full, before, after, { tool: "fill", classIdx: 0, width: 1, points: [], author: "t" });
    expect(openTrainImages(store)).toBe(1);
    for (const strategy of ["uncertainty", "random"] as const)
      expect(computeSuggestions(store, { n: 5, strategy, save: false }).map((x) => x.imageId)).toEqual([
        open,
      ]);
    const before2 = store.mask(open);
    store.commitDiff(open, before2, after, { tool: "fill", classIdx: 0, width: 1, points: [], author: "t" });
    expect(openTrainImages(store)).toBe(0);
    expect(computeSuggestions(store, { n: 5 })).toEqual([]);
    expect(storedSuggestions(store)).toEqual([]);
  });

  it("random regions keep the uncertainty strategy's images and spread the regions at random", () => {
    addImage("unsure-left.png", fakePrediction({ x0: 0, x1: 16, y0: 0, y1: 48 }));
    addImage("unsure-right.png", fakePrediction({ x0: 48, x1: 64, y0: 0, y1: 48 }));
    addImage("calm.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }));
    const opts = { n: 2, regionsPerImage: 3, windowFraction: 0.25, save: false };
    const scored = computeSuggestions(store, opts);
    const random = computeSuggestions(store, { ...opts, randomRegions: true, seed: 5 });
    expect(random.map((s) => s.imageId)).toEqual(scored.map((s) => s.imageId));
    for (const s of random) {
      expect(s.regions).toHaveLength(3);
      for (const r of s.regions) {
        expect(r.x).toBeGreaterThanOrEqual(0);
        expect(r.y).toBeGreaterThanOrEqual(0);
        expect(r.x + r.width).toBeLessThanOrEqual(W);
        expect(r.y + r.height).toBeLessThanOrEqual(H);
      }
    }
    // Not the scored windows (those sit on each image's unsure band), and a seed is a fixed draw.
    const boxes = (q: typeof scored) => q.flatMap((s) => s.regions.map((r) => [r.x, r.y]));
    expect(boxes(random)).not.toEqual(boxes(scored));
    expect(boxes(computeSuggestions(store, { ...opts, randomRegions: true, seed: 5 }))).toEqual(
      boxes(random),
    );
    expect(boxes(computeSuggestions(store, { ...opts, randomRegions: true, seed: 6 }))).not.toEqual(
      boxes(random),
    );
  });

  it("with embeddings, diversity is what the network sees, not the layout of the prediction", () => {
    // a and c have the same predicted layout but look different to the network; a and b are the
    // other way round. All are equally unsure; a comes first.
    const left = fakePrediction({ x0: 0, x1: 32, y0: 0, y1: 48 });
    const right = fakePrediction({ x0: 32, x1: 64, y0: 0, y1: 48 });
    const a = addImage("a.png", left, "train", [1, 0]);
    const b = addImage("b.png", right, "train", [1, 0]);
    const c = addImage("c.png", left, "train", [0, 1]);
    const byLayout = computeSuggestions(store, { n: 2, coverage: false, save: false });
    expect(byLayout.map((x) => x.imageId)).toEqual([a, b]);
    const byNetwork = computeSuggestions(store, { n: 2, coverage: false, embeddings: true, save: false });
    expect(byNetwork.map((x) => x.imageId)).toEqual([a, c]);
    expect(readStoredPrediction(store, c, modelId)?.embedding).toEqual(new Float32Array([0, 1]));
    // A prediction without an embedding (made before format 4): layout descriptors for all.
    addImage("old.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }));
    const fallback = computeSuggestions(store, { n: 2, coverage: false, embeddings: true, save: false });
    expect(fallback.map((x) => x.imageId)).toEqual([a, b]);
  });

  it("typical regions ask about the part of the images the labels do not cover, from stored grids", () => {
    // 4 x 3 cells of 16 px: the left half looks like [1, 0] to the network, the right like [0, 1].
    const grid = (): EmbeddingGrid => {
      const values = new Float32Array(12 * 2);
      for (let c = 0; c < 12; c++) values[c * 2 + (c % 4 < 2 ? 0 : 1)] = 1;
      return { cols: 4, rows: 3, cell: 16, dim: 2, values };
    };
    // The most unsure band is on the left, which a labeled image already covers.
    const pred = fakePrediction({ x0: 0, x1: 32, y0: 0, y1: 48 });
    const labeled = addImage("labeled.png", pred, "train", undefined, grid());
    const before = store.mask(labeled);
    const after = cloneMask(before);
    for (let y = 0; y < H; y += 8) {
      after.classes.fill(0, y * W, y * W + 32);
      after.sources.fill(Source.human, y * W, y * W + 32);
    }
    store.commitDiff(labeled, before, after, {
      tool: "brush",
      classIdx: 0,
      width: 1,
      points: [],
      author: "t",
    });
    const a = addImage("a.png", pred, "train", undefined, grid());
    addImage("b.png", pred, "train", undefined, grid());
    const typical = computeSuggestions(store, { n: 1, typical: true, regionsPerImage: 1, save: false });
    expect(typical).toHaveLength(1);
    expect(typical[0].regions[0].x + typical[0].regions[0].width / 2).toBeGreaterThanOrEqual(32);
    const byUncertainty = computeSuggestions(store, { n: 1, regionsPerImage: 1, save: false });
    expect(byUncertainty[0].regions[0].x + byUncertainty[0].regions[0].width / 2).toBeLessThan(32);
    expect(readStoredPrediction(store, a, modelId)?.embeddingGrid?.cols).toBe(4);
    // A prediction without a grid (made before format 5): the other options decide, as without --typical.
    addImage("old.png", pred);
    const fallback = computeSuggestions(store, { n: 1, typical: true, regionsPerImage: 1, save: false });
    expect(fallback).toEqual(computeSuggestions(store, { n: 1, regionsPerImage: 1, save: false }));
  });

  it("coverage sends the queue where the labels don't reach, and a one-off outlier does not head it", () => {
    // Scene A (class border at x=32) has a labeled image; an unlabeled A is a little more unsure
    // than the unlabeled B (border at x=8), yet B is what the labels say nothing about yet.
    const labeledA = addImage("a-labeled.png", fakePrediction({ x0: 0, x1: 64, y0: 0, y1: 40 }));
    const moreUnsureA = addImage("a-unsure.png", fakePrediction({ x0: 0, x1: 64, y0: 0, y1: 44 }));
    const b = addImage("b.png", fakePrediction({ x0: 0, x1: 64, y0: 0, y1: 40 }, 8));
    const before = store.mask(labeledA);
    const after = cloneMask(before);
    after.classes.fill(0, W * 46, W * 47);
    after.sources.fill(Source.human, W * 46, W * 47);
    store.commitDiff(labeledA, before, after, {
      tool: "brush",
      classIdx: null,
      width: 1,
      points: [],
      author: "t",
    });
    const without = computeSuggestions(store, { n: 1, coverage: false, save: false });
    expect(without[0].imageId).toBe(moreUnsureA);
    const covered = computeSuggestions(store, { n: 1, coverage: true, save: false });
    expect(covered[0].imageId).toBe(b);
    // Five similar images and one unlike any other: the outlier is the least typical by far.
    const dens = representativeness([0, 0.1, 0.2, 0.1, 0.05, 5].map((v) => new Float32Array([v])));
    expect(Math.max(...dens)).toBe(1);
    expect(Math.min(...dens.slice(0, 5))).toBeGreaterThan(0.5);
    expect(dens[5]).toBeLessThan(0.3);
  });

  it("scores by margin when asked, says to predict again without margins, and reads a format-7 file read-only", () => {
    const hot = { x0: 0, x1: 64, y0: 0, y1: 48 };
    const a = addImage("a.png", fakePrediction(hot));
    addImage("b.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }));
    // These predictions were stored without a margin (as before format 8).
    expect(readStoredPrediction(store, a)?.margin).toBeNull();
    expect(() => computeSuggestions(store, { n: 1, measure: "margin", save: false })).toThrow(
      /a\.png was predicted before margins were stored; predict again/,
    );
    // The labeling screen's layer says so too, and still shows entropy when asked.
    expect(readPrediction(store, a, "margin")).toMatchObject({
      measure: "margin",
      uncertaintyRle: null,
      uncertaintyMissing: "predicted before margins were stored: predict again",
    });
    expect(readPrediction(store, a)?.uncertaintyRle).not.toBeNull();
    // With margins: a low margin (near-tie) is what makes a pixel uncertain.
    const tie = new Uint8Array(W * H).fill(255);
    for (let y = hot.y0; y < hot.y1; y++) tie.fill(10, y * W + hot.x0, y * W + hot.x1);
    withRawDb(store, (db) =>
      db
        .prepare("UPDATE predictions SET margin = ? WHERE image_id = ?")
        .run(Buffer.from(encodeIndexPng(tie, W, H)), a),
    );
    withRawDb(store, (db) =>
      db
        .prepare("UPDATE predictions SET margin = ? WHERE image_id != ?")
        .run(Buffer.from(encodeIndexPng(new Uint8Array(W * H).fill(255), W, H)), a),
    );
    const byMargin = computeSuggestions(store, { n: 2, measure: "margin", save: false });
    const shown = readPrediction(store, a, "margin");
    expect(shown?.uncertaintyMissing).toBeNull();
    expect(decodeRle(Buffer.from(shown?.uncertaintyRle ?? "", "base64"), W * H)[0]).toBe(255 - 10);
    expect(byMargin[0].image).toBe("a.png");
    expect(byMargin[0].score).toBeGreaterThan(byMargin[1].score);
    // A format-7 file (no margin column) opened read-only still reads its predictions.
    withRawDb(store, (db) =>
      db.exec(
        "ALTER TABLE predictions DROP COLUMN margin; DROP INDEX strokes_person; ALTER TABLE strokes DROP COLUMN person; ALTER TABLE rounds DROP COLUMN labels_by_person; ALTER TABLE classes DROP COLUMN deleted_at",
      ),
    );
    withRawDb(store, (db) => db.pragma("user_version = 7"));
    const file = store.file;
    store.close();
    const old = ProjectStore.open(file, { readonly: true });
    try {
      expect(readStoredPrediction(old, a)).toMatchObject({ margin: null });
    } finally {
      old.close();
    }
    store = ProjectStore.open(file);
  });
});
