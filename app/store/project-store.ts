import path from "node:path";
import { createProjectDb, nowIso, openProjectDb, type Db } from "./db.ts";
import { UserError } from "./errors.ts";
import type { ClassDef, ImageRow, ImageStatus, ProjectSummary, Split, StrokeRow, Tool } from "./types.ts";
import { decodeRle, decodeRleInto, encodeRle } from "../labels/rle.ts";
import { Source, UNLABELED, countBySource, emptyMask, type LabelMask } from "../labels/mask.ts";
import { applyPatch, capturePatch, decodePatch, encodePatch, type MaskPatch } from "../labels/patch.ts";
import type { Rect } from "../labels/raster.ts";
import { changedRect } from "../labels/edit.ts";
import { MAX_PIXELS } from "./limits.ts";

/** Rows per stored band of a label mask (format 3, table label_mask_bands). Part of the file format. */
export const MASK_BAND_ROWS = 64;

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

export interface ChangeRecord {
  tool: Tool;
  classIdx: number | null;
  width: number;
  points: [number, number][];
  author: string;
  modelId?: number | null;
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

const IMAGE_COLUMNS = `i.id, i.path, i.name, i.sha256, i.width, i.height, i.channels, i.bit_depth, i.split,
  i.status, i.added_at, m.labeled_pixels, m.version`;

/**
 * The project file: every read and write of the SQLite store goes through here.
 * One instance per open project; not shared across threads (open another in a worker).
 */
export class ProjectStore {
  readonly file: string;
  readonly dir: string;
  readonly db: Db;

  private constructor(file: string, db: Db) {
    this.file = path.resolve(file);
    this.dir = path.dirname(this.file);
    this.db = db;
  }

  static create(file: string, init: { name: string; classes: Omit<ClassDef, "shortcut">[] }): ProjectStore {
    validateClasses(init.classes, file);
    const db = createProjectDb(file);
    const store = new ProjectStore(file, db);
    db.transaction(() => {
      store.setMeta("name", init.name);
      store.setMeta("created_at", nowIso());
      const ins = db.prepare("INSERT INTO classes (idx, name, color, shortcut) VALUES (?, ?, ?, ?)");
      for (const c of init.classes) {
        ins.run(c.idx, c.name, c.color.toLowerCase(), shortcutFor(c.idx));
      }
    })();
    return store;
  }

