import { describe, expect, it } from "vitest";
import { UNLABELED } from "../common/mask.ts";
import { H, W, fakePrediction } from "../testing/loop-fixture.ts";
import { regionCandidates, regionScores, imageUncertainty, spreadRegions, iou } from "./scoring.ts";

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
  it("image uncertainty counts only unlabeled pixels", () => {
    const p = fakePrediction({ x0: 0, x1: 64, y0: 0, y1: 24 });
    const labels = new Uint8Array(W * H).fill(UNLABELED);
    const before = imageUncertainty({ width: W, height: H, classes: p.classes, entropy: p.entropy, labels });
    labels.fill(0, 0, W * 24); // label the uncertain top half
    const after = imageUncertainty({ width: W, height: H, classes: p.classes, entropy: p.entropy, labels });
    expect(after).toBeLessThan(before / 3);
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
});
