/**
 * Label masks (stored in bands of rows) and strokes, the changes that made them, each with its
 * undo patch: reading a mask, committing a change, undo and redo.
 */
import { nowIso, type Db } from "./db.ts";
import { UserError } from "./errors.ts";
import type { ImageTable } from "./images.ts";
import type { StrokeRow, Tool } from "../common/project-types.ts";
import { decodeRle, decodeRleInto, encodeRle } from "../labels/rle.ts";
import { Source, UNLABELED, countBySource, emptyMask, type LabelMask } from "../common/mask.ts";
import { capturePatch, decodePatch, encodePatch, type MaskPatch } from "../labels/patch.ts";
import { cropLayer, type Rect } from "../common/raster.ts";
import { redoUnder, undoUnder } from "../labels/history.ts";
import { changedRect } from "../labels/edit.ts";

/** Rows per stored band of a label mask (format 3, table label_mask_bands). Part of the file format. */
export const MASK_BAND_ROWS = 64;

/** strokes.undone: whether a change is in the mask, and whether an undone one can come back. */
export const StrokeState = {
  /** in the mask */
  live: 0,
  /** undone, and redo brings it back */
  undone: 1,
  /** undone, then a new change was made: redo can no longer bring it back */
  superseded: 2,
} as const;
export type StrokeState = (typeof StrokeState)[keyof typeof StrokeState];

export interface ChangeRecord {
  tool: Tool;
  classIdx: number | null;
  width: number;
  points: [number, number][];
  author: string;
  modelId?: number | null;
  /** the person who made it (undo and redo are per person); null or missing: no one's */
  person?: string | null;
}

/** How a change made before project format 10 (no person recorded) reads. */
export const UNKNOWN_PERSON = "unknown";

/** The tools whose strokes are a person's labeling (not an import of a mask file). */
const LABELING_TOOLS = "('brush', 'eraser', 'polygon', 'fill', 'accept')";

export class MaskTable {
  constructor(
    private readonly db: Db,
    private readonly file: string,
    private readonly images: ImageTable,
  ) {}

