import { describe, expect, it } from "vitest";
import { applyStroke, applyStrokeInPlace } from "./edit.ts";
import { applyPatch } from "./patch.ts";
import { emptyMask, Source, UNLABELED } from "../common/mask.ts";

describe("strokes", () => {
  it("leave protected (locked) classes as they are, painting and erasing", () => {
    const m = emptyMask(20, 10);
    applyStrokeInPlace(m, { tool: "brush", classIdx: 1, width: 4, points: [[5, 5]] });
    const r = applyStrokeInPlace(m, {
      tool: "brush",
      classIdx: 2,
      width: 30,
      points: [[10, 5]],
      protect: [1],
    })!;
    expect(m.classes[5 * 20 + 5]).toBe(1);
    expect(m.classes[5 * 20 + 15]).toBe(2);
    expect(r.patch.delta?.human).toBeGreaterThan(0);
    applyStrokeInPlace(m, { tool: "eraser", classIdx: null, width: 40, points: [[10, 5]], protect: [1] });
    expect(m.classes[5 * 20 + 5]).toBe(1);
    expect(m.classes[5 * 20 + 15]).toBe(UNLABELED);
  });

  it("strokes off the image change nothing", () => {
    expect(
      applyStroke(emptyMask(10, 10), { tool: "brush", classIdx: 1, width: 2, points: [[-50, -50]] }),
    ).toBeNull();
  });

  it("an in-place stroke's patch undoes it exactly; the eraser clears labels and sources", () => {
    const m = emptyMask(50, 40);
    const copy = { ...m, classes: m.classes.slice(), sources: m.sources.slice() };
    const r = applyStrokeInPlace(m, {
      tool: "brush",
      classIdx: 2,
      width: 5,
      points: [
        [5, 5],
        [45, 30],
      ],
    })!;
    expect(m.classes[5 * 50 + 5]).toBe(2);
    expect(m.sources[5 * 50 + 5]).toBe(Source.human);
    const e = applyStroke(m, {
      tool: "eraser",
      classIdx: null,
      width: 80,
      points: [
        [0, 0],
        [50, 40],
      ],
    })!;
    expect(e.mask.classes.every((c) => c === UNLABELED)).toBe(true);
    expect(e.mask.sources.every((c) => c === Source.none)).toBe(true);
    applyPatch(m, r.patch, "undo");
    expect(Buffer.from(m.classes).equals(Buffer.from(copy.classes))).toBe(true);
  });
});
