/**
 * Fixtures for the active-learning loop's tests (app/loop/): fake predictions of a W x H image
 * and a two-class project with one model to store them under.
 */
import crypto from "node:crypto";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { encodeRle } from "../labels/rle.ts";
import { encodeIndexPng } from "../exchange/index-png.ts";
import { encodeEmbedding, encodeEmbeddingGrid, type EmbeddingGrid } from "../store/embedding-blobs.ts";
import { withRawDb } from "./raw-db.ts";

export const W = 64;
export const H = 48;

/** A prediction: left half class 0, right half class 1; uncertainty high in a band `band`. */
export function fakePrediction(band: { x0: number; x1: number; y0: number; y1: number }, split = 32) {
  const classes = new Uint8Array(W * H);
  const entropy = new Uint8Array(W * H);
  const confidence = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      classes[i] = x < split ? 0 : 1;
      const hot = x >= band.x0 && x < band.x1 && y >= band.y0 && y < band.y1;
      entropy[i] = hot ? 230 : 20;
      confidence[i] = hot ? 120 : 250;
    }
  return { classes, entropy, confidence };
}

export type FakePrediction = ReturnType<typeof fakePrediction>;

/** A project in `dir` with classes a and b and one model (val mIoU 0.42) that predictions belong to. */
export function createLoopProject(dir: string): { store: ProjectStore; modelId: number } {
  const store = ProjectStore.create(path.join(dir, "loop.pxl"), {
    name: "loop",
    classes: [
      { idx: 0, name: "a", color: "#ff0000" },
      { idx: 1, name: "b", color: "#0000ff" },
    ],
  });
  const modelId = store.models.insert({
    name: "m",
    architecture: {},
    backend: "wasm",
    weights: Buffer.from([0]),
    labelSnapshot: {},
    metrics: { validation: { miou: 0.42 } },
    parentId: null,
  });
  return { store, modelId };
}

/** A W x H image of `store` with `pred` stored as model `modelId`'s prediction of it; its id. */
export function addPredictedImage(
  store: ProjectStore,
  modelId: number,
  name: string,
  pred: FakePrediction,
  split: "train" | "val" | "test" = "train",
  embedding?: number[],
  grid?: EmbeddingGrid,
): number {
  const id = store.insertImage({
    absPath: path.join(store.dir, name),
    sha256: crypto.createHash("sha256").update(name).digest("hex"),
    width: W,
    height: H,
    channels: 3,
    bitDepth: 8,
    split,
    thumbnail: { width: 1, height: 1, webp: Buffer.from([0]) },
  });
  let s = 0;
  for (const v of pred.entropy) s += v / 255;
  withRawDb(store, (db) =>
    db
      .prepare(
        "INSERT INTO predictions (image_id, model_id, created_at, class_rle, confidence, entropy, score, embedding, embedding_grid) VALUES (?, ?, 'now', ?, ?, ?, ?, ?, ?)",
      )
      .run(
        id,
        modelId,
        encodeRle(pred.classes),
        Buffer.from(encodeIndexPng(pred.confidence, W, H)),
        Buffer.from(encodeIndexPng(pred.entropy, W, H)),
        s / (W * H),
        embedding ? encodeEmbedding(new Float32Array(embedding)) : null,
        grid ? encodeEmbeddingGrid(grid) : null,
      ),
  );
  return id;
}
