import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { encodeRgbPng } from "../exchange/index-png.ts";
import { syntheticSample } from "../ml/testing/synthetic.ts";
import { seededNetwork } from "../ml/testing/seeded.ts";
import { serializeWeights } from "../ml/model/weights.ts";
import { initBackend, nativeBackendInstalled } from "../ml/engine/backend.ts";
import { predictProject } from "./project-prediction.ts";
import { predictionWorkers, predictProjectInWorker } from "./prediction-worker.ts";
import { autoReplicas } from "../ml/training/data-parallel.ts";
import { computeSuggestions, storedSuggestions } from "../loop/suggest.ts";
import { withRawDb } from "../testing/raw-db.ts";

type Row = {
  image_id: number;
  class_rle: Buffer;
  confidence: Buffer;
  entropy: Buffer;
  score: number;
  embedding: Buffer;
};

describe("prediction in a worker (the app's path)", () => {
  it("starts one worker per core on wasm, each with at least four images; one where native TensorFlow may run", () => {
    expect(predictionWorkers("wasm", 3)).toBe(1);
    expect(predictionWorkers("wasm", 400)).toBe(autoReplicas());
    expect(predictionWorkers("wasm", 8)).toBe(Math.min(2, autoReplicas()));
    expect(predictionWorkers("tfjs-node", 400)).toBe(1);
    expect(predictionWorkers("auto", 400)).toBe(nativeBackendInstalled() ? 1 : autoReplicas());
  });

  it("stores what the calling-thread path stores and the next queue, skips unreadable or resized files, and can be cancelled", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-predict-worker-"));
    const images = path.join(dir, "images");
    fs.mkdirSync(images);
    for (const seed of [0, 1, 2, 3]) {
      const s = syntheticSample(40 + seed * 4, 32, seed, true);
      fs.writeFileSync(path.join(images, `i${seed}.png`), encodeRgbPng(s.pixels, s.width, s.height, 3));
    }
    const file = path.join(dir, "p.pxl");
    const store = ProjectStore.create(file, {
      name: "w",
      classes: [
        { idx: 0, name: "a", color: "#ff0000" },
        { idx: 1, name: "b", color: "#0000ff" },
        { idx: 2, name: "c", color: "#00ff00" },
      ],
    });
    await importImages(store, [images], { split: "train" });
    await initBackend("wasm");
    const net = seededNetwork({ numClasses: 3, widths: [8, 16], embeddingDim: 4, projectionHidden: 4 });
    withRawDb(store, (db) =>
      db
        .prepare(
          "INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot) VALUES ('m', 'now', '{}', 'wasm', ?, '{}')",
        )
        .run(Buffer.from(serializeWeights(net))),
    );
    net.dispose();
    store.close();
    const read = () => {
      const db = new Database(file, { readonly: true });
      const rows = db
        .prepare(
          "SELECT image_id, class_rle, confidence, entropy, score, embedding FROM predictions ORDER BY image_id",
        )
        .all() as Row[];
      db.close();
      return rows;
    };

    const progress: number[] = [];
    let suggesting = 0;
    // Two workers, each half of the images (the app starts one per core on wasm).
    const inWorker = await predictProjectInWorker(file, {
      backend: "wasm",
      workers: 2,
      suggest: 2,
      onProgress: (done) => progress.push(done),
      onSuggesting: () => suggesting++,
    });
    expect(inWorker).toMatchObject({ modelId: 1, predicted: 4, cancelled: false, skipped: [], suggested: 2 });
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(suggesting).toBe(1);
    // The worker picked the queue; it is stored, and it is the one `pixelloop suggest` picks.
    const check = ProjectStore.open(file);
    const queue = storedSuggestions(check);
    expect(queue.map((q) => q.rank)).toEqual([1, 2]);
    expect(queue).toEqual(computeSuggestions(check, { n: 2, save: false }));
    const statuses = queue.map((q) => check.requireImage(q.imageId).status);
    check.close();
    expect(statuses).toEqual(["suggested", "suggested"]);
    const fromWorker = read();
    const here = await predictProject(file, { backend: "wasm" });
    expect(here.predicted).toBe(4);
    const fromHere = read();
    expect(fromWorker.map((r) => r.image_id)).toEqual([1, 2, 3, 4]);
    for (const [i, r] of fromWorker.entries()) {
      expect(r.class_rle.equals(fromHere[i].class_rle)).toBe(true);
      expect(r.entropy.equals(fromHere[i].entropy)).toBe(true);
      expect(r.embedding.equals(fromHere[i].embedding)).toBe(true);
      expect(r.score).toBeCloseTo(fromHere[i].score, 6);
    }

    // Stopped while the queue is picked: the predictions are stored, the earlier queue stays.
    const stop = new AbortController();
    const stopped = await predictProjectInWorker(file, {
      backend: "wasm",
      workers: 2,
      suggest: 3,
      signal: stop.signal,
      onSuggesting: () => stop.abort(),
    });
    expect(stopped).toMatchObject({ predicted: 4, cancelled: true, suggested: null });
    const kept = ProjectStore.open(file);
    expect(storedSuggestions(kept)).toEqual(queue);
    kept.close();

    // A missing file and a resized one are named with the reason; the rest are predicted.
    fs.rmSync(path.join(images, "i1.png"));
    await sharp({ create: { width: 10, height: 10, channels: 3, background: "#000" } })
      .png()
      .toFile(path.join(images, "i2.png"));
    const partial = await predictProjectInWorker(file, { backend: "wasm", workers: 2 });
    expect(partial.predicted).toBe(2);
    const skipped = partial.skipped.map((s) => [path.basename(s.file), s.reason.split(" (")[0]]).sort();
    expect(skipped).toEqual([
      ["i1.png", "the file is missing"],
      [
        "i2.png",
        "image is 10x10 now, 48x32 when imported; put the original file back, or remove the image from the project and import the file again",
      ],
    ]);

    // Cancelled before it starts: nothing more is predicted, and it says so.
    const abort = new AbortController();
    abort.abort();
    expect(
      await predictProjectInWorker(file, { backend: "wasm", workers: 2, signal: abort.signal }),
    ).toMatchObject({
      predicted: 0,
      cancelled: true,
    });
  });
});
