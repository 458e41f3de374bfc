import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { predict, tileSpans } from "./predict.ts";
import { seededNetwork } from "../testing/seeded.ts";

/** A small network with seeded weights (the agreement checks below need a fixed init). */
const net = () => seededNetwork({ numClasses: 4, widths: [8, 16, 16], embeddingDim: 4, projectionHidden: 4 });

function randomImage(width: number, height: number, channels: 1 | 3 | 4) {
  const pixels = new Uint8Array(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  return { pixels, width, height, channels };
}

describe("prediction", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("tiles cover the axis with contiguous kept parts", () => {
    for (const [total, tile, overlap] of [
      [100, 200, 16],
      [1000, 256, 32],
      [257, 256, 64],
      [513, 128, 0],
    ]) {
      const spans = tileSpans(total, tile, overlap);
      expect(spans[0].keepStart).toBe(0);
      expect(spans[spans.length - 1].keepEnd).toBe(total);
      spans.forEach((s, i) => {
        expect(s.start).toBeGreaterThanOrEqual(0);
        expect(s.start + s.length).toBeLessThanOrEqual(total);
        expect(s.keepStart).toBeGreaterThanOrEqual(s.start);
        expect(s.keepEnd).toBeLessThanOrEqual(s.start + s.length);
        if (i > 0) expect(s.keepStart).toBe(spans[i - 1].keepEnd);
      });
    }
  });

  for (const channels of [1, 3, 4] as const) {
    it(`returns maps at the original size for odd sizes (${channels} channel(s))`, () => {
      const n = net();
      const before = tf.memory().numTensors;
      const p = predict(n, randomImage(53, 37, channels));
      expect(tf.memory().numTensors).toBe(before);
      expect([p.width, p.height, p.numClasses]).toEqual([53, 37, 4]);
      for (const a of [p.classMap, p.confidence, p.entropy]) expect(a.length).toBe(53 * 37);
      expect(Math.max(...p.classMap)).toBeLessThan(4);
      expect(Math.min(...p.confidence)).toBeGreaterThanOrEqual(0.25 - 1e-6);
      expect(Math.max(...p.confidence)).toBeLessThanOrEqual(1 + 1e-6);
      expect(Math.min(...p.entropy)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...p.entropy)).toBeLessThanOrEqual(1 + 1e-6);
      n.dispose();
    });
  }

  it("tiled and rescaled prediction keep the output geometry and agree with the untiled one", () => {
    const n = net();
    const image = randomImage(90, 70, 3);
    const whole = predict(n, image);
    const tiled = predict(n, image, { tileSize: 48, overlap: 16 });
    const scaled = predict(n, image, { scale: 0.5 });
    expect(tiled.classMap.length).toBe(90 * 70);
    expect(scaled.classMap.length).toBe(90 * 70);
    // Tiles see less context at their borders, so allow some disagreement.
    let same = 0;
    for (let i = 0; i < whole.classMap.length; i++) if (whole.classMap[i] === tiled.classMap[i]) same++;
    console.log(`tiled agrees with untiled on ${((100 * same) / whole.classMap.length).toFixed(1)}%`);
    expect(same / whole.classMap.length).toBeGreaterThan(0.7);
    n.dispose();
  });

  it("the image embedding is a unit vector that leaves the maps alone and describes the image", () => {
    const n = net();
    const image = randomImage(90, 70, 3);
    const before = tf.memory().numTensors;
    const plain = predict(n, image);
    const withEmb = predict(n, image, { embedding: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(plain.embedding).toBeUndefined();
    expect(withEmb.classMap).toEqual(plain.classMap);
    const e = withEmb.embedding as Float32Array;
    expect(e.length).toBe(4);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
    expect(dot(e, e)).toBeCloseTo(1, 5);
    // Tiling changes it only a little; a different image (flat gray) moves it further.
    const tiled = predict(n, image, { embedding: true, tileSize: 48, overlap: 16 }).embedding as Float32Array;
    const flat = {
      pixels: new Uint8Array(90 * 70 * 3).fill(128),
      width: 90,
      height: 70,
      channels: 3 as const,
    };
    const other = predict(n, flat, { embedding: true }).embedding as Float32Array;
    expect(dot(e, tiled)).toBeGreaterThan(0.95);
    expect(dot(e, other)).toBeLessThan(dot(e, tiled));
    n.dispose();
  });

  it("the embedding grid tells the parts of an image apart, with or without tiles", () => {
    const n = net();
    // Left half flat gray, right half noise: cells within a half look alike, across halves less so.
    const image = randomImage(96, 64, 3);
    for (let y = 0; y < 64; y++) image.pixels.fill(128, y * 96 * 3, (y * 96 + 48) * 3);
    const g = predict(n, image, { embedding: true, gridCell: 16 }).embeddingGrid;
    expect(g).toBeDefined();
    if (!g) return;
    expect([g.cols, g.rows, g.cell, g.dim]).toEqual([6, 4, 16, 4]);
    const cellVec = (grid: typeof g, c: number, r: number) =>
      grid.values.subarray((r * grid.cols + c) * grid.dim, (r * grid.cols + c + 1) * grid.dim);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
    for (let c = 0; c < 24; c++) {
      const v = cellVec(g, c % 6, Math.floor(c / 6));
      expect(dot(v, v)).toBeCloseTo(1, 4);
    }
    const inGray = dot(cellVec(g, 0, 1), cellVec(g, 1, 2));
    const across = dot(cellVec(g, 0, 1), cellVec(g, 5, 2));
    expect(inGray).toBeGreaterThan(across);
    const tiled = predict(n, image, {
      embedding: true,
      gridCell: 16,
      tileSize: 48,
      overlap: 16,
    }).embeddingGrid;
    if (!tiled) throw new Error("no grid");
    for (let c = 0; c < 6; c++) expect(dot(cellVec(g, c, 1), cellVec(tiled, c, 1))).toBeGreaterThan(0.9);
    n.dispose();
  });

  it("rejects pixel buffers of the wrong size with a clear error", () => {
    const n = net();
    expect(() => predict(n, { pixels: new Uint8Array(10), width: 4, height: 4, channels: 3 })).toThrow(
      /expected 48 bytes/,
    );
    n.dispose();
  });
});
