import { describe, expect, it } from "vitest";
import { countsToString, maskToCounts, stringToCounts, countsToMask } from "./coco-rle.ts";

describe("COCO", () => {
  it("RLE string form round-trips, including long runs (pycocotools encoding)", () => {
    const bits = new Uint8Array(37 * 23);
    for (let i = 0; i < bits.length; i++) bits[i] = (i * 7919) % 13 < 5 || (i > 300 && i < 700) ? 1 : 0;
    const counts = maskToCounts(bits, 37, 23);
    expect(stringToCounts(countsToString(counts))).toEqual(counts);
    expect(countsToMask(counts, 37, 23)).toEqual(bits);
    // Known value from pycocotools: a 2x2 mask with only the bottom-right pixel set.
    expect(countsToString(maskToCounts(Uint8Array.from([0, 0, 0, 1]), 2, 2))).toBe("31");
  });
});
