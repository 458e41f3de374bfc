/**
 * The images table and the thumbnails stored with them: paths as stored, rows, the list and
 * counts, splits, removal, and the 'suggested' status a queue leaves behind.
 */
import path from "node:path";
import { nowIso, type Db } from "./db.ts";
import { UserError } from "./errors.ts";
import { MAX_PIXELS } from "../common/limits.ts";
import type { ImageRow, ImageStatus, Split } from "../common/project-types.ts";

export interface NewImage {
  absPath: string;
  sha256: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  split: Split;
  thumbnail: { width: number; height: number; webp: Buffer };
}

export interface ListQuery {
  offset?: number;
  limit?: number;
  split?: Split;
  status?: ImageStatus;
  search?: string;
  sort?: "id" | "name" | "labeled";
}

/** An images row joined with its label mask, as SQLite returns it. */
export interface ImageDbRow {
  id: number;
  path: string;
  name: string;
  sha256: string;
  width: number;
  height: number;
  channels: number;
  bit_depth: number;
  split: Split;
  status: ImageStatus;
  added_at: string;
  labeled_pixels: number | null;
  version: number | null;
}

/** A stored thumbnail (256 px WebP). */
export interface Thumbnail {
  width: number;
  height: number;
  webp: Buffer;
}

/** A train image with the labeled pixels of its mask: what the queues pick from. */
export interface TrainImageLabels {
  id: number;
  name: string;
  labeled: number;
  total: number;
}

export const IMAGE_COLUMNS = `i.id, i.path, i.name, i.sha256, i.width, i.height, i.channels, i.bit_depth, i.split,
  i.status, i.added_at, m.labeled_pixels, m.version`;

const UNSUGGEST = `UPDATE images SET status = CASE WHEN EXISTS (SELECT 1 FROM predictions p WHERE p.image_id = images.id)
   THEN 'predicted' ELSE 'unlabeled' END WHERE status = 'suggested'`;

export class ImageTable {
  constructor(
    private readonly db: Db,
    private readonly file: string,
    private readonly dir: string,
  ) {}

  /** Path as stored: relative (with forward slashes) when inside the project folder. */
  storedPath(absPath: string): string {
    const rel = path.relative(this.dir, absPath);
    if (!rel.startsWith("..") && !path.isAbsolute(rel)) return rel.split(path.sep).join("/");
    return path.resolve(absPath);
  }

  absolutePath(stored: string): string {
    return path.isAbsolute(stored) ? stored : path.join(this.dir, ...stored.split("/"));
  }

  findBySha(sha256: string): { id: number; path: string } | undefined {
    return this.db.prepare("SELECT id, path FROM images WHERE sha256 = ?").get(sha256) as
      { id: number; path: string } | undefined;
  }

