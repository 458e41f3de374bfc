import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import { applyStroke } from "../labels/edit.ts";
import { Source } from "../common/mask.ts";
import { tmpDir } from "../testing/tmp.ts";
import {
  H,
  W,
  addPredictedImage,
  createLoopProject,
  fakePrediction,
  type FakePrediction,
} from "../testing/loop-fixture.ts";
import { acceptAboveConfidence, acceptComponent, acceptInRect, clearAccepted } from "./accept.ts";
import { readStoredPrediction } from "./prediction-data.ts";

describe("active-learning loop", () => {
  let t: ReturnType<typeof tmpDir>;
  let store: ProjectStore;
  let modelId: number;

  function addImage(name: string, pred: FakePrediction, split: "train" | "val" | "test" = "train") {
    return addPredictedImage(store, modelId, name, pred, split);
  }

  beforeEach(() => {
    t = tmpDir();
    ({ store, modelId } = createLoopProject(t.dir));
  });
  afterEach(() => {
    store.close();
    t.cleanup();
  });

  it("accepting predictions labels only unlabeled pixels, with provenance, and can be undone or cleared", () => {
    const id = addImage("x.png", fakePrediction({ x0: 40, x1: 64, y0: 0, y1: 48 }));
    const before = store.mask(id);
    const drawn = applyStroke(before, {
      tool: "brush",
      classIdx: 1,
      width: 4,
      points: [
        [2, 2],
        [20, 2],
      ],
    });
    store.commitChange(id, before, drawn!.mask, drawn!.rect, {
      tool: "brush",
      classIdx: 1,
      width: 4,
      points: [
        [2, 2],
        [20, 2],
      ],
      author: "me",
    });
    const human = store.summary().humanPixels;

    const r = acceptInRect(store, id, { x: 0, y: 0, width: 30, height: 10 });
    expect(r.acceptedPixels).toBe(30 * 10 - human);
    const m = store.mask(id);
    expect(m.classes[2 * W + 10]).toBe(1); // the person's label survives
    expect(m.sources[2 * W + 10]).toBe(Source.human);
    expect(m.classes[8 * W + 25]).toBe(0);
    expect(m.sources[8 * W + 25]).toBe(Source.accepted);
    const stroke = store.strokes(id).at(-1)!;
    expect([stroke.tool, stroke.modelId]).toEqual(["accept", modelId]);

    store.undo(id);
    expect(store.summary().acceptedPixels).toBe(0);
    store.redo(id);

    const conf = acceptAboveConfidence(store, id, 0.9); // everything outside the uncertain band
    expect(conf.acceptedPixels).toBe(40 * 48 - 30 * 10);
    const comp = acceptComponent(store, id, 50, 20); // right half, class 1
    expect(comp.acceptedPixels).toBe(24 * 48);
    expect(clearAccepted(store, id)).toBe(W * H - human);
    expect(store.summary()).toMatchObject({ humanPixels: human, acceptedPixels: 0 });
    expect(readStoredPrediction(store, id)?.confidence[0]).toBe(250);
  });
});
