import { describe, expect, it } from "vitest";
import { pairedTest } from "./paired-test.ts";

describe("pairedTest: is a strategy's lead over random more than seed noise?", () => {
  it("a lead in every one of 5 seeds: p is the smallest possible, 2 / 2^5", () => {
    const { t, p } = pairedTest([0.03, 0.05, 0.02, 0.04, 0.06]);
    expect(p).toBeCloseTo(2 / 32, 10);
    expect(t).toBeCloseTo(0.04 / (Math.sqrt(0.00025) / Math.sqrt(5)), 6);
  });

  it("gains and losses that cancel: no evidence (p = 1, t = 0)", () => {
    const { t, p } = pairedTest([0.02, -0.02, 0.05, -0.05]);
    expect(p).toBe(1);
    expect(t).toBeCloseTo(0, 10);
  });

  it("one big loss among small gains is not waved through", () => {
    // mean +0.0075, ahead in 7 of 8, but flipping the signs of the small gains is as extreme as often as not
    const { p } = pairedTest([0.02, 0.02, 0.02, 0.02, -0.05, 0.015, 0.015, 0.02]);
    expect(p).toBeGreaterThan(0.2);
  });
});
