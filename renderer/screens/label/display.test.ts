import { describe, expect, it } from "vitest";
import { imageFilter, percentiles, protectLut, stretch } from "./display.ts";

describe("display settings", () => {
  it("stretches [lo, hi] to the full range through brightness then contrast", () => {
    const { brightness: b, contrast: c } = stretch(0.02, 0.12);
    const show = (v: number) => (v * b - 0.5) * c + 0.5;
    expect(show(0.02)).toBeCloseTo(0);
    expect(show(0.12)).toBeCloseTo(1);
  });

  it("reads the percentiles of a dark part in view, leaving parts with their levels in order as they are", () => {
    const w = 10;
    const lum = new Uint8Array(100);
    for (let i = 0; i < 100; i++) lum[i] = i < 50 ? 5 + (i % 20) : (i * 5) % 256;
    const dark = percentiles(lum, w, { x0: 0, y0: 0, x1: 10, y1: 5 })!;
    expect(dark.hi).toBeLessThan(0.2);
    expect(
      percentiles(
        Uint8Array.from({ length: 256 }, (_, i) => i),
        16,
        { x0: 0, y0: 0, x1: 16, y1: 16 },
      ),
    ).toBeNull();
  });

  it("caps the gain of a flat area", () => {
    const p = percentiles(new Uint8Array(100).fill(10), 10, { x0: 0, y0: 0, x1: 10, y1: 10 })!;
    expect(p.hi - p.lo).toBeCloseTo(1 / 8);
  });

  it("makes the CSS filter, none when nothing changes", () => {
    expect(imageFilter({ brightness: 1, contrast: 1, gamma: 1 }, null, "g")).toBe("none");
    expect(imageFilter({ brightness: 1.5, contrast: 1, gamma: 2 }, null, "g")).toBe(
      "url(#g) brightness(1.5)",
    );
  });

  it("marks locked classes", () => {
    expect(protectLut([])).toBeNull();
    expect(protectLut([2])![2]).toBe(1);
  });
});
