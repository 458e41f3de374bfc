/**
 * The app's image list: images with their labels, the shown model's uncertainty score and
 * their rank in the shown queue, filtered, sorted and paged in SQL.
 */
import type { Db } from "./db.ts";
import { toImageRow, type ImageDbRow } from "./images.ts";
import type { ImageRow, ImageStatus, Split } from "../common/project-types.ts";

export type ImageListSort = "id" | "name" | "labeled" | "uncertainty" | "suggested";

/** Which model's scores and which queue's ranks the list joins (null: none). */
export interface ListContext {
  model: number | null;
  queueModel: number | null;
  queueStrategy: string | null;
}

export interface ImageListFilter {
  offset: number;
  limit: number;
  status?: ImageStatus;
  split?: Split;
  search?: string;
  sort: ImageListSort;
}

/** An image with the shown model's score and its rank in the shown queue. */
export interface ListedImage extends ImageRow {
  score: number | null;
  suggestedRank: number | null;
}

interface Row extends ImageDbRow {
  score: number | null;
  suggested_rank: number | null;
}

const COLUMNS = `i.id, i.path, i.name, i.sha256, i.width, i.height, i.channels, i.bit_depth, i.split, i.status,
  i.added_at, m.labeled_pixels, m.version, p.score, q.rank AS suggested_rank`;
const JOINS = `FROM images i LEFT JOIN label_masks m ON m.image_id = i.id
  LEFT JOIN predictions p ON p.image_id = i.id AND p.model_id = @model
  LEFT JOIN suggestions q ON q.image_id = i.id AND q.strategy = @queueStrategy AND q.model_id IS @queueModel`;

const ORDER: Record<ImageListSort, string> = {
  id: "i.id",
  name: "i.name, i.id",
  labeled: "COALESCE(m.labeled_pixels, 0) DESC, i.id",
  uncertainty: "p.score IS NULL, p.score DESC, i.id",
  suggested: "q.rank IS NULL, q.rank, i.id",
};

export class ImageList {
  constructor(private readonly db: Db) {}

  page(q: ImageListFilter, ctx: ListContext): { total: number; items: ListedImage[] } {
    const where: string[] = [];
    const params: Record<string, string | number | null> = { ...ctx };
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
      this.db.prepare(`SELECT COUNT(*) AS n FROM images i ${filter}`).get(params) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} ${JOINS} ${filter} ORDER BY ${ORDER[q.sort]} LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: q.limit, offset: q.offset }) as Row[];
    return { total, items: rows.map(toListed) };
  }

  one(id: number, ctx: ListContext): ListedImage | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} ${JOINS} WHERE i.id = @id`).get({ id, ...ctx }) as
      Row | undefined;
    return row && toListed(row);
  }
}

function toListed(r: Row): ListedImage {
  return { ...toImageRow(r), score: r.score, suggestedRank: r.suggested_rank };
}
