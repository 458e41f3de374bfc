import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cloneMask, Source } from "../common/mask.ts";
import { addPredictedImage, createLoopProject, fakePrediction } from "../testing/loop-fixture.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("store listings", () => {
  it("lists models, an image's predictions and the newest stroke; forgets an image's predictions", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-listings-"));
    dirs.push(dir);
    const { store, modelId } = createLoopProject(dir);
    try {
      const pred = fakePrediction({ x0: 0, x1: 8, y0: 0, y1: 8 });
      const a = addPredictedImage(store, modelId, "a.png", pred);
      const b = addPredictedImage(store, modelId, "b.png", pred);
      expect(store.models.ids()).toEqual([modelId]);
      expect(store.predictions.modelIdsOf(a)).toEqual([modelId]);

      store.predictions.removeOfImage(a);
      expect(store.predictions.modelIdsOf(a)).toEqual([]);
      expect(store.predictions.modelIdsOf(b)).toEqual([modelId]); // the other image keeps its own

      expect(store.masks.lastStrokeId()).toBeNull();
      const before = store.mask(b);
      const after = cloneMask(before);
      after.classes.fill(1, 0, before.width);
      after.sources.fill(Source.human, 0, before.width);
      store.commitDiff(b, before, after, {
        tool: "brush",
        classIdx: 1,
        width: 1,
        points: [[0, 0]],
        author: "t",
      });
      expect(store.masks.lastStrokeId()).toBeGreaterThan(0);
      expect(store.masks.strokeRowCount()).toBe(1);
    } finally {
      store.close();
    }
  });
});
