/**
 * Live mode on a real project file: saved strokes retrain the preview classifier in its worker,
 * whose predictions are stored apart from the networks', served marked as the preview's,
 * replaced by the next retrain, and never shown over a newer network prediction.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import { decodeRleBase64 } from "../common/wire.ts";
import { encodeRle } from "../labels/rle.ts";
import { encodeIndexPng } from "../exchange/index-png.ts";
import type { ApiEvent, ImageList, LiveStatus, PredictionData } from "../common/api-types.ts";
import {
  brush,
  createDiscProject,
  headerOnlyWeights,
  newService,
  nextEvent,
  serviceDir,
  writeDiscImages,
} from "../testing/service-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";
import { readPrediction } from "./predictions.ts";

const W = 48;
const H = 40;

const predicted = (imageId: number) => (e: ApiEvent) =>
  e.type === "preview.predicted" && e.imageId === imageId;
const liveState = (state: LiveStatus["state"]) => (e: ApiEvent) =>
  e.type === "live.status" && e.status.state === state;

describe("live mode: the preview classifier", () => {
  const dir = serviceDir("pixelloop-preview-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("retrains after strokes; its predictions are stored, marked, replaced and never hide a newer network's", async () => {
    const images = path.join(dir, "images");
    await writeDiscImages(images, ["a.png", "b.png", "c.png"], W, H, 120);
    const service = newService(dir, { watchMs: 0 });
    const project = await createDiscProject(service, dir, "preview");
    await service.call("images.import", { paths: [images] });
    const [a, b] = ((await service.call("images.list", { limit: 10, sort: "name" })) as ImageList).items;
    try {
      // No network yet: live mode is on by default.
      const first = (await service.call("live.set", { imageId: a.id })) as LiveStatus;
      expect(first).toMatchObject({ enabled: true, defaultEnabled: true, imageId: a.id });

      // One class only: nothing to tell apart yet.
      const waiting = nextEvent(service, liveState("waiting"));
      await brush(service, a.id, 0, [
        [2, 2],
        [20, 2],
        [20, 6],
      ]);
      expect((await waiting).type).toBe("live.status");
      expect((await service.call("live.status", {})) as LiveStatus).toMatchObject({
        state: "waiting",
        message: expect.stringContaining("two classes"),
      });
      expect(await service.call("predictions.get", { imageId: a.id })).toBeNull();

      // A stroke of the second class: the open image gets a prediction without pressing Start.
      const refreshed = nextEvent(service, predicted(a.id));
      await brush(service, a.id, 1, [
        [W / 2 - 4, H / 2],
        [W / 2 + 2, H / 2],
      ]);
      await refreshed;
      const p1 = (await service.call("predictions.get", { imageId: a.id })) as PredictionData;
      expect(p1).toMatchObject({ source: "preview", modelLabel: "preview classifier", modelId: 0 });
      const classes = decodeRleBase64(p1.classesRle, W * H);
      expect(classes[(H / 2) * W + W / 2 - 2]).toBe(1); // the disc
      expect(classes[(H - 2) * W + 2]).toBe(0); // the ground, far from any stroke
      expect(p1.uncertaintyRle).not.toBeNull();
      const status = (await service.call("live.status", {})) as LiveStatus;
      expect(status.classifier?.perClass.slice(0, 2).every((n) => n > 0)).toBe(true);
      expect(status.lastRefreshMs).toBeGreaterThan(0);

      const store = service.project!;
      const row1 = store.preview.get(a.id)!;
      expect(row1.trained_at).toBe(store.preview.trainedAt());
      expect(store.predictions.count()).toBe(0); // the networks' table is untouched

      // The next stroke retrains: the image's prediction is replaced, one row per image.
      const again = nextEvent(service, predicted(a.id));
      const neighbour = nextEvent(service, predicted(b.id)); // then the next image
      await brush(service, a.id, 1, [
        [W / 2, H / 2 - 5],
        [W / 2, H / 2 + 5],
      ]);
      await again;
      await neighbour;
      const row2 = store.preview.get(a.id)!;
      expect(row2.trained_at > row1.trained_at).toBe(true);
      expect(store.preview.count()).toBeGreaterThanOrEqual(1);

      // Chosen on: it stays on once a network exists (its default then is off).
      await service.call("live.set", { enabled: true });
      // A network that predicted after the preview (the CLI on the same file) is shown, and its
      // prediction and the preview's are both kept.
      const cli = ProjectStore.open(project.file);
      const modelId = Number(
        withRawDb(
          cli,
          (db) =>
            db
              .prepare(
                "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics) VALUES ('cli', 'now', '{}', 'wasm', ?, '{}', '{}')",
              )
              .run(headerOnlyWeights(2)).lastInsertRowid,
        ),
      );
      const gray = Buffer.from(encodeIndexPng(new Uint8Array(W * H), W, H));
      cli.predictions.put(
        a.id,
        modelId,
        {
          classRle: encodeRle(new Uint8Array(W * H)),
          confidence: gray,
          margin: gray,
          entropy: gray,
          score: 0,
          embedding: null,
          embeddingGrid: null,
        },
        false,
      );
      cli.close();
      const shown = (await service.call("predictions.get", { imageId: a.id })) as PredictionData;
      expect(shown).toMatchObject({ source: "network", modelId, modelLabel: `network ${modelId}` });
      // ... unless a check found the preview better than that network: then the preview goes first.
      expect(readPrediction(store, a.id, "entropy", true, true)).toMatchObject({ source: "preview" });
      expect(store.preview.get(a.id)?.trained_at).toBe(row2.trained_at);
      expect((await service.call("live.status", {})) as LiveStatus).toMatchObject({
        enabled: true,
        defaultEnabled: false,
      });

      // Its neighbour has the preview's prediction only: shown while live mode is on.
      await expect(service.call("predictions.get", { imageId: b.id })).resolves.toMatchObject({
        source: "preview",
      });

      // Off: the preview is not shown, and strokes no longer retrain it.
      const events: ApiEvent[] = [];
      const off = service.on((e) => events.push(e));
      const offStatus = (await service.call("live.set", { enabled: false })) as LiveStatus;
      expect(offStatus).toMatchObject({ enabled: false, state: "off" });
      expect(await service.call("predictions.get", { imageId: b.id })).toBeNull();
      await brush(service, a.id, 0, [
        [2, H - 3],
        [20, H - 3],
      ]);
      const trainedBefore = store.preview.trainedAt();
      // On again: the labels drawn while it was off are learned (one retrain, the open image first).
      const back = nextEvent(service, predicted(a.id));
      expect(((await service.call("live.set", { enabled: true })) as LiveStatus).enabled).toBe(true);
      await back;
      off();
      const before = events.slice(
        0,
        events.findIndex((e) => e.type === "live.status" && e.status.enabled),
      );
      expect(before.some((e) => e.type === "preview.predicted")).toBe(false);
      expect(store.preview.trainedAt()! > trainedBefore!).toBe(true);
    } finally {
      await service.close();
    }
  }, 120_000);
});
