import { describe, expect, it } from "vitest";
import { decodeRle, encodeRle } from "./rle.ts";
import { rng } from "../testing/rng.ts";

describe("RLE", () => {
  it("round-trips random layers of any length and alignment", () => {
    const rand = rng(7);
    for (let t = 0; t < 200; t++) {
      const n = Math.floor(rand() * 3000);
      const a = new Uint8Array(n);
      for (let i = 0; i < n;) {
        const len = Math.floor(rand() ** 3 * 300) + 1;
        a.fill(Math.floor(rand() * 3) * 100, i, i + len);
        i += len;
      }
      const off = Math.floor(rand() * 4);
      const buf = new Uint8Array(n + 4);
      buf.set(a, off);
      expect(decodeRle(encodeRle(buf.subarray(off, off + n)), n)).toEqual(a);
    }
  });

  it("compresses sparse masks and rejects corrupt data", () => {
    const a = new Uint8Array(480 * 360).fill(255);
    a.fill(3, 1000, 1500);
    expect(encodeRle(a).length).toBeLessThan(16);
    expect(() => decodeRle(encodeRle(a), a.length + 1)).toThrow(/corrupt RLE data/);
    expect(() => decodeRle(Buffer.from([5, 0x80]), 10)).toThrow(/truncated/);
  });
});