  mask(imageId: number): LabelMask {
    const img = this.images.require(imageId);
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

  /** Every stored mask's version, by image id (what changed since a look before). */
  maskVersions(): Map<number, number> {
    const rows = this.db.prepare("SELECT image_id, version FROM label_masks").all() as {
      image_id: number;
      version: number;
    }[];
    return new Map(rows.map((r) => [r.image_id, r.version]));
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
      // A person's new change ends their own redo on this image (others' undone changes stay redoable).
      const person = change.person ?? null;
      this.db
        .prepare("UPDATE strokes SET undone = ? WHERE image_id = ? AND undone = ? AND person IS ?")
        .run(StrokeState.superseded, imageId, StrokeState.undone, person);
      const createdAt = nowIso();
      const info = this.db
        .prepare(
          `INSERT INTO strokes (image_id, class_idx, tool, width, points, author, created_at, mask_version, model_id, bbox, patch, person)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
          person,
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
        person: person ?? UNKNOWN_PERSON,
        undone: false,
      };
    })();
  }

  /**
   * Undoes `person`'s latest live change of an image (without `person`: the image's latest change,
   * whoever made it); returns the stroke undone, or null. Changes others made since stay: see
   * app/labels/history.ts. Undo stops at labels imported from a mask file: one keystroke must not
   * wipe a whole imported mask (a dense ground truth) that was never drawn in the app; see undoStop().
   */
  undo(imageId: number, person?: string): StrokeRow | null {
    return this.db.transaction(() => {
      const row = this.latestLiveChange(imageId, person);
      if (!row || row.tool === "import") return null;
      const patch = decodePatch(row.patch as Buffer, JSON.parse(row.bbox as string));
      this.applyOverLater(imageId, row, patch, "undo");
      this.db.prepare("UPDATE strokes SET undone = ? WHERE id = ?").run(StrokeState.undone, row.id);
      return { ...toStrokeRow(row), undone: true };
    })();
  }

  /**
   * Why undo does nothing on this image for `person` when their latest live change is an import
   * of labels from a mask file (naming the file when the change records it), else null.
   */
  undoStop(imageId: number, person?: string): string | null {
    const row = this.latestLiveChange(imageId, person);
    if (row?.tool !== "import") return null;
    const file = row.author.startsWith("import:") ? ` (${row.author.slice("import:".length)})` : "";
    return `the labels before this point were imported from a mask file${file}; undo stops there (erase to change them)`;
  }

  /**
   * The change undo would take: the latest live one (of `person`, when given). A live import made
   * after it (by anyone) stands in its way: undo stops there for everyone.
   */
  private latestLiveChange(imageId: number, person?: string): StrokeDbRow | undefined {
    const latest = (sql: string, ...args: unknown[]) =>
      this.db
        .prepare(
          `SELECT * FROM strokes WHERE image_id = ? AND undone = ? AND patch IS NOT NULL ${sql} ORDER BY id DESC LIMIT 1`,
        )
        .get(imageId, StrokeState.live, ...args) as StrokeDbRow | undefined;
    if (person === undefined) return latest("");
    const own = latest("AND person = ?", person);
    const imported = latest("AND tool = 'import'");
    return imported && (!own || imported.id > own.id) ? imported : own;
  }

  /**
   * Redoes `person`'s most recently undone change of an image (without `person`: the image's);
   * returns it, or null. Where others changed a pixel since, their value stays (history.ts).
   */
  redo(imageId: number, person?: string): StrokeRow | null {
    return this.db.transaction(() => {
      const row = (
        person === undefined
          ? this.db
              .prepare("SELECT * FROM strokes WHERE image_id = ? AND undone = ? ORDER BY id ASC LIMIT 1")
              .get(imageId, StrokeState.undone)
          : this.db
              .prepare(
                "SELECT * FROM strokes WHERE image_id = ? AND person = ? AND undone = ? ORDER BY id ASC LIMIT 1",
              )
              .get(imageId, person, StrokeState.undone)
      ) as StrokeDbRow | undefined;
      if (!row) return null;
      const patch = decodePatch(row.patch as Buffer, JSON.parse(row.bbox as string));
      this.applyOverLater(imageId, row, patch, "redo");
      this.db
        .prepare("UPDATE strokes SET undone = ?, patch = ? WHERE id = ?")
        .run(StrokeState.live, encodePatch(patch), row.id);
      return toStrokeRow(row);
    })();
  }

  /**
   * Undoes or redoes one change under the live changes made after it (history.ts), stores the
   * patches of those it rewrote and the new mask, its counts from the changed rectangle alone.
   */
  private applyOverLater(
    imageId: number,
    row: StrokeDbRow,
    patch: MaskPatch,
    direction: "undo" | "redo",
  ): void {
    const mask = this.mask(imageId);
    const r = patch.rect;
    const later = (
      this.db
        .prepare(
          "SELECT id, bbox, patch FROM strokes WHERE image_id = ? AND id > ? AND undone = ? AND patch IS NOT NULL ORDER BY id",
        )
        .all(imageId, row.id, StrokeState.live) as { id: number; bbox: string; patch: Buffer }[]
    )
      .map((t) => ({ id: t.id, rect: JSON.parse(t.bbox) as Rect, blob: t.patch }))
      .filter(
        (t) =>
          t.rect.x < r.x + r.width &&
          r.x < t.rect.x + t.rect.width &&
          t.rect.y < r.y + r.height &&
          r.y < t.rect.y + t.rect.height,
      )
      .map((t) => ({ id: t.id, patch: decodePatch(t.blob, t.rect) }));
    const before = countLayers(
      cropLayer(mask.classes, mask.width, r),
      cropLayer(mask.sources, mask.width, r),
    );
    const rewrite = (direction === "undo" ? undoUnder : redoUnder)(
      mask,
      patch,
      later.map((t) => t.patch),
    );
    const after = countLayers(cropLayer(mask.classes, mask.width, r), cropLayer(mask.sources, mask.width, r));
    const put = this.db.prepare("UPDATE strokes SET patch = ? WHERE id = ?");
    later.forEach((t, k) => {
      if (rewrite[k]) put.run(encodePatch(t.patch), t.id);
    });
    const stored = this.db
      .prepare("SELECT human_pixels, accepted_pixels FROM label_masks WHERE image_id = ?")
      .get(imageId) as { human_pixels: number; accepted_pixels: number } | undefined;
    const counts = {
      human: (stored?.human_pixels ?? 0) + after.human - before.human,
      accepted: (stored?.accepted_pixels ?? 0) + after.accepted - before.accepted,
    };
    this.writeMask(imageId, mask, this.maskVersion(imageId) + 1, counts, r);
  }

  /**
   * Where class `idx` is used: its labeled pixels and the images they are on, and the changes in
   * the undo history that hold it (a stroke of it, or a patch that undo or redo would bring it
   * back with). Reads every mask and patch: for a confirmation, not for every frame.
   */
  classUse(idx: number): { pixels: number; images: number; historyChanges: number } {
    let pixels = 0;
    let images = 0;
    const ids = this.db
      .prepare("SELECT image_id FROM label_masks ORDER BY image_id")
      .pluck()
      .all() as number[];
    for (const id of ids) {
      const classes = this.mask(id).classes;
      let n = 0;
      for (let i = 0; i < classes.length; i++) if (classes[i] === idx) n++;
      pixels += n;
      if (n > 0) images++;
    }
    let historyChanges = 0;
    const rows = this.db.prepare("SELECT class_idx, bbox, patch FROM strokes").iterate() as Iterable<{
      class_idx: number | null;
      bbox: string | null;
      patch: Buffer | null;
    }>;
    for (const row of rows) {
      if (row.class_idx === idx) historyChanges++;
      else if (row.patch && row.bbox) {
        const p = decodePatch(row.patch, JSON.parse(row.bbox));
        if (p.beforeClasses.includes(idx) || p.afterClasses.includes(idx)) historyChanges++;
      }
    }
    return { pixels, images, historyChanges };
  }

  /** Whether an image has live changes (with an undo patch) of anyone but `person` (#34). */
  othersChanged(imageId: number, person: string): boolean {
    return (
      this.db
        .prepare(
          "SELECT 1 FROM strokes WHERE image_id = ? AND undone = ? AND patch IS NOT NULL AND person IS NOT ? LIMIT 1",
        )
        .get(imageId, StrokeState.live, person) !== undefined
    );
  }

  /**
   * Clears class `idx` from the whole history (the class is being deleted): every mask pixel of
   * it becomes unlabeled (source none) under a new mask version, and so does every pixel of it in
   * every undo patch, before and after alike. The same map applied to every state keeps the
   * history a history: undo and redo never bring the class back and still land on the mask as
   * it is. Runs in the caller's transaction. Answers the images whose mask changed (new version)
   * and the pixels and patches cleared.
   */
  clearClass(idx: number): { images: { id: number; version: number }[]; pixels: number; patches: number } {
    const changed: { id: number; version: number }[] = [];
    let pixels = 0;
    const ids = this.db
      .prepare("SELECT image_id FROM label_masks ORDER BY image_id")
      .pluck()
      .all() as number[];
    for (const id of ids) {
      const mask = this.mask(id);
      const n = clearInLayers(mask.classes, mask.sources, idx);
      if (n === 0) continue;
      pixels += n;
      const version = this.maskVersion(id) + 1;
      this.writeMask(id, mask, version);
      changed.push({ id, version });
    }
    let patches = 0;
    const update = this.db.prepare("UPDATE strokes SET patch = ? WHERE id = ?");
    const rows = this.db
      .prepare("SELECT id, bbox, patch FROM strokes WHERE patch IS NOT NULL AND bbox IS NOT NULL")
      .all() as { id: number; bbox: string; patch: Buffer }[];
    for (const row of rows) {
      const p = decodePatch(row.patch, JSON.parse(row.bbox));
      const n =
        clearInLayers(p.beforeClasses, p.beforeSources, idx) +
        clearInLayers(p.afterClasses, p.afterSources, idx);
      if (n === 0) continue;
      update.run(encodePatch(p), row.id);
      patches++;
    }
    return { images: changed, pixels, patches };
  }

  /** Stroke rows in the whole project, undone ones included (cheap: a count, no patches read). */
  strokeRowCount(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM strokes").get() as { n: number }).n;
  }

  /** The newest stroke row's id, or null before the first. */
  lastStrokeId(): number | null {
    return (this.db.prepare("SELECT MAX(id) AS last FROM strokes").get() as { last: number | null }).last;
  }

  strokes(imageId: number): StrokeRow[] {
    return (
      this.db.prepare("SELECT * FROM strokes WHERE image_id = ? ORDER BY id").all(imageId) as StrokeDbRow[]
    ).map(toStrokeRow);
  }

  /** Live strokes a person made (not imports), over the whole project. */
  liveLabelingStrokes(): number {
    return (
      this.db
        .prepare("SELECT COUNT(*) AS n FROM strokes WHERE undone = ? AND tool != 'import'")
        .get(StrokeState.live) as { n: number }
    ).n;
  }

  /** Whether a person changed the image's labels (a live stroke, not an import) at or after `since`. */
  workedOnSince(imageId: number, since: string): boolean {
    return (
      this.db
        .prepare(
          "SELECT 1 FROM strokes WHERE image_id = ? AND undone = ? AND tool != 'import' AND created_at >= ? LIMIT 1",
        )
        .get(imageId, StrokeState.live, since) !== undefined
    );
  }

  /** The times of the labeling strokes (any state) made after `since` (null: all), oldest first. */
  labelingTimesAfter(since: string | null): string[] {
    const rows = this.db
      .prepare(
        `SELECT created_at FROM strokes WHERE tool IN ${LABELING_TOOLS}
         AND (? IS NULL OR created_at > ?) ORDER BY created_at`,
      )
      .all(since, since) as { created_at: string }[];
    return rows.map((r) => r.created_at);
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
}

/** Pixels of class `idx` made unlabeled (source none), in place; how many. */
function clearInLayers(classes: Uint8Array, sources: Uint8Array, idx: number): number {
  let n = 0;
  for (let i = 0; i < classes.length; i++) {
    if (classes[i] !== idx) continue;
    classes[i] = UNLABELED;
    sources[i] = Source.none;
    n++;
  }
  return n;
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
  undone: StrokeState;
  person?: string | null;
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
    person: r.person ?? UNKNOWN_PERSON,
    undone: r.undone !== StrokeState.live,
  };
}
