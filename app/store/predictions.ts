/** Stored predictions: per image and model, the class map, its uncertainty layers and embeddings. */
import { nowIso, type Db } from "./db.ts";

/** A predictions row as stored (margin is missing in a format 7 or older file opened read-only). */
export interface PredictionDbRow {
  class_rle: Buffer;
  confidence: Buffer;
  margin?: Buffer | null;
  entropy: Buffer;
  score: number;
  embedding: Buffer | null;
  embedding_grid: Buffer | null;
}

/** A prediction in its stored form (blobs as better-sqlite3 binds them). */
export interface PredictionBlobs {
  classRle: Buffer;
  confidence: Buffer;
  margin: Buffer;
  entropy: Buffer;
  score: number;
  embedding: Buffer | null;
  embeddingGrid: Buffer | null;
}

export class PredictionTable {
  constructor(private readonly db: Db) {}

  /** The latest model with stored predictions, or null. */
  latestModelId(): number | null {
    return (this.db.prepare("SELECT MAX(model_id) AS m FROM predictions").get() as { m: number | null }).m;
  }

  /** How many predictions are stored (of any model). */
  count(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM predictions").get() as { n: number }).n;
  }

  get(imageId: number, modelId: number): PredictionDbRow | undefined {
    // *: a file of format 7 or older opened read-only has no margin column (row.margin undefined)
    return this.db
      .prepare("SELECT * FROM predictions WHERE image_id = ? AND model_id = ?")
      .get(imageId, modelId) as PredictionDbRow | undefined;
  }

  /** The models that predicted an image, oldest first. */
  modelIdsOf(imageId: number): number[] {
    return (
      this.db
        .prepare("SELECT model_id FROM predictions WHERE image_id = ? ORDER BY model_id")
        .all(imageId) as {
        model_id: number;
      }[]
    ).map((r) => r.model_id);
  }

  /** Forgets every prediction of an image (as a prediction stopped before it leaves the image). */
  removeOfImage(imageId: number): void {
    this.db.prepare("DELETE FROM predictions WHERE image_id = ?").run(imageId);
  }

  /** Only the class map of one prediction (RLE), or undefined. */
  classRle(imageId: number, modelId: number): Buffer | undefined {
    const row = this.db
      .prepare("SELECT class_rle FROM predictions WHERE image_id = ? AND model_id = ?")
      .get(imageId, modelId) as { class_rle: Buffer } | undefined;
    return row?.class_rle;
  }

  /**
   * Stores one prediction, replacing an earlier one of the same model, in one transaction; an
   * image without labels (`markPredicted`) becomes 'predicted' unless it is labeled or suggested.
   */
  put(imageId: number, modelId: number, p: PredictionBlobs, markPredicted: boolean): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO predictions (image_id, model_id, created_at, class_rle, confidence, margin, entropy, score, embedding, embedding_grid)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(image_id, model_id) DO UPDATE SET created_at = excluded.created_at, class_rle = excluded.class_rle,
             confidence = excluded.confidence, margin = excluded.margin, entropy = excluded.entropy, score = excluded.score,
             embedding = excluded.embedding, embedding_grid = excluded.embedding_grid`,
        )
        .run(
          imageId,
          modelId,
          nowIso(),
          p.classRle,
          p.confidence,
          p.margin,
          p.entropy,
          p.score,
          p.embedding,
          p.embeddingGrid,
        );
      if (markPredicted)
        this.db
          .prepare(
            "UPDATE images SET status = 'predicted' WHERE id = ? AND status IN ('unlabeled', 'predicted')",
          )
          .run(imageId);
    })();
  }

  /** A cheap signature of the stored predictions: changes when any are added or replaced. */
  signature(): string {
    return JSON.stringify(
      Object.values(
        this.db.prepare("SELECT COUNT(*), MAX(model_id), MAX(created_at) FROM predictions").get() as object,
      ),
    );
  }
}
