/** Trained models (weights, architecture, label snapshot, metrics) and the training runs that made them. */
import { nowIso, type Db } from "./db.ts";

/** A models row as stored. */
export interface ModelRow {
  id: number;
  name: string;
  created_at: string;
  backend: string;
  weights: Buffer;
  label_snapshot: string;
  metrics: string;
}

/** A model to store; the JSON columns are given as values and stored as JSON. */
export interface NewModel {
  name: string;
  architecture: object;
  backend: string;
  weights: Buffer;
  labelSnapshot: unknown;
  metrics: unknown;
  parentId: number | null;
}

export class ModelTable {
  constructor(private readonly db: Db) {}

  /** The newest model's id, or undefined when none has been trained. */
  latestId(): number | undefined {
    const row = this.db.prepare("SELECT id FROM models ORDER BY id DESC LIMIT 1").get() as
      { id: number } | undefined;
    return row?.id;
  }

  /** A model's row (null id: none). */
  get(id: number | null): ModelRow | undefined {
    return this.db.prepare("SELECT * FROM models WHERE id = ?").get(id) as ModelRow | undefined;
  }

  /** A model's weights blob, or undefined when there is no such model. */
  weights(id: number | null): Buffer | undefined {
    const row = this.db.prepare("SELECT weights FROM models WHERE id = ?").get(id) as
      { weights: Buffer } | undefined;
    return row?.weights;
  }

  /** A model's stored metrics (JSON text), or undefined when there is no such model. */
  metrics(id: number): string | undefined {
    const row = this.db.prepare("SELECT metrics FROM models WHERE id = ?").get(id) as
      { metrics: string } | undefined;
    return row?.metrics;
  }

  /** Every model's id and metrics (JSON text), newest first, read as the caller goes. */
  metricsNewestFirst(): Iterable<{ id: number; metrics: string }> {
    return this.db.prepare("SELECT id, metrics FROM models ORDER BY id DESC").iterate() as Iterable<{
      id: number;
      metrics: string;
    }>;
  }

  count(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM models").get() as { n: number }).n;
  }

  /** Every model's id, oldest first. */
  ids(): number[] {
    return (this.db.prepare("SELECT id FROM models ORDER BY id").all() as { id: number }[]).map((r) => r.id);
  }

  /** Stores a model; returns its id. */
  insert(m: NewModel): number {
    const info = this.db
      .prepare(
        `INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics, parent_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        m.name,
        nowIso(),
        JSON.stringify(m.architecture),
        m.backend,
        m.weights,
        JSON.stringify(m.labelSnapshot),
        JSON.stringify(m.metrics),
        m.parentId,
      );
    return Number(info.lastInsertRowid);
  }
}

export type RunStatus = "running" | "done" | "cancelled" | "failed";

/** A training run with its model's metrics, as the app lists them. */
export interface RunWithMetrics {
  id: number;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  model_id: number | null;
  metrics: string | null;
}

export class TrainingRunTable {
  constructor(private readonly db: Db) {}

  /** Records a run that was cancelled before it started; returns its id. */
  insertCancelled(config: unknown): number {
    return Number(
      this.db
        .prepare(
          "INSERT INTO training_runs (model_id, started_at, finished_at, status, config, log) VALUES (NULL, ?, ?, 'cancelled', ?, '[]')",
        )
        .run(nowIso(), nowIso(), JSON.stringify(config)).lastInsertRowid,
    );
  }

  /** Records a run that starts now (status 'running'); returns its id. */
  start(config: unknown): number {
    return Number(
      this.db
        .prepare(
          "INSERT INTO training_runs (model_id, started_at, status, config, log) VALUES (NULL, ?, 'running', ?, '[]')",
        )
        .run(nowIso(), JSON.stringify(config)).lastInsertRowid,
    );
  }

  saveLog(id: number, log: unknown[]): void {
    this.db.prepare("UPDATE training_runs SET log = ? WHERE id = ?").run(JSON.stringify(log), id);
  }

  saveCheckpoint(id: number, weights: Buffer): void {
    this.db.prepare("UPDATE training_runs SET checkpoint = ? WHERE id = ?").run(weights, id);
  }

  /** A run that made a model: its final weights become the checkpoint. */
  finish(id: number, modelId: number, status: RunStatus, weights: Buffer, log: unknown[]): void {
    this.db
      .prepare(
        "UPDATE training_runs SET model_id = ?, finished_at = ?, status = ?, checkpoint = ?, log = ? WHERE id = ?",
      )
      .run(modelId, nowIso(), status, weights, JSON.stringify(log), id);
  }

  /** A run that ended without a model, as `status` (cancelled or failed). */
  end(id: number, status: "cancelled" | "failed", log: unknown[]): void {
    this.db
      .prepare("UPDATE training_runs SET finished_at = ?, status = ?, log = ? WHERE id = ?")
      .run(nowIso(), status, JSON.stringify(log), id);
  }

  /** Runs still marked running (perhaps killed), oldest first. */
  running(): { id: number; config: string; checkpoint: Buffer | null }[] {
    return this.db
      .prepare("SELECT id, config, checkpoint FROM training_runs WHERE status = 'running' ORDER BY id")
      .all() as { id: number; config: string; checkpoint: Buffer | null }[];
  }

  /** A run that was interrupted: failed, keeping the model made from its checkpoint if any. */
  markInterrupted(id: number, modelId: number | null): void {
    this.db
      .prepare(
        "UPDATE training_runs SET status = 'failed', finished_at = ?, model_id = COALESCE(model_id, ?) WHERE id = ?",
      )
      .run(nowIso(), modelId, id);
  }

  /** The newest runs (at most `limit`) with their model's metrics. */
  recentWithMetrics(limit: number): RunWithMetrics[] {
    return this.db
      .prepare(
        `SELECT r.id, r.started_at, r.finished_at, r.status, r.model_id, m.metrics
         FROM training_runs r LEFT JOIN models m ON m.id = r.model_id ORDER BY r.id DESC LIMIT ?`,
      )
      .all(limit) as RunWithMetrics[];
  }
}
