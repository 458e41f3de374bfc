import { afterEach, beforeEach, describe, expect, it } from "vitest";
import crypto from "node:crypto";
import path from "node:path";
import { ProjectStore, type ChangeRecord } from "../store/project-store.ts";
import { decodeRle, encodeRle } from "../labels/rle.ts";
import { readPrediction } from "../api/predictions.ts";
import { encodeIndexPng } from "../exchange/index-png.ts";
import { applyStroke } from "../labels/edit.ts";
import { Source, UNLABELED, cloneMask } from "../labels/mask.ts";
import { tmpDir } from "../testing/tmp.ts";
import {
  imageUncertainty,
  rarityWeights,
  regionCandidates,
  regionScores,
  representativeness,
  spreadRegions,
  iou,
} from "./scoring.ts";
import { computeSuggestions, openTrainImages, storedSuggestions } from "./suggest.ts";
import { acceptAboveConfidence, acceptComponent, acceptInRect, clearAccepted } from "./accept.ts";
import { listRounds, recordRound } from "./rounds.ts";
import { readStoredPrediction } from "./prediction-data.ts";
import { encodeEmbedding, encodeEmbeddingGrid, type EmbeddingGrid } from "../store/embedding-blobs.ts";

const W = 64;
const H = 48;

/** A prediction: left half class 0, right half class 1; uncertainty high in a band `band`. */
function fakePrediction(band: { x0: number; x1: number; y0: number; y1: number }, split = 32) {
  const classes = new Uint8Array(W * H);
  const entropy = new Uint8Array(W * H);
  const confidence = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      classes[i] = x < split ? 0 : 1;
      const hot = x >= band.x0 && x < band.x1 && y >= band.y0 && y < band.y1;
      entropy[i] = hot ? 230 : 20;
      confidence[i] = hot ? 120 : 250;
    }
  return { classes, entropy, confidence };
}

/**
 * A street-like scene: sky (0) above row 16, building (1) to row 32, road (2) below; the road is
 * the most unsure, the building a little less, the sky least (`skyEntropy`).
 */
function streetScene(skyEntropy: number) {
  const classes = new Uint8Array(W * H);
  const entropy = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      classes[y * W + x] = y < 16 ? 0 : y < 32 ? 1 : 2;
      entropy[y * W + x] = y < 16 ? skyEntropy : y < 32 ? 150 : 200;
    }
  return { width: W, height: H, classes, entropy, labels: new Uint8Array(W * H).fill(UNLABELED) };
}

/** The class at the middle row of a region of a street scene. */
function streetClassOf(r: { y: number; height: number }): number {
  const row = Math.floor(r.y + r.height / 2);
  return row < 16 ? 0 : row < 32 ? 1 : 2;
}

/** No two regions overlap by more than the NMS bound. */
function expectApart(regions: readonly { x: number; y: number; width: number; height: number }[]) {
  for (let i = 0; i < regions.length; i++)
    for (let j = i + 1; j < regions.length; j++) expect(iou(regions[i], regions[j])).toBeLessThanOrEqual(0.1);
}

