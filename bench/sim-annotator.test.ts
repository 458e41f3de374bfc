import { describe, expect, it } from "vitest";
import { emptyMask, Source, UNLABELED } from "../app/common/mask.ts";
import { scribbleRegion } from "./sim-annotator.ts";

/** 80 x 60: sky (0) above row 20, road (3) below; a 6-px pole (2) at x 30..35 from row 5 down. */
function scene(): { gt: Uint8Array; w: number; h: number } {
  const w = 80;
  const h = 60;
  const gt = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) gt[y * w + x] = x >= 30 && x < 36 && y >= 5 ? 2 : y < 20 ? 0 : 3;
  return { gt, w, h };
}

describe("simulated annotator (bench:loop)", () => {
  it("puts a stroke on every class in the region, the thin upright one too, within its allowance", () => {
    const { gt, w, h } = scene();
    const mask = emptyMask(w, h);
    const used = scribbleRegion(gt, mask, w, h, { x: 0, y: 0, width: w, height: h }, 240, 11);
    const perClass = new Map<number, number>();
    for (let i = 0; i < mask.classes.length; i++) {
      if (mask.classes[i] === UNLABELED) continue;
      expect(mask.classes[i]).toBe(gt[i]); // the annotator's eyes are the ground truth
      expect(mask.sources[i]).toBe(Source.human);
      perClass.set(mask.classes[i], (perClass.get(mask.classes[i]) ?? 0) + 1);
    }
    expect(used).toBeLessThanOrEqual(240);
    expect(used).toBe([...perClass.values()].reduce((a, v) => a + v, 0));
    expect([...perClass.keys()].sort()).toEqual([0, 2, 3]);
    // equal shares: the pole gets about as much as the large classes, not what they leave over
    expect(perClass.get(2)).toBeGreaterThanOrEqual(60);
  });

  it("stays inside the region and never redraws labeled pixels", () => {
    const { gt, w, h } = scene();
    const mask = emptyMask(w, h);
    mask.classes.fill(3, 40 * w, 41 * w); // an earlier road stroke on row 40
    const region = { x: 40, y: 25, width: 30, height: 30 };
    const used = scribbleRegion(gt, mask, w, h, region, 10_000, 11);
    expect(used).toBeGreaterThan(0);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const inside =
          x >= region.x && x < region.x + region.width && y >= region.y && y < region.y + region.height;
        if (!inside && y !== 40) expect(mask.classes[y * w + x]).toBe(UNLABELED);
        if (y === 40) expect(mask.sources[y * w + x]).toBe(Source.none);
      }
  });
});
