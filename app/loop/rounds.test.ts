import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import { applyStroke } from "../labels/edit.ts";
import { tmpDir } from "../testing/tmp.ts";
import {
  H,
  W,
  addPredictedImage,
  createLoopProject,
  fakePrediction,
  type FakePrediction,
} from "../testing/loop-fixture.ts";
import { listRounds, recordRound } from "./rounds.ts";
import { withRawDb } from "../testing/raw-db.ts";

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

  it("rounds record labeled pixels by provenance, labeling time and val mIoU", () => {
    const id = addImage("x.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }));
    const times = [
      "2020-01-01T10:00:00.000Z",
      "2020-01-01T10:00:20.000Z",
      "2020-01-01T10:30:00.000Z",
      "2020-01-01T10:30:05.000Z",
    ];
    for (const [k, at] of times.entries()) {
      const before = store.mask(id);
      const r = applyStroke(before, { tool: "brush", classIdx: 0, width: 2, points: [[k * 5, 5]] });
      const row = store.commitChange(id, before, r!.mask, r!.rect, {
        tool: "brush",
        classIdx: 0,
        width: 2,
        points: [[k * 5, 5]],
        author: "me",
      });
      withRawDb(store, (db) => db.prepare("UPDATE strokes SET created_at = ? WHERE id = ?").run(at, row.id));
    }
    // A val image labeled densely (the held-out check): its pixels are not what the model learns from.
    const valId = addImage("v.png", fakePrediction({ x0: 0, x1: 0, y0: 0, y1: 0 }), "val");
    const valMask = store.mask(valId);
    const dense = applyStroke(valMask, { tool: "brush", classIdx: 1, width: 200, points: [[20, 20]] })!;
    store.commitChange(valId, valMask, dense.mask, dense.rect, {
      tool: "brush",
      classIdx: 1,
      width: 200,
      points: [[20, 20]],
      author: "me",
    });
    withRawDb(store, (db) =>
      db
        .prepare("UPDATE strokes SET created_at = ? WHERE image_id = ?")
        .run("2020-01-01T10:30:05.000Z", valId),
    );
    const round = recordRound(store, modelId);
    expect(round).toMatchObject({ round: 1, modelId, valMiou: 0.42, acceptedPixels: 0, labeledImages: 1 });
    expect(round.labelingSeconds).toBe(20 + 60 + 5); // the half-hour break counts as 60 s
    expect(round.labelsScope).toBe("train");
    expect(round.humanPixels).toBe(store.image(id)!.labeledPixels);
    expect(round.labeledPixels).toBe(store.summary().labeledPixels - W * H);
    recordRound(store, null);
    expect(listRounds(store).map((r) => r.labelingSeconds)).toEqual([85, 0]);
    // A round recorded before format 7 counted every split's labels, and says so.
    withRawDb(store, (db) =>
      db
        .prepare(
          `INSERT INTO rounds (model_id, created_at, labeled_pixels, human_pixels, accepted_pixels, labeled_images, labeling_seconds)
         VALUES (NULL, 'then', 10, 10, 0, 2, 0)`,
        )
        .run(),
    );
    expect(listRounds(store).map((r) => r.labelsScope)).toEqual(["train", "train", "all"]);
  });
});
