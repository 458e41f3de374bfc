/**
 * The live preview classifier (format 9): the one stored forest and its predictions, kept apart
 * from the networks' models and predictions so that neither ever replaces the other.
 */
import { nowIso, type Db } from "./db.ts";
import type { PredictionBlobs } from "./predictions.ts";

export interface PreviewClassifierRow {
  created_at: string;
  /** the classifier's JSON exchange form, deflated */
  model: Buffer;
  label_snapshot: string;
  metrics: string;
}

/** A stored preview prediction (layers as in predictions). */
export interface PreviewPredictionRow {
  image_id: number;
  created_at: string;
  trained_at: string;
  class_rle: Buffer;
  confidence: Buffer;
  margin: Buffer;
  entropy: Buffer;
  score: number;
}

export class PreviewTable {
  private present: boolean | undefined;

  constructor(private readonly db: Db) {}

  /**
   * Whether the file has the preview tables: a file of format 8 or older opened read-only (not
   * migrated) has none, and reads as having no preview.
   */
  private exists(): boolean {
    this.present ??=
      this.db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'preview_classifier'")
        .get() !== undefined;
    return this.present;
  }

  /** The stored preview classifier, or undefined. */
  classifier(): PreviewClassifierRow | undefined {
    if (!this.exists()) return undefined;
    return this.db
      .prepare("SELECT created_at, model, label_snapshot, metrics FROM preview_classifier WHERE id = 1")
      .get() as PreviewClassifierRow | undefined;
  }

  /** When the stored classifier was trained, or null (cheap: no blob read). */
  trainedAt(): string | null {
    if (!this.exists()) return null;
    const row = this.db.prepare("SELECT created_at FROM preview_classifier WHERE id = 1").get() as
      { created_at: string } | undefined;
    return row?.created_at ?? null;
  }

  /** Stores (replaces) the classifier; returns its created_at, which its predictions carry. */
  putClassifier(model: Buffer, labelSnapshot: unknown, metrics: unknown): string {
    const at = nowIso();
    this.db
      .prepare(
        `INSERT INTO preview_classifier (id, created_at, model, label_snapshot, metrics) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET created_at = excluded.created_at, model = excluded.model,
           label_snapshot = excluded.label_snapshot, metrics = excluded.metrics`,
      )
      .run(at, model, JSON.stringify(labelSnapshot), JSON.stringify(metrics));
    return at;
  }

  /** Stores (replaces) an image's preview prediction. */
  put(imageId: number, trainedAt: string, p: Omit<PredictionBlobs, "embedding" | "embeddingGrid">): string {
    const at = nowIso();
    this.db
      .prepare(
        `INSERT INTO preview_predictions (image_id, created_at, trained_at, class_rle, confidence, margin, entropy, score)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(image_id) DO UPDATE SET created_at = excluded.created_at, trained_at = excluded.trained_at,
           class_rle = excluded.class_rle, confidence = excluded.confidence, margin = excluded.margin,
           entropy = excluded.entropy, score = excluded.score`,
      )
      .run(imageId, at, trainedAt, p.classRle, p.confidence, p.margin, p.entropy, p.score);
    return at;
  }

  get(imageId: number): PreviewPredictionRow | undefined {
    if (!this.exists()) return undefined;
    return this.db.prepare("SELECT * FROM preview_predictions WHERE image_id = ?").get(imageId) as
      PreviewPredictionRow | undefined;
  }

  /** When network `modelId`'s prediction of an image was stored (null: none), to compare with the preview's. */
  networkPredictedAt(imageId: number, modelId: number): string | null {
    const row = this.db
      .prepare("SELECT created_at FROM predictions WHERE image_id = ? AND model_id = ?")
      .get(imageId, modelId) as { created_at: string } | undefined;
    return row?.created_at ?? null;
  }

  count(): number {
    if (!this.exists()) return 0;
    return (this.db.prepare("SELECT COUNT(*) AS n FROM preview_predictions").get() as { n: number }).n;
  }

  /** Drops the classifier and its predictions (the classes changed: they no longer fit). */
  clear(): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM preview_predictions").run();
      this.db.prepare("DELETE FROM preview_classifier").run();
    })();
  }
}
