import { storedSuggestions } from "../loop/suggest.ts";
import { START_STRATEGY } from "../loop/start-queue.ts";
import { latestPredictionModelId } from "../loop/prediction-data.ts";
import { toImageRow, type ImageDbRow, type ProjectStore } from "../store/project-store.ts";
import type { ImageStatus, Split } from "../store/types.ts";
import type { ImageItem, ImageList, ImageSort, Suggestion } from "./types.ts";

interface Row extends ImageDbRow {
  score: number | null;
  suggested_rank: number | null;
}

const COLUMNS = `i.id, i.path, i.name, i.sha256, i.width, i.height, i.channels, i.bit_depth, i.split, i.status,
  i.added_at, m.labeled_pixels, m.version, p.score, q.rank AS suggested_rank`;
const JOINS = `FROM images i LEFT JOIN label_masks m ON m.image_id = i.id
  LEFT JOIN predictions p ON p.image_id = i.id AND p.model_id = @model
  LEFT JOIN suggestions q ON q.image_id = i.id AND q.strategy = @queueStrategy AND q.model_id IS @queueModel`;

const ORDER: Record<ImageSort, string> = {
  id: "i.id",
  name: "i.name, i.id",
  labeled: "COALESCE(m.labeled_pixels, 0) DESC, i.id",
  uncertainty: "p.score IS NULL, p.score DESC, i.id",
  suggested: "q.rank IS NULL, q.rank, i.id",
};

/** The suggestion queue the app shows (see shownQueue). */
export interface ShownQueue {
  model: number | null;
  strategy: string;
}

/**
 * The queue the app shows: the latest model with predictions; while its queue is not picked yet,
 * the newest model queue there is; before any prediction, the start queue (start-queue.ts).
 */
export function shownQueue(store: ProjectStore): ShownQueue | null {
  const latest = latestPredictionModelId(store);
  if (latest === null) {
    const start = store.db
      .prepare("SELECT 1 FROM suggestions WHERE strategy = ? LIMIT 1")
      .get(START_STRATEGY);
    return start ? { model: null, strategy: START_STRATEGY } : null;
  }
  const row = store.db
    .prepare(
      `SELECT model_id FROM suggestions WHERE strategy = 'uncertainty' AND model_id IS NOT NULL
       ORDER BY model_id = ? DESC, model_id DESC LIMIT 1`,
    )
    .get(latest) as { model_id: number } | undefined;
  return row ? { model: row.model_id, strategy: "uncertainty" } : null;
}

function queueParams(store: ProjectStore): { queueModel: number | null; queueStrategy: string | null } {
  const q = shownQueue(store);
  return { queueModel: q?.model ?? null, queueStrategy: q?.strategy ?? null };
}

export interface ImageFilter {
  offset: number;
  limit: number;
  status?: ImageStatus;
  split?: Split;
  search?: string;
  sort: ImageSort;
}

export function listImageItems(store: ProjectStore, q: ImageFilter): ImageList {
  const where: string[] = [];
  const params: Record<string, string | number | null> = {
    model: latestPredictionModelId(store),
    ...queueParams(store),
  };
  if (q.status) {
    where.push("i.status = @status");
    params.status = q.status;
  }
  if (q.split) {
    where.push("i.split = @split");
    params.split = q.split;
  }
  if (q.search) {
    where.push("i.name LIKE @search ESCAPE '\\'");
    params.search = `%${q.search.replace(/[\\%_]/g, (c) => "\\" + c)}%`;
  }
  const filter = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const total = (
    store.db.prepare(`SELECT COUNT(*) AS n FROM images i ${filter}`).get(params) as { n: number }
  ).n;
  const rows = store.db
    .prepare(`SELECT ${COLUMNS} ${JOINS} ${filter} ORDER BY ${ORDER[q.sort]} LIMIT @limit OFFSET @offset`)
    .all({ ...params, limit: q.limit, offset: q.offset }) as Row[];
  return { total, offset: q.offset, items: rows.map(toItem) };
}

export function imageItem(store: ProjectStore, id: number): ImageItem | undefined {
  const row = store.db
    .prepare(`SELECT ${COLUMNS} ${JOINS} WHERE i.id = @id`)
    .get({ id, model: latestPredictionModelId(store), ...queueParams(store) }) as Row | undefined;
  return row && toItem(row);
}

/** How many images the app's queue suggests after each training. */
export const APP_QUEUE_LENGTH = 30;

/** The latest model with predictions, when it has no stored queue yet (the service then has one picked). */
export function modelWithoutQueue(store: ProjectStore): number | null {
  const latest = latestPredictionModelId(store);
  return latest !== null && storedSuggestions(store, "uncertainty", latest).length === 0 ? latest : null;
}

/**
 * Images to label next: the queue the app shows (shownQueue: the latest model's, uncertainty with
 * diversity and regions per image; before any model, the start queue of varied images).
 */
export function suggestions(store: ProjectStore, limit: number): Suggestion[] {
  const shown = shownQueue(store);
  if (shown === null) return [];
  const rows = store.db
    .prepare(
      `SELECT s.image_id, i.name, i.status, s.rank, s.score, s.regions, s.created_at FROM suggestions s
       JOIN images i ON i.id = s.image_id WHERE s.strategy = ? AND s.model_id IS ? ORDER BY s.rank LIMIT ?`,
    )
    .all(shown.strategy, shown.model, limit) as {
    image_id: number;
    name: string;
    status: ImageStatus;
    rank: number;
    score: number;
    regions: string;
    created_at: string;
  }[];
  // Worked on since the queue was picked: a stroke (drawn, erased, accepted) not undone.
  const worked = store.db.prepare(
    "SELECT 1 FROM strokes WHERE image_id = ? AND undone = 0 AND tool != 'import' AND created_at >= ? LIMIT 1",
  );
  return rows.map((r) => ({
    imageId: r.image_id,
    name: r.name,
    score: r.score,
    rank: r.rank,
    regions: JSON.parse(r.regions) as Suggestion["regions"],
    status: r.status,
    worked: worked.get(r.image_id, r.created_at) !== undefined,
  }));
}

/** One image's suggested regions in the queue the app shows (none when it is not in it). */
export function suggestedRegions(store: ProjectStore, imageId: number): Suggestion["regions"] {
  const shown = shownQueue(store);
  if (shown === null) return [];
  const row = store.db
    .prepare("SELECT regions FROM suggestions WHERE strategy = ? AND model_id IS ? AND image_id = ?")
    .get(shown.strategy, shown.model, imageId) as { regions: string } | undefined;
  return row ? (JSON.parse(row.regions) as Suggestion["regions"]) : [];
}

function toItem(r: Row): ImageItem {
  return { ...toImageRow(r), score: r.score, suggestedRank: r.suggested_rank };
}

export function imageNeighbors(
  store: ProjectStore,
  id: number,
): { prev: number | null; next: number | null; index: number; total: number } {
  const one = (sql: string) => (store.db.prepare(sql).get(id) as { id: number } | undefined)?.id ?? null;
  const prev = one("SELECT id FROM images WHERE id < ? ORDER BY id DESC LIMIT 1");
  const next = one("SELECT id FROM images WHERE id > ? ORDER BY id LIMIT 1");
  const index = (store.db.prepare("SELECT COUNT(*) AS n FROM images WHERE id < ?").get(id) as { n: number })
    .n;
  const total = (store.db.prepare("SELECT COUNT(*) AS n FROM images").get() as { n: number }).n;
  return { prev, next, index, total };
}