  insert(img: NewImage): number {
    const stored = this.storedPath(img.absPath);
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO images (path, name, sha256, width, height, channels, bit_depth, split, status, added_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'unlabeled', ?)`,
        )
        .run(
          stored,
          path.basename(img.absPath),
          img.sha256,
          img.width,
          img.height,
          img.channels,
          img.bitDepth,
          img.split,
          nowIso(),
        );
      const id = Number(info.lastInsertRowid);
      this.db
        .prepare("INSERT INTO thumbnails (image_id, width, height, webp) VALUES (?, ?, ?, ?)")
        .run(id, img.thumbnail.width, img.thumbnail.height, img.thumbnail.webp);
      return id;
    })();
  }

  get(id: number): ImageRow | undefined {
    const row = this.db
      .prepare(
        `SELECT ${IMAGE_COLUMNS} FROM images i LEFT JOIN label_masks m ON m.image_id = i.id WHERE i.id = ?`,
      )
      .get(id) as ImageDbRow | undefined;
    return row && toImageRow(row);
  }

  /**
   * The image, its stored size checked before anything is allocated from it: a damaged project
   * file (or one written by hand) could ask for any size.
   */
  require(id: number): ImageRow {
    const img = this.get(id);
    if (!img) throw new UserError(`${this.file}: no image with id ${id}`);
    const bad = impossibleSize(img);
    if (bad)
      throw new UserError(
        `${this.file}: image ${id} (${img.name}) has ${bad} stored: the project file is damaged; remove the image and import it again`,
      );
    return img;
  }

  /** The image imported from this file (an absolute path, as stored), if any. */
  byPath(file: string): ImageRow | undefined {
    const row = this.db
      .prepare(
        `SELECT ${IMAGE_COLUMNS} FROM images i LEFT JOIN label_masks m ON m.image_id = i.id WHERE i.path = ?`,
      )
      .get(this.storedPath(file)) as ImageDbRow | undefined;
    return row && toImageRow(row);
  }

  /** Images whose file name is `name` (names need not be unique across folders). */
  byName(name: string): ImageRow[] {
    const rows = this.db
      .prepare(
        `SELECT ${IMAGE_COLUMNS} FROM images i LEFT JOIN label_masks m ON m.image_id = i.id WHERE i.name = ? ORDER BY i.id`,
      )
      .all(name) as ImageDbRow[];
    return rows.map(toImageRow);
  }

  /**
   * Points an image at the file it was moved to (same content, checked by the caller): labels,
   * predictions and everything else about it stay.
   */
  relink(id: number, absPath: string): void {
    this.db
      .prepare("UPDATE images SET path = ?, name = ? WHERE id = ?")
      .run(this.storedPath(absPath), path.basename(absPath), id);
  }

  list(q: ListQuery = {}): ImageRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.split) {
      where.push("i.split = ?");
      args.push(q.split);
    }
    if (q.status) {
      where.push("i.status = ?");
      args.push(q.status);
    }
    if (q.search) {
      where.push("i.name LIKE ?");
      args.push(`%${q.search}%`);
    }
    const order =
      q.sort === "name"
        ? "i.name, i.id"
        : q.sort === "labeled"
          ? "COALESCE(m.labeled_pixels, 0) DESC, i.id"
          : "i.id";
    const sql = `SELECT ${IMAGE_COLUMNS} FROM images i LEFT JOIN label_masks m ON m.image_id = i.id
      ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY ${order} LIMIT ? OFFSET ?`;
    args.push(q.limit ?? 100, q.offset ?? 0);
    return (this.db.prepare(sql).all(...args) as ImageDbRow[]).map(toImageRow);
  }

  count(q: Pick<ListQuery, "split" | "status"> = {}): number {
    const where: string[] = [];
    const args: string[] = [];
    if (q.split) {
      where.push("split = ?");
      args.push(q.split);
    }
    if (q.status) {
      where.push("status = ?");
      args.push(q.status);
    }
    const row = this.db
      .prepare(`SELECT COUNT(*) AS n FROM images ${where.length ? "WHERE " + where.join(" AND ") : ""}`)
      .get(...args) as { n: number };
    return row.n;
  }

  /** Every image id, in import order. */
  ids(): number[] {
    return (this.db.prepare("SELECT id FROM images ORDER BY id").all() as { id: number }[]).map((r) => r.id);
  }

  /** The newest image id (null: no images). */
  lastId(): number | null {
    return (this.db.prepare("SELECT MAX(id) AS id FROM images").get() as { id: number | null }).id;
  }

  /** Every image's name and path as stored. */
  namesAndPaths(): { name: string; path: string }[] {
    return this.db.prepare("SELECT name, path FROM images").all() as { name: string; path: string }[];
  }

  /** The previous and next image ids around `id`, its place and the number of images. */
  neighbors(id: number): { prev: number | null; next: number | null; index: number; total: number } {
    const one = (sql: string) => (this.db.prepare(sql).get(id) as { id: number } | undefined)?.id ?? null;
    const prev = one("SELECT id FROM images WHERE id < ? ORDER BY id DESC LIMIT 1");
    const next = one("SELECT id FROM images WHERE id > ? ORDER BY id LIMIT 1");
    const index = (this.db.prepare("SELECT COUNT(*) AS n FROM images WHERE id < ?").get(id) as { n: number })
      .n;
    const total = (this.db.prepare("SELECT COUNT(*) AS n FROM images").get() as { n: number }).n;
    return { prev, next, index, total };
  }

  /** The train images with their labeled and total pixels, in import order. */
  trainLabels(): TrainImageLabels[] {
    return this.db
      .prepare(
        `SELECT i.id, i.name, COALESCE(m.labeled_pixels, 0) AS labeled, i.width * i.height AS total FROM images i
         LEFT JOIN label_masks m ON m.image_id = i.id WHERE i.split = 'train' ORDER BY i.id`,
      )
      .all() as TrainImageLabels[];
  }

  /** Train images with at least one unlabeled pixel: the ones a queue can suggest. */
  openTrainCount(): number {
    return (
      this.db
        .prepare(
          `SELECT COUNT(*) AS n FROM images i LEFT JOIN label_masks m ON m.image_id = i.id
           WHERE i.split = 'train' AND COALESCE(m.labeled_pixels, 0) < i.width * i.height`,
        )
        .get() as { n: number }
    ).n;
  }

  /** Train images without any label: what the start queue picks from. */
  unlabeledTrainCount(): number {
    return (
      this.db
        .prepare(
          `SELECT COUNT(*) AS n FROM images i LEFT JOIN label_masks m ON m.image_id = i.id
           WHERE i.split = 'train' AND COALESCE(m.labeled_pixels, 0) = 0`,
        )
        .get() as { n: number }
    ).n;
  }

  /** Images without a prediction of this model, in import order. */
  idsWithoutPrediction(modelId: number): number[] {
    return (
      this.db
        .prepare(
          `SELECT id FROM images i WHERE NOT EXISTS
             (SELECT 1 FROM predictions p WHERE p.image_id = i.id AND p.model_id = ?) ORDER BY id`,
        )
        .all(modelId) as { id: number }[]
    ).map((r) => r.id);
  }

  thumbnail(imageId: number): Thumbnail | undefined {
    return this.db.prepare("SELECT width, height, webp FROM thumbnails WHERE image_id = ?").get(imageId) as
      Thumbnail | undefined;
  }

  /** Stores (or replaces) an image's thumbnail. */
  putThumbnail(imageId: number, t: Thumbnail): void {
    this.db
      .prepare("INSERT OR REPLACE INTO thumbnails (image_id, width, height, webp) VALUES (?, ?, ?, ?)")
      .run(imageId, t.width, t.height, t.webp);
  }

  /**
   * Takes images out of the project: their labels, strokes, thumbnails, predictions and places in
   * the suggestion queue go with them (foreign keys cascade); the image files stay on disk, and
   * models and rounds already recorded stay as they were. One transaction: all or nothing.
   */
  remove(ids: number[]): ImageRow[] {
    const rows = [...new Set(ids)].map((id) => this.require(id));
    const del = this.db.prepare("DELETE FROM images WHERE id = ?");
    this.db.transaction(() => {
      for (const r of rows) del.run(r.id);
    })();
    return rows;
  }

  /**
   * Moves images to a split; their labels stay. An image leaving train also leaves the suggestion
   * queue (only train images are suggested: the others are not trained on), going back to predicted or
   * unlabeled if it was suggested. Returns how many images changed split.
   */
  setSplits(ids: number[], split: Split): number {
    const rows = [...new Set(ids)].map((id) => this.require(id)).filter((r) => r.split !== split);
    const move = this.db.prepare("UPDATE images SET split = ? WHERE id = ?");
    const dequeue = this.db.prepare("DELETE FROM suggestions WHERE image_id = ?");
    this.db.transaction(() => {
      for (const r of rows) move.run(split, r.id);
      const leaving = rows.map((r) => r.id);
      if (split !== "train") {
        for (const id of leaving) dequeue.run(id);
        this.unsuggest(leaving);
      }
    })();
    return rows.length;
  }

  /**
   * Takes images out of the 'suggested' status (all suggested images, or only `ids`): back to
   * 'predicted' when the image has a prediction, 'unlabeled' otherwise. Labeled images keep their
   * status. The one rule for every queue that is replaced or left.
   */
  unsuggest(ids?: number[]): void {
    if (ids === undefined) {
      this.db.prepare(UNSUGGEST).run();
      return;
    }
    const one = this.db.prepare(`${UNSUGGEST} AND id = ?`);
    this.db.transaction(() => {
      for (const id of ids) one.run(id);
    })();
  }
}

/** Why a stored image size cannot be real (not whole positive numbers, over MAX_PIXELS), or null. */
export function impossibleSize(img: { width: number; height: number }): string | null {
  const { width, height } = img;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1)
    return `an impossible size (${String(width)}x${String(height)})`;
  if (width * height > MAX_PIXELS)
    return `a size of ${width}x${height}, over the limit of ${MAX_PIXELS / 1e6} megapixels`;
  return null;
}

export function toImageRow(r: ImageDbRow): ImageRow {
  return {
    id: r.id,
    path: r.path,
    name: r.name,
    sha256: r.sha256,
    width: r.width,
    height: r.height,
    channels: r.channels,
    bitDepth: r.bit_depth,
    split: r.split,
    status: r.status,
    addedAt: r.added_at,
    labeledPixels: r.labeled_pixels ?? 0,
    maskVersion: r.version ?? 0,
  };
}
