import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../engine/backend.ts";
import { trainPixelClassifier } from "./index.ts";
import { LiveClassifierSession } from "./live-session.ts";
import { modelFromJson, modelToJson, predictWithModel } from "./model.ts";
import { iou, lineImage } from "./synthetic-lines.ts";

describe("live preview session", () => {
  beforeAll(async () => {
    await initBackend("cpu");
  });

  it("retrains reading only images whose labels changed, and segments from cached features", async () => {
    const images = [lineImage(96, 96, 1), lineImage(96, 96, 2)];
    const reads: number[] = [];
    const entries = (versions: number[]) =>
      images.map((s, key) => ({
        key,
        version: versions[key],
        read: async () => {
          reads.push(key);
          return { image: s.image, labels: s.labels };
        },
      }));
    const session = new LiveClassifierSession({ numClasses: 2, color: false, trees: 20 });
    const first = await session.train(entries([1, 1]));
    expect(first.readAgain).toBe(2);
    expect(first.perClass.every((n) => n > 0)).toBe(true);
    // One image's labels changed: only it is read again.
    reads.length = 0;
    const second = await session.train(entries([1, 2]));
    expect(reads).toEqual([1]);
    expect(second.readAgain).toBe(1);
    const test = lineImage(96, 96, 3);
    const p = session.predict(second.model, 99, test.image);
    expect(iou(p.classes, test.truth, 1)).toBeGreaterThan(0.5);
    expect(session.cachedImages()).toContain(99);
    // The same forest predicts the same from fresh features (the stored model predicts alike elsewhere).
    const again = predictWithModel(second.model, test.image);
    expect(again.classes).toEqual(p.classes);
  });

  it("keeps feature maps within its memory cap", async () => {
    const images = [lineImage(64, 64, 1), lineImage(64, 64, 2), lineImage(64, 64, 3)];
    // one 64x64 gray map: 64 * 64 * 42 features * 4 B = 688 KB; room for two
    const session = new LiveClassifierSession({
      numClasses: 2,
      color: false,
      trees: 5,
      featureCacheBytes: 1.5e6,
    });
    await session.train(images.map((s, key) => ({ key, version: 1, read: async () => s })));
    expect(session.cachedImages()).toEqual([1, 2]);
  });
});

describe("pixel classifier exchange form", () => {
  beforeAll(async () => {
    await initBackend("cpu");
  });

  it("round-trips through JSON and predicts the same; refuses malformed models with the reason", () => {
    const train = [lineImage(64, 64, 1)];
    const c = trainPixelClassifier(train, 2, { trees: 5 });
    const json = JSON.parse(JSON.stringify(modelToJson(c.model)));
    const back = modelFromJson(json);
    const test = lineImage(64, 64, 4).image;
    expect(predictWithModel(back, test).classes).toEqual(c.predict(test).classes);

    expect(() => modelFromJson({ ...json, format: "other" })).toThrow(/format/);
    expect(() => modelFromJson({ ...json, featureCount: 3 })).toThrow(/featureCount/);
    const tree = json.trees[0];
    const loop = { ...tree, child: tree.child.map((v: number, i: number) => (i === 0 ? 0 : v)) };
    expect(() => modelFromJson({ ...json, trees: [loop] })).toThrow(/points outside the tree/);
    expect(() =>
      modelFromJson({ ...json, trees: [{ ...tree, leafClass: tree.leafClass.map(() => 7) }] }),
    ).toThrow(/leaf class/);
  });
});
