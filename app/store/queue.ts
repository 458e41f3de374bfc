/**
 * The suggestion queues (table suggestions): per model and strategy, the images to label next
 * with their regions; the start queue has no model.
 */
import { nowIso, type Db } from "./db.ts";
import type { ImageTable } from "./images.ts";
import type { ImageStatus } from "../common/project-types.ts";

/** One image of a queue as the loop writes it. */
export interface QueueItem {
  imageId: number;
  rank: number;
  score: number;
  regions: unknown;
}

/** One stored queue row with its image's name (regions as JSON text). */
export interface QueueRow {
  image_id: number;
  name: string;
  rank: number;
  score: number;
  regions: string;
}

/** A queue row as the app shows it: with its image's status and the time the queue was picked. */
export interface ShownQueueRow extends QueueRow {
  status: ImageStatus;
  created_at: string;
}

export class QueueTable {
  constructor(
    private readonly db: Db,
    private readonly images: ImageTable,
  ) {}

  /** Whether a queue of this strategy is stored (for any model). */
  hasStrategy(strategy: string): boolean {
    return (
      this.db.prepare("SELECT 1 FROM suggestions WHERE strategy = ? LIMIT 1").get(strategy) !== undefined
    );
  }

  /**
   * The model whose queue of `strategy` to show: `preferred` when it has one, else the newest
   * model that has one; null when no model has one.
   */
  modelWithQueue(strategy: string, preferred: number): number | null {
    const row = this.db
      .prepare(
        `SELECT model_id FROM suggestions WHERE strategy = ? AND model_id IS NOT NULL
         ORDER BY model_id = ? DESC, model_id DESC LIMIT 1`,
      )
      .get(strategy, preferred) as { model_id: number } | undefined;
    return row ? row.model_id : null;
  }

  /** A queue's rows by rank (at most `limit`), with their images' names and statuses. */
  rows(strategy: string, modelId: number | null, limit: number): ShownQueueRow[] {
    return this.db
      .prepare(
        `SELECT s.image_id, i.name, i.status, s.rank, s.score, s.regions, s.created_at FROM suggestions s
         JOIN images i ON i.id = s.image_id WHERE s.strategy = ? AND s.model_id IS ? ORDER BY s.rank LIMIT ?`,
      )
      .all(strategy, modelId, limit) as ShownQueueRow[];
  }

  /** A queue's rows by rank; no model given: the newest model with a queue of this strategy. */
  rowsOfModel(strategy: string, modelId: number | null): QueueRow[] {
    return this.db
      .prepare(
        `SELECT s.image_id, i.name, s.rank, s.score, s.regions FROM suggestions s JOIN images i ON i.id = s.image_id
         WHERE s.strategy = ? AND s.model_id = COALESCE(?, (SELECT MAX(model_id) FROM suggestions WHERE strategy = ?))
         ORDER BY s.rank`,
      )
      .all(strategy, modelId, strategy) as QueueRow[];
  }

  /** One image's regions (JSON text) in a queue, or undefined when it is not in it. */
  regions(strategy: string, modelId: number | null, imageId: number): string | undefined {
    const row = this.db
      .prepare("SELECT regions FROM suggestions WHERE strategy = ? AND model_id IS ? AND image_id = ?")
      .get(strategy, modelId, imageId) as { regions: string } | undefined;
    return row?.regions;
  }

  /**
   * Replaces a queue, in one transaction: the earlier queue of the model and strategy goes
   * (with `model` null: every queue of the strategy, the start queue), every suggested image
   * goes back (images.unsuggest), and the new rows' unlabeled or predicted images become 'suggested'.
   */
  replace(modelId: number | null, strategy: string, items: readonly QueueItem[]): void {
    this.db.transaction(() => {
      if (modelId === null) this.db.prepare("DELETE FROM suggestions WHERE strategy = ?").run(strategy);
      else
        this.db.prepare("DELETE FROM suggestions WHERE model_id = ? AND strategy = ?").run(modelId, strategy);
      this.images.unsuggest();
      const ins = this.db.prepare(
        "INSERT INTO suggestions (model_id, image_id, rank, score, regions, strategy, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      );
      const mark = this.db.prepare(
        "UPDATE images SET status = 'suggested' WHERE id = ? AND status IN ('unlabeled', 'predicted')",
      );
      const now = nowIso();
      for (const it of items) {
        ins.run(modelId, it.imageId, it.rank, it.score, JSON.stringify(it.regions), strategy, now);
        mark.run(it.imageId);
      }
    })();
  }

  /** A cheap signature of the stored queues: changes when one is picked. */
  signature(): string {
    return JSON.stringify(
      Object.values(
        this.db.prepare("SELECT COUNT(*), MAX(id), MAX(created_at) FROM suggestions").get() as object,
      ),
    );
  }
}
