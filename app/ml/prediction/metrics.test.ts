import { describe, expect, it } from "vitest";
import { ConfusionMatrix, segmentationMetrics } from "./metrics.ts";
import { classIouFromMetrics } from "../../loop/rounds.ts";

describe("segmentation metrics", () => {
  it("computes per-class IoU, mean IoU over present classes and pixel accuracy", () => {
    // 3 classes; class 2 absent from both -> null, skipped in the mean.
    const gt = Uint8Array.from([0, 0, 0, 1, 1, 1, 255, 11]);
    const pred = Uint8Array.from([0, 0, 1, 1, 1, 0, 2, 2]);
    const m = segmentationMetrics(pred, gt, 3);
    // class 0: tp 2, gt 3, pred 3 -> 2/4; class 1: tp 2, gt 3, pred 3 -> 2/4
    expect(m.perClassIou).toEqual([0.5, 0.5, null]);
    expect(m.miou).toBe(0.5);
    expect(m.pixelAccuracy).toBeCloseTo(4 / 6, 10);
    expect(m.pixels).toBe(6);
  });

  it("counts a class predicted but absent from the ground truth as IoU 0, ignores a void value", () => {
    const gt = Uint8Array.from([0, 0, 1, 1]);
    const pred = Uint8Array.from([0, 2, 1, 1]);
    const cm = new ConfusionMatrix(3);
    cm.add(pred, gt);
    cm.add(Uint8Array.from([2, 2]), Uint8Array.from([1, 1]), 1);
    const m = cm.metrics();
    expect(m.perClassIou).toEqual([0.5, 1, 0]);
    expect(m.miou).toBeCloseTo(0.5, 10);
    expect(m.pixelAccuracy).toBe(0.75);
    expect(m.perClassPixels).toEqual([2, 2, 0]);
  });

  it("the training panel's per-class IoU leaves out a class with no val labels (its 0 says nothing)", () => {
    const validation = { perClassIou: [0.5, 1, 0], perClassPixels: [2, 2, 0] };
    expect(classIouFromMetrics({ validation })).toEqual([0.5, 1, null]);
    // Models stored before the counts were kept: as stored.
    expect(classIouFromMetrics({ validation: { perClassIou: [0.5, 1, 0] } })).toEqual([0.5, 1, 0]);
  });
});
