import { describe, expect, it } from "vitest";
import { uncertaintyPalette, uncertaintyThreshold } from "./palette.ts";

const alpha = (c: number) => c >>> 24;

describe("uncertainty overlay palette", () => {
  it("shows at most the top fraction of pixels", () => {
    const values = Uint8Array.from({ length: 1000 }, (_, i) => Math.floor((i * 256) / 1000));
    const t = uncertaintyThreshold(values, 0.2);
    const shown = values.filter((v) => v > t).length;
    expect(shown).toBeLessThanOrEqual(200);
    expect(shown).toBeGreaterThan(180);
    expect(uncertaintyThreshold(values, 1)).toBe(-1);
  });

  it("shows nothing of a map that is the same everywhere", () => {
    const t = uncertaintyThreshold(new Uint8Array(100).fill(180), 0.2);
    expect(uncertaintyPalette(t)[180]).toBe(0);
  });

  it("grows more opaque with uncertainty, transparent below the threshold", () => {
    const lut = uncertaintyPalette(100);
    expect(lut[100]).toBe(0);
    expect(alpha(lut[101])).toBeGreaterThan(0);
    expect(alpha(lut[255])).toBe(255);
    expect(alpha(lut[200])).toBeGreaterThan(alpha(lut[150]));
  });
});