  static open(file: string, opts: { readonly?: boolean } = {}): ProjectStore {
    return new ProjectStore(file, openProjectDb(file, opts));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- metadata and classes ----

  getMeta(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }

  get name(): string {
    return this.getMeta("name") ?? path.basename(this.file);
  }

  classes(): ClassDef[] {
    return this.db.prepare("SELECT idx, name, color, shortcut FROM classes ORDER BY idx").all() as ClassDef[];
  }

  /**
   * A class added after the start, at the next index (labels and predictions keep theirs). Models
   * made before it predict one class fewer: their predictions still show, fine-tuning one is refused.
   */
  addClass(name: string, color: string): ClassDef {
    const classes = this.classes();
    const idx = classes.length;
    if (idx >= 255) throw new UserError(`${this.file}: at most 255 classes (index 255 means unlabeled)`);
    const c = { idx, name: name.trim(), color: color.toLowerCase() };
    sameNameCheck(classes, c);
    validateClasses([...classes, c], this.file);
    this.db
      .prepare("INSERT INTO classes (idx, name, color, shortcut) VALUES (?, ?, ?, ?)")
      .run(c.idx, c.name, c.color, shortcutFor(idx));
    return this.classes()[idx];
  }

  /** Renames or recolors a class; its index, and so every label of it, stays. */
  updateClass(idx: number, change: { name?: string; color?: string }): ClassDef {
    const classes = this.classes();
    const old = classes[idx];
    if (!old) throw new UserError(`${this.file}: no class ${idx} (the project has ${classes.length})`);
    const next = {
      idx,
      name: change.name?.trim() ?? old.name,
      color: (change.color ?? old.color).toLowerCase(),
    };
    sameNameCheck(classes, next);
    validateClasses(
      classes.map((c) => (c.idx === idx ? next : c)),
      this.file,
    );
    this.db.prepare("UPDATE classes SET name = ?, color = ? WHERE idx = ?").run(next.name, next.color, idx);
    return this.classes()[idx];
  }

  /** A class by index or by name (any case), for the CLI. */
  findClass(key: string): ClassDef {
    const classes = this.classes();
    const byName = classes.find((c) => c.name.toLowerCase() === key.trim().toLowerCase());
    if (byName) return byName;
    if (/^\d+$/.test(key.trim()) && classes[Number(key)]) return classes[Number(key)];
    throw new UserError(
      `${this.file}: no class named or numbered "${key}" (classes: ${classes.map((c) => c.name).join(", ")})`,
    );
  }

  // ---- images ----

  /** Path as stored: relative (with forward slashes) when inside the project folder. */
  storedPath(absPath: string): string {
    const rel = path.relative(this.dir, absPath);
    if (!rel.startsWith("..") && !path.isAbsolute(rel)) return rel.split(path.sep).join("/");
    return path.resolve(absPath);
  }

  absolutePath(stored: string): string {
    return path.isAbsolute(stored) ? stored : path.join(this.dir, ...stored.split("/"));
  }

  findImageBySha(sha256: string): { id: number; path: string } | undefined {
    return this.db.prepare("SELECT id, path FROM images WHERE sha256 = ?").get(sha256) as
      { id: number; path: string } | undefined;
  }

  insertImage(img: NewImage): number {
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

  image(id: number): ImageRow | undefined {
    const row = this.db
      .prepare(
        `SELECT ${IMAGE_COLUMNS} FROM images i LEFT JOIN label_masks m ON m.image_id = i.id WHERE i.id = ?`,
      )
      .get(id) as ImageDbRow | undefined;
    return row && toImageRow(row);
  }

  /** Images whose file name is `name` (names need not be unique across folders). */
  /** The image imported from this file (an absolute path, as stored), if any. */
  imageByPath(file: string): ImageRow | undefined {
    const row = this.db
      .prepare(
        `SELECT ${IMAGE_COLUMNS} FROM images i LEFT JOIN label_masks m ON m.image_id = i.id WHERE i.path = ?`,
      )
      .get(this.storedPath(file)) as ImageDbRow | undefined;
    return row && toImageRow(row);
  }

  /**
   * Points an image at the file it was moved to (same content, checked by the caller): labels,
   * predictions and everything else about it stay.
   */
  relinkImage(id: number, absPath: string): void {
    this.db
      .prepare("UPDATE images SET path = ?, name = ? WHERE id = ?")
      .run(this.storedPath(absPath), path.basename(absPath), id);
  }

  imagesByName(name: string): ImageRow[] {
    const rows = this.db
      .prepare(
        `SELECT ${IMAGE_COLUMNS} FROM images i LEFT JOIN label_masks m ON m.image_id = i.id WHERE i.name = ? ORDER BY i.id`,
      )
      .all(name) as ImageDbRow[];
    return rows.map(toImageRow);
  }

  listImages(q: ListQuery = {}): ImageRow[] {
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

  countImages(q: Pick<ListQuery, "split" | "status"> = {}): number {
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

  thumbnail(imageId: number): { width: number; height: number; webp: Buffer } | undefined {
    return this.db.prepare("SELECT width, height, webp FROM thumbnails WHERE image_id = ?").get(imageId) as
      { width: number; height: number; webp: Buffer } | undefined;
  }

  /** The newest model's id, or undefined when none has been trained. */
  latestModelId(): number | undefined {
    const row = this.db.prepare("SELECT id FROM models ORDER BY id DESC LIMIT 1").get() as
      { id: number } | undefined;
    return row?.id;
  }

  /** Stores (or replaces) an image's thumbnail. */
  putThumbnail(imageId: number, t: { width: number; height: number; webp: Buffer }): void {
    this.db
      .prepare("INSERT OR REPLACE INTO thumbnails (image_id, width, height, webp) VALUES (?, ?, ?, ?)")
      .run(imageId, t.width, t.height, t.webp);
  }

  /**
   * Takes images out of the project: their labels, strokes, thumbnails, predictions and places in
   * the suggestion queue go with them (foreign keys cascade); the image files stay on disk, and
   * models and rounds already recorded stay as they were. One transaction: all or nothing.
   */
  removeImages(ids: number[]): ImageRow[] {
    const rows = [...new Set(ids)].map((id) => this.requireImage(id));
    const del = this.db.prepare("DELETE FROM images WHERE id = ?");
    this.db.transaction(() => {
      for (const r of rows) del.run(r.id);
    })();
    return rows;
  }

  setSplit(imageId: number, split: Split): void {
    this.setSplits([imageId], split);
  }

  /**
   * Moves images to a split; their labels stay. An image leaving train also leaves the suggestion
   * queue (only train images are suggested: the others are not trained on), going back to predicted or
   * unlabeled if it was suggested. Returns how many images changed split.
   */
  setSplits(ids: number[], split: Split): number {
    const rows = [...new Set(ids)].map((id) => this.requireImage(id)).filter((r) => r.split !== split);
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
    const sql = `UPDATE images SET status = CASE WHEN EXISTS (SELECT 1 FROM predictions p WHERE p.image_id = images.id)
       THEN 'predicted' ELSE 'unlabeled' END WHERE status = 'suggested'`;
    if (ids === undefined) {
      this.db.prepare(sql).run();
      return;
    }
    const one = this.db.prepare(`${sql} AND id = ?`);
    this.db.transaction(() => {
      for (const id of ids) one.run(id);
    })();
  }

  // ---- label masks and strokes ----

  mask(imageId: number): LabelMask {
    const img = this.requireImage(imageId);
    const row = this.db
      .prepare("SELECT classes_rle, sources_rle FROM label_masks WHERE image_id = ?")
      .get(imageId) as { classes_rle: Buffer; sources_rle: Buffer } | undefined;
    if (!row) return emptyMask(img.width, img.height);
    const { width, height } = img;
    const n = width * height;
    try {
      if (row.classes_rle.length > 0) {
        // Written by format 2: one RLE for the whole image (rewritten as bands on its next change).
        return {
          width,
          height,
          classes: decodeRle(row.classes_rle, n),
          sources: decodeRle(row.sources_rle, n),
        };
      }
      const mask = emptyMask(width, height);
      const bands = this.db
        .prepare(
          "SELECT band, classes_rle, sources_rle FROM label_mask_bands WHERE image_id = ? ORDER BY band",
        )
        .all(imageId) as Array<{ band: number; classes_rle: Buffer; sources_rle: Buffer }>;
      const expected = Math.ceil(height / MASK_BAND_ROWS);
      if (bands.length !== expected || bands.some((b, i) => b.band !== i))
        throw new Error(`${bands.length} bands of rows stored, expected ${expected}`);
      for (const b of bands) {
        const start = b.band * MASK_BAND_ROWS * width;
        const end = Math.min(height, (b.band + 1) * MASK_BAND_ROWS) * width;
        decodeRleInto(b.classes_rle, mask.classes.subarray(start, end));
        decodeRleInto(b.sources_rle, mask.sources.subarray(start, end));
      }
      return mask;
    } catch (e) {
      throw new UserError(
        `${this.file}: the label mask of image ${imageId} (${img.name}) is damaged: ${(e as Error).message}`,
      );
    }
  }

  maskVersion(imageId: number): number {
    const row = this.db.prepare("SELECT version FROM label_masks WHERE image_id = ?").get(imageId) as
      { version: number } | undefined;
    return row?.version ?? 0;
  }

  /**
   * Records one change to an image's mask: the stroke row (with its undo patch) and the new
   * mask version, in one transaction. Strokes undone before it can no longer be redone.
   */
  commitChange(
    imageId: number,
    before: LabelMask,
    after: LabelMask,
    rect: Rect | null,
    change: ChangeRecord,
  ): StrokeRow {
    return this.commitPatch(imageId, after, rect ? capturePatch(before, after, rect) : null, change);
  }

  /** Records `after` if it differs from `before` (in either layer); null when nothing changed. */
  commitDiff(imageId: number, before: LabelMask, after: LabelMask, change: ChangeRecord): StrokeRow | null {
    const rect = changedRect(before, after);
    return rect ? this.commitChange(imageId, before, after, rect, change) : null;
  }

  /** Like commitChange, for a caller that already has the patch (e.g. an in-place stroke). */
  commitPatch(
    imageId: number,
    after: LabelMask,
    captured: MaskPatch | null,
    change: ChangeRecord,
  ): StrokeRow {
    const rect = captured?.rect ?? null;
    const patch = captured ? encodePatch(captured) : null;
    return this.db.transaction(() => {
      const counts = captured ? this.countsAfter(imageId, captured, "redo") : undefined;
      const version = this.maskVersion(imageId) + 1;
      this.db.prepare("UPDATE strokes SET undone = 2 WHERE image_id = ? AND undone = 1").run(imageId);
      const createdAt = nowIso();
      const info = this.db
        .prepare(
          `INSERT INTO strokes (image_id, class_idx, tool, width, points, author, created_at, mask_version, model_id, bbox, patch)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          imageId,
          change.classIdx,
          change.tool,
          change.width,
          JSON.stringify(change.points),
          change.author,
          createdAt,
          version,
          change.modelId ?? null,
          rect ? JSON.stringify(rect) : null,
          patch,
        );
      this.writeMask(imageId, after, version, counts, rect);
      return {
        id: Number(info.lastInsertRowid),
        imageId,
        classIdx: change.classIdx,
        tool: change.tool,
        width: change.width,
        points: change.points,
        author: change.author,
        createdAt,
        maskVersion: version,
        modelId: change.modelId ?? null,
        undone: false,
      };
    })();
  }

  /**
   * Undoes the latest live change of an image; returns the stroke undone, or null. Undo stops at
   * labels imported from a mask file: one keystroke must not wipe a whole imported mask (a dense
   * ground truth) that was never drawn in the app; see undoStop().
   */
  undo(imageId: number): StrokeRow | null {
    return this.db.transaction(() => {
      const row = this.latestLiveChange(imageId);
      if (!row || row.tool === "import") return null;
      const mask = this.mask(imageId);
      const patch = decodePatch(row.patch as Buffer, JSON.parse(row.bbox as string));
      const counts = this.countsAfter(imageId, patch, "undo");
      applyPatch(mask, patch, "undo");
      this.db.prepare("UPDATE strokes SET undone = 1 WHERE id = ?").run(row.id);
      this.writeMask(imageId, mask, this.maskVersion(imageId) + 1, counts, patch.rect);
      return { ...toStrokeRow(row), undone: true };
    })();
  }

  /**
   * Why undo does nothing on this image when its latest live change is an import of labels from
   * a mask file (naming the file when the change records it), else null.
   */
  undoStop(imageId: number): string | null {
    const row = this.latestLiveChange(imageId);
    if (row?.tool !== "import") return null;
    const file = row.author.startsWith("import:") ? ` (${row.author.slice("import:".length)})` : "";
    return `the labels before this point were imported from a mask file${file}; undo stops there (erase to change them)`;
  }

  private latestLiveChange(imageId: number): StrokeDbRow | undefined {
    return this.db
      .prepare(
        "SELECT * FROM strokes WHERE image_id = ? AND undone = 0 AND patch IS NOT NULL ORDER BY id DESC LIMIT 1",
      )
      .get(imageId) as StrokeDbRow | undefined;
  }

  /** Redoes the earliest undone change of an image; returns it, or null. */
  redo(imageId: number): StrokeRow | null {
    return this.db.transaction(() => {
      const row = this.db
        .prepare("SELECT * FROM strokes WHERE image_id = ? AND undone = 1 ORDER BY id ASC LIMIT 1")
        .get(imageId) as StrokeDbRow | undefined;
      if (!row) return null;
      const mask = this.mask(imageId);
      const patch = decodePatch(row.patch as Buffer, JSON.parse(row.bbox as string));
      const counts = this.countsAfter(imageId, patch, "redo");
      applyPatch(mask, patch, "redo");
      this.db.prepare("UPDATE strokes SET undone = 0 WHERE id = ?").run(row.id);
      this.writeMask(imageId, mask, this.maskVersion(imageId) + 1, counts, patch.rect);
      return toStrokeRow(row);
    })();
  }

  strokes(imageId: number): StrokeRow[] {
    return (
      this.db.prepare("SELECT * FROM strokes WHERE image_id = ? ORDER BY id").all(imageId) as StrokeDbRow[]
    ).map(toStrokeRow);
  }

  /**
   * Labeled-pixel counts after applying a patch, from the stored counts and the patch alone
   * (no full-image scan: the cost of a stroke follows its size).
   */
  private countsAfter(
    imageId: number,
    patch: MaskPatch,
    direction: "undo" | "redo",
  ): { human: number; accepted: number } {
    const row = this.db
      .prepare("SELECT human_pixels, accepted_pixels FROM label_masks WHERE image_id = ?")
      .get(imageId) as { human_pixels: number; accepted_pixels: number } | undefined;
    if (patch.delta && direction === "redo") {
      return {
        human: (row?.human_pixels ?? 0) + patch.delta.human,
        accepted: (row?.accepted_pixels ?? 0) + patch.delta.accepted,
      };
    }
    const from =
      direction === "redo"
        ? [patch.beforeClasses, patch.beforeSources]
        : [patch.afterClasses, patch.afterSources];
    const to =
      direction === "redo"
        ? [patch.afterClasses, patch.afterSources]
        : [patch.beforeClasses, patch.beforeSources];
    const a = countLayers(from[0], from[1]);
    const b = countLayers(to[0], to[1]);
    return {
      human: (row?.human_pixels ?? 0) + b.human - a.human,
      accepted: (row?.accepted_pixels ?? 0) + b.accepted - a.accepted,
    };
  }

  /**
   * Stores a mask: the label_masks row (version, counts) and its bands of rows. With `changed`,
   * only the bands that rectangle touches are re-encoded and rewritten (the others are stored
   * already); without it, or for a mask still in format 2's whole-image RLE, all of them.
   */
  private writeMask(
    imageId: number,
    mask: LabelMask,
    version: number,
    known?: { human: number; accepted: number },
    changed?: Rect | null,
  ): void {
    const counts = known ?? countBySource(mask);
    const labeled = counts.human + counts.accepted;
    const prev = this.db
      .prepare("SELECT length(classes_rle) AS whole FROM label_masks WHERE image_id = ?")
      .get(imageId) as { whole: number } | undefined;
    const bandCount = Math.ceil(mask.height / MASK_BAND_ROWS);
    let first = 0;
    let last = bandCount - 1;
    if (prev && prev.whole === 0 && changed) {
      if (changed.height <= 0 || changed.width <= 0) last = -1;
      else {
        first = Math.max(0, Math.floor(changed.y / MASK_BAND_ROWS));
        last = Math.min(bandCount - 1, Math.floor((changed.y + changed.height - 1) / MASK_BAND_ROWS));
      }
    }
    this.db
      .prepare(
        `INSERT INTO label_masks (image_id, version, classes_rle, sources_rle, labeled_pixels, human_pixels, accepted_pixels, updated_at)
         VALUES (?, ?, x'', x'', ?, ?, ?, ?)
         ON CONFLICT(image_id) DO UPDATE SET version = excluded.version, classes_rle = x'', sources_rle = x'',
           labeled_pixels = excluded.labeled_pixels, human_pixels = excluded.human_pixels,
           accepted_pixels = excluded.accepted_pixels, updated_at = excluded.updated_at`,
      )
      .run(imageId, version, labeled, counts.human, counts.accepted, nowIso());
    const putBand = this.db.prepare(
      "INSERT OR REPLACE INTO label_mask_bands (image_id, band, classes_rle, sources_rle) VALUES (?, ?, ?, ?)",
    );
    for (let b = first; b <= last; b++) {
      const start = b * MASK_BAND_ROWS * mask.width;
      const end = Math.min(mask.height, (b + 1) * MASK_BAND_ROWS) * mask.width;
      putBand.run(
        imageId,
        b,
        encodeRle(mask.classes.subarray(start, end)),
        encodeRle(mask.sources.subarray(start, end)),
      );
    }
    // An image whose last labels are erased (or undone) goes back to what it was before it was
    // labeled: suggested when the newest stored queue holds it, predicted when it has a
    // prediction, else unlabeled.
    this.db
      .prepare(
        `UPDATE images SET status = CASE
           WHEN @labeled > 0 THEN 'labeled'
           WHEN status != 'labeled' THEN status
           WHEN EXISTS (
             SELECT 1 FROM suggestions s, (SELECT model_id, strategy FROM suggestions ORDER BY id DESC LIMIT 1) newest
             WHERE s.image_id = @id AND s.model_id IS newest.model_id AND s.strategy = newest.strategy
           ) THEN 'suggested'
           WHEN EXISTS (SELECT 1 FROM predictions WHERE image_id = @id) THEN 'predicted'
           ELSE 'unlabeled' END
         WHERE id = @id`,
      )
      .run({ labeled, id: imageId });
  }

  // ---- summary ----

  summary(): ProjectSummary {
    const bySplit = { train: 0, val: 0, test: 0 } as Record<Split, number>;
    for (const r of this.db.prepare("SELECT split, COUNT(*) AS n FROM images GROUP BY split").all() as {
      split: Split;
      n: number;
    }[])
      bySplit[r.split] = r.n;
    const px = this.db
      .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(width * height), 0) AS total FROM images")
      .get() as {
      n: number;
      total: number;
    };
    const lab = this.db
      .prepare(
        `SELECT COUNT(*) FILTER (WHERE labeled_pixels > 0) AS imgs, COALESCE(SUM(labeled_pixels), 0) AS labeled,
                COALESCE(SUM(human_pixels), 0) AS human, COALESCE(SUM(accepted_pixels), 0) AS accepted FROM label_masks`,
      )
      .get() as { imgs: number; labeled: number; human: number; accepted: number };
    const strokes = (
      this.db.prepare("SELECT COUNT(*) AS n FROM strokes WHERE undone = 0 AND tool != 'import'").get() as {
        n: number;
      }
    ).n;
    const models = (this.db.prepare("SELECT COUNT(*) AS n FROM models").get() as { n: number }).n;
    return {
      images: px.n,
      bySplit,
      labeledImages: lab.imgs,
      totalPixels: px.total,
      labeledPixels: lab.labeled,
      humanPixels: lab.human,
      acceptedPixels: lab.accepted,
      strokes,
      models,
    };
  }

  /** Labeled images and pixels (by provenance) of one split's images, and all of its pixels. */
  labelCounts(split: Split): {
    labeledImages: number;
    labeledPixels: number;
    humanPixels: number;
    acceptedPixels: number;
    totalPixels: number;
  } {
    const total = this.db
      .prepare("SELECT COALESCE(SUM(width * height), 0) AS px FROM images WHERE split = ?")
      .get(split) as { px: number };
    const r = this.db
      .prepare(
        `SELECT COUNT(*) FILTER (WHERE m.labeled_pixels > 0) AS imgs, COALESCE(SUM(m.labeled_pixels), 0) AS labeled,
                COALESCE(SUM(m.human_pixels), 0) AS human, COALESCE(SUM(m.accepted_pixels), 0) AS accepted
         FROM label_masks m JOIN images i ON i.id = m.image_id WHERE i.split = ?`,
      )
      .get(split) as { imgs: number; labeled: number; human: number; accepted: number };
    return {
      labeledImages: r.imgs,
      labeledPixels: r.labeled,
      humanPixels: r.human,
      acceptedPixels: r.accepted,
      totalPixels: total.px,
    };
  }

  /**
   * The image, its stored size checked before anything is allocated from it: a damaged project
   * file (or one written by hand) could ask for any size.
   */
  requireImage(id: number): ImageRow {
    const img = this.image(id);
    if (!img) throw new UserError(`${this.file}: no image with id ${id}`);
    const bad = impossibleSize(img);
    if (bad)
      throw new UserError(
        `${this.file}: image ${id} (${img.name}) has ${bad} stored: the project file is damaged; remove the image and import it again`,
      );
    return img;
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

function countLayers(classes: Uint8Array, sources: Uint8Array): { human: number; accepted: number } {
  let human = 0;
  let accepted = 0;
  for (let i = 0; i < classes.length; i++) {
    if (classes[i] === UNLABELED) continue;
    if (sources[i] === Source.accepted) accepted++;
    else human++;
  }
  return { human, accepted };
}

interface StrokeDbRow {
  id: number;
  image_id: number;
  class_idx: number | null;
  tool: Tool;
  width: number;
  points: string;
  author: string;
  created_at: string;
  mask_version: number;
  model_id: number | null;
  bbox: string | null;
  patch: Buffer | null;
  undone: number;
}

function toStrokeRow(r: StrokeDbRow): StrokeRow {
  return {
    id: r.id,
    imageId: r.image_id,
    classIdx: r.class_idx,
    tool: r.tool,
    width: r.width,
    points: JSON.parse(r.points),
    author: r.author,
    createdAt: r.created_at,
    maskVersion: r.mask_version,
    modelId: r.model_id,
    undone: r.undone !== 0,
  };
}

/** A new or renamed class whose name another class has (in any case), said as a person reads it. */
function sameNameCheck(classes: readonly ClassDef[], c: { idx: number; name: string }): void {
  const clash = classes.find((o) => o.idx !== c.idx && o.name.toLowerCase() === c.name.toLowerCase());
  if (clash)
    throw new UserError(
      `a class named "${clash.name}" exists already${clash.name === c.name ? "" : ` (names must differ in more than case)`}`,
    );
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

/** Keys 1..9 then 0 pick the first ten classes. */
function shortcutFor(idx: number): string | null {
  return idx < 9 ? String(idx + 1) : idx === 9 ? "0" : null;
}

function validateClasses(classes: Omit<ClassDef, "shortcut">[], file: string): void {
  if (classes.length < 1) throw new UserError(`${file}: a project needs at least one class`);
  if (classes.length > 255) throw new UserError(`${file}: at most 255 classes (index 255 means unlabeled)`);
  const names = new Map<string, number>();
  classes.forEach((c, i) => {
    if (c.idx !== i)
      throw new UserError(
        `${file}: class indices must be 0..${classes.length - 1} in order (got ${c.idx} at position ${i})`,
      );
    if (!c.name.trim()) throw new UserError(`${file}: class ${i} has an empty name`);
    const taken = names.get(c.name.toLowerCase());
    if (taken !== undefined)
      throw new UserError(
        `${file}: class names must differ (in any case): classes ${taken} and ${i} would be "${classes[taken].name}" and "${c.name}"`,
      );
    names.set(c.name.toLowerCase(), i);
    if (!/^#[0-9a-fA-F]{6}$/.test(c.color))
      throw new UserError(`${file}: class "${c.name}" has color "${c.color}", expected #rrggbb`);
  });
}
