import { describe, expect, it } from "vitest";
import { decodeEmbeddingGrid, encodeEmbeddingGrid, type EmbeddingGrid } from "./embedding-blobs.ts";
import { unit } from "../testing/vectors.ts";

describe("embedding blobs", () => {
  it("the stored grid keeps each cell's direction (int8) and a damaged blob reads as no grid", () => {
    const g: EmbeddingGrid = {
      cols: 2,
      rows: 1,
      cell: 9,
      dim: 3,
      values: new Float32Array([...unit([1, 2, 2]), 0, 0, 0]),
    };
    const back = decodeEmbeddingGrid(encodeEmbeddingGrid(g));
    expect(back && [back.cols, back.rows, back.cell, back.dim]).toEqual([2, 1, 9, 3]);
    back?.values.forEach((v, i) => expect(Math.abs(v - g.values[i])).toBeLessThan(0.005));
    expect(decodeEmbeddingGrid(encodeEmbeddingGrid(g).subarray(0, 10))).toBeNull();
  });
});