describe("active-learning loop", () => {
  let t: ReturnType<typeof tmpDir>;
  let store: ProjectStore;
  let modelId: number;
  const ids: number[] = [];

  function addImage(
    name: string,
    pred: ReturnType<typeof fakePrediction>,
    split: "train" | "val" | "test" = "train",
    embedding?: number[],
    grid?: EmbeddingGrid,
  ) {
    const id = store.insertImage({
      absPath: path.join(store.dir, name),
      sha256: crypto.createHash("sha256").update(name).digest("hex"),
      width: W,
      height: H,
      channels: 3,
      bitDepth: 8,
      split,
      thumbnail: { width: 1, height: 1, webp: Buffer.from([0]) },
    });
    let s = 0;
    for (const v of pred.entropy) s += v / 255;
    store.db
      .prepare(
        "INSERT INTO predictions (image_id, model_id, created_at, class_rle, confidence, entropy, score, embedding, embedding_grid) VALUES (?, ?, 'now', ?, ?, ?, ?, ?, ?)",
      )
      .run(
        id,
        modelId,
        encodeRle(pred.classes),
        Buffer.from(encodeIndexPng(pred.confidence, W, H)),
        Buffer.from(encodeIndexPng(pred.entropy, W, H)),
        s / (W * H),
        embedding ? encodeEmbedding(new Float32Array(embedding)) : null,
        grid ? encodeEmbeddingGrid(grid) : null,
      );
    ids.push(id);
    return id;
  }

  beforeEach(() => {
    t = tmpDir();
    ids.length = 0;
    store = ProjectStore.create(path.join(t.dir, "loop.pxl"), {
      name: "loop",
      classes: [
        { idx: 0, name: "a", color: "#ff0000" },
        { idx: 1, name: "b", color: "#0000ff" },
      ],
    });
    modelId = Number(
      store.db
        .prepare(
          "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics) VALUES ('m', 'now', '{}', 'wasm', x'00', '{}', '{\"validation\":{\"miou\":0.42}}')",
        )
        .run().lastInsertRowid,
    );
  });
  afterEach(() => {
    store.close();
    t.cleanup();
  });

  it("image uncertainty counts only unlabeled pixels", () => {
    const p = fakePrediction({ x0: 0, x1: 64, y0: 0, y1: 24 });
    const labels = new Uint8Array(W * H).fill(UNLABELED);
    const before = imageUncertainty({ width: W, height: H, classes: p.classes, entropy: p.entropy, labels });
    labels.fill(0, 0, W * 24); // label the uncertain top half
    const after = imageUncertainty({ width: W, height: H, classes: p.classes, entropy: p.entropy, labels });
    expect(after).toBeLessThan(before / 3);
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

  it("regions favour uncertain places where classes mix, and do not pile up", () => {
    const p = fakePrediction({ x0: 24, x1: 40, y0: 10, y1: 30 }); // uncertain band across the class border
    const r = regionScores(
      {
        width: W,
        height: H,
        classes: p.classes,
        entropy: p.entropy,
        labels: new Uint8Array(W * H).fill(UNLABELED),
      },
      { numClasses: 2, topK: 3, windowFraction: 0.3 },
    );
    expect(r.length).toBe(3);
    const best = r[0];
    expect(best.x).toBeLessThanOrEqual(32);
    expect(best.x + best.width).toBeGreaterThan(32);
    expectApart(r);
    expect(r[0].score).toBeGreaterThanOrEqual(r[1].score);
  });

  it("each window's score and class mix are those of its own pixels (odd sizes, labels, class weights)", () => {
    const w = 67;
    const h = 41;
    const K = 3;
    const classes = new Uint8Array(w * h);
    const entropy = new Uint8Array(w * h);
    const labels = new Uint8Array(w * h).fill(UNLABELED);
    for (let i = 0; i < w * h; i++) {
      classes[i] = (i * 7 + Math.floor(i / w)) % (K + 1); // K itself: a pixel of no class
      entropy[i] = (i * 2654435761) >>> 24;
      if (i % 5 === 0 || i % w < 9) labels[i] = 0;
    }
    const s = { width: w, height: h, classes, entropy, labels, classWeights: [1, 2, 0.5] };
    const candidates = regionCandidates(s, { numClasses: K, windowFraction: 0.3 });
    expect(candidates.length).toBeGreaterThan(8);
    // The windows reach the right and bottom edges.
    expect(Math.max(...candidates.map((c) => c.x + c.width))).toBe(w);
    expect(Math.max(...candidates.map((c) => c.y + c.height))).toBe(h);
    for (const c of candidates) {
      let u = 0;
      let n = 0;
      const counts = new Array(K).fill(0);
      for (let y = c.y; y < c.y + c.height; y++) {
        for (let x = c.x; x < c.x + c.width; x++) {
          const i = y * w + x;
          if (classes[i] < K) counts[classes[i]]++;
          if (labels[i] !== UNLABELED) continue;
          u += (entropy[i] / 255) * (s.classWeights[classes[i]] ?? 1);
          n++;
        }
      }
      const area = c.width * c.height;
      const mix = counts.map((v) => v / area);
      expect(Array.from(c.mix)).toEqual(mix);
      const gini = 1 - mix.reduce((a, m) => a + m * m, 0);
      expect(c.score).toBeCloseTo((0.25 + gini) * (u / n) * (n / area), 10);
    }
  });

  it("diverse regions show one image's different parts, not three spots of the same thing", () => {
    const input = streetScene(10); // the sky hardly unsure at all
    const opts = { numClasses: 3, topK: 3, windowFraction: 1 / 3 };
    const same = regionScores(input, opts);
    expect(same.map(streetClassOf)).toEqual([2, 2, 2]); // all on the road
    const diverse = regionScores(input, { ...opts, diverse: true });
    expect(streetClassOf(diverse[0])).toBe(2); // the most unsure place still comes first
    expect(diverse.map(streetClassOf)).toContain(1); // then the building, not more road
    expectApart(diverse);
  });

  it("class spread asks one round's questions about several classes, least about the most labeled", () => {
    // Two street-like images: sky (0) on top, building (1) in the middle, road (2) at the bottom.
    // Road is the most unsure everywhere, so the plain per-image pick asks only about road.
    const images = [streetScene(60), streetScene(60)];
    const opts = { numClasses: 3, windowFraction: 1 / 3 };
    const plain = images.map((im) => regionScores(im, { ...opts, topK: 2 }));
    expect(plain.flat().map(streetClassOf)).toEqual([2, 2, 2, 2]);

    const cands = images.map((im) => regionCandidates(im, opts));
    const spread = spreadRegions(cands, { perImage: 2, numClasses: 3 });
    expect(spread.map((r) => r.length)).toEqual([2, 2]); // the same number of questions
    const asked = spread.flat().map(streetClassOf);
    expect(asked).toContain(2); // the most unsure class is still asked about
    expect(asked).toContain(1); // and the building too, not road four times
    for (const regions of spread) expectApart(regions);

    // When road already holds almost all labels, each image's first question is about something else.
    const roadHeavy = spreadRegions(cands, { perImage: 2, numClasses: 3, labeledShare: [0.02, 0.03, 0.95] });
    expect(roadHeavy.map((regions) => streetClassOf(regions[0]))).toEqual([1, 1]);
    const roadQuestions = (rs: { y: number; height: number }[]) =>
      rs.filter((r) => streetClassOf(r) === 2).length;
    expect(roadQuestions(roadHeavy.flat())).toBeLessThan(roadQuestions(spread.flat()));
    expect(roadQuestions(spread.flat())).toBeLessThan(roadQuestions(plain.flat()));
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

  it("accepting predictions labels only unlabeled pixels, with provenance, and can be undone or cleared", () => {
    const id = addImage("x.png", fakePrediction({ x0: 40, x1: 64, y0: 0, y1: 48 }));
    const before = store.mask(id);
    const drawn = applyStroke(before, {
      tool: "brush",
      classIdx: 1,
      width: 4,
      points: [
        [2, 2],
        [20, 2],
      ],
    });
    store.commitChange(id, before, drawn!.mask, drawn!.rect, {
      tool: "brush",
      classIdx: 1,
      width: 4,
      points: [
        [2, 2],
        [20, 2],
      ],
      author: "me",
    });
    const human = store.summary().humanPixels;

    const r = acceptInRect(store, id, { x: 0, y: 0, width: 30, height: 10 });
    expect(r.acceptedPixels).toBe(30 * 10 - human);
    const m = store.mask(id);
    expect(m.classes[2 * W + 10]).toBe(1); // the person's label survives
    expect(m.sources[2 * W + 10]).toBe(Source.human);
    expect(m.classes[8 * W + 25]).toBe(0);
    expect(m.sources[8 * W + 25]).toBe(Source.accepted);
    const stroke = store.strokes(id).at(-1)!;
    expect([stroke.tool, stroke.modelId]).toEqual(["accept", modelId]);

    store.undo(id);
    expect(store.summary().acceptedPixels).toBe(0);
    store.redo(id);

    const conf = acceptAboveConfidence(store, id, 0.9); // everything outside the uncertain band
    expect(conf.acceptedPixels).toBe(40 * 48 - 30 * 10);
    const comp = acceptComponent(store, id, 50, 20); // right half, class 1
    expect(comp.acceptedPixels).toBe(24 * 48);
    expect(clearAccepted(store, id)).toBe(W * H - human);
    expect(store.summary()).toMatchObject({ humanPixels: human, acceptedPixels: 0 });
    expect(readStoredPrediction(store, id)?.confidence[0]).toBe(250);
  });

  it("rounds record labeled pixels by provenance, labeling time and val mIoU", () => {
    const id = addImage("x.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }));
    const times = [
      "2020-01-01T10:00:00.000Z",
      "2020-01-01T10:00:20.000Z",
      "2020-01-01T10:30:00.000Z",
      "2020-01-01T10:30:05.000Z",
    ];
    for (const [k, at] of times.entries()) {
      const before = store.mask(id);
      const r = applyStroke(before, { tool: "brush", classIdx: 0, width: 2, points: [[k * 5, 5]] });
      const row = store.commitChange(id, before, r!.mask, r!.rect, {
        tool: "brush",
        classIdx: 0,
        width: 2,
        points: [[k * 5, 5]],
        author: "me",
      });
      store.db.prepare("UPDATE strokes SET created_at = ? WHERE id = ?").run(at, row.id);
    }
    // A val image labeled densely (the held-out check): its pixels are not what the model learns from.
    const valId = addImage("v.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }), "val");
    const valMask = store.mask(valId);
    const dense = applyStroke(valMask, { tool: "brush", classIdx: 1, width: 200, points: [[20, 20]] })!;
    store.commitChange(valId, valMask, dense.mask, dense.rect, {
      tool: "brush",
      classIdx: 1,
      width: 200,
      points: [[20, 20]],
      author: "me",
    });
    store.db
      .prepare("UPDATE strokes SET created_at = ? WHERE image_id = ?")
      .run("2020-01-01T10:30:05.000Z", valId);
    const round = recordRound(store, modelId);
    expect(round).toMatchObject({ round: 1, modelId, valMiou: 0.42, acceptedPixels: 0, labeledImages: 1 });
    expect(round.labelingSeconds).toBe(20 + 60 + 5); // the half-hour break counts as 60 s
    expect(round.labelsScope).toBe("train");
    expect(round.humanPixels).toBe(store.image(id)!.labeledPixels);
    expect(round.labeledPixels).toBe(store.summary().labeledPixels - W * H);
    recordRound(store, null);
    expect(listRounds(store).map((r) => r.labelingSeconds)).toEqual([85, 0]);
    // A round recorded before format 7 counted every split's labels, and says so.
    store.db
      .prepare(
        `INSERT INTO rounds (model_id, created_at, labeled_pixels, human_pixels, accepted_pixels, labeled_images, labeling_seconds)
         VALUES (NULL, 'then', 10, 10, 0, 2, 0)`,
      )
      .run();
    expect(listRounds(store).map((r) => r.labelsScope)).toEqual(["train", "train", "all"]);
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
    store.db
      .prepare("UPDATE predictions SET margin = ? WHERE image_id = ?")
      .run(Buffer.from(encodeIndexPng(tie, W, H)), a);
    store.db
      .prepare("UPDATE predictions SET margin = ? WHERE image_id != ?")
      .run(Buffer.from(encodeIndexPng(new Uint8Array(W * H).fill(255), W, H)), a);
    const byMargin = computeSuggestions(store, { n: 2, measure: "margin", save: false });
    const shown = readPrediction(store, a, "margin");
    expect(shown?.uncertaintyMissing).toBeNull();
    expect(decodeRle(Buffer.from(shown?.uncertaintyRle ?? "", "base64"), W * H)[0]).toBe(255 - 10);
    expect(byMargin[0].image).toBe("a.png");
    expect(byMargin[0].score).toBeGreaterThan(byMargin[1].score);
    // A format-7 file (no margin column) opened read-only still reads its predictions.
    store.db.exec("ALTER TABLE predictions DROP COLUMN margin");
    store.db.pragma("user_version = 7");
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
