import path from "node:path";
import { createProjectDb, nowIso, openProjectDb, type Db } from "./db.ts";
import type { ClassDef, ImageRow, ProjectSummary, Split, StrokeRow } from "../common/project-types.ts";
import { UserError } from "./errors.ts";
import type { LabelMask } from "../common/mask.ts";
import type { MaskPatch } from "../labels/patch.ts";
import type { Rect } from "../common/raster.ts";
import { ClassTable, MetaTable, validateClasses } from "./classes.ts";
import { ImageTable, type ListQuery, type NewImage, type Thumbnail } from "./images.ts";
import { ImageList } from "./image-list.ts";
import { MaskTable, type ChangeRecord } from "./masks.ts";
import { ModelTable, TrainingRunTable } from "./models.ts";
import { PredictionTable } from "./predictions.ts";
import { QueueTable } from "./queue.ts";
import { RoundTable } from "./rounds.ts";
import { PreviewTable } from "./preview.ts";
import { PersonLabelTable } from "./labels-by-person.ts";
import { projectSummary, splitLabelCounts, type SplitLabelCounts } from "./summary.ts";

export { MASK_BAND_ROWS, StrokeState, UNKNOWN_PERSON, type ChangeRecord } from "./masks.ts";
export { impossibleSize, toImageRow, type ImageDbRow, type ListQuery, type NewImage } from "./images.ts";

/**
 * The project file: every read and write of the SQLite store goes through here, and no SQL is
 * written anywhere else (app/store/sql-in-store.test.ts checks it). The tables are kept in
 * modules by group, one object each: images (and thumbnails), the app's image list, masks and
 * strokes, models and training runs, predictions, the suggestion queues, rounds. The methods
 * below are the common calls, kept on the store itself.
 *
 * One instance per open project; not shared across threads (open another in a worker).
 */
export class ProjectStore {
  readonly file: string;
  readonly dir: string;
  readonly meta: MetaTable;
  readonly classTable: ClassTable;
  readonly images: ImageTable;
  readonly imageList: ImageList;
  readonly masks: MaskTable;
  readonly models: ModelTable;
  readonly runs: TrainingRunTable;
  readonly predictions: PredictionTable;
  readonly queue: QueueTable;
  readonly rounds: RoundTable;
  /** the live preview classifier and its predictions (format 9) */
  readonly preview: PreviewTable;
  /** labeled pixels by person (#34) */
  readonly people: PersonLabelTable;
  readonly #db: Db;

  private constructor(file: string, db: Db) {
    this.file = path.resolve(file);
    this.dir = path.dirname(this.file);
    this.#db = db;
    this.meta = new MetaTable(db);
    this.classTable = new ClassTable(db, this.file);
    this.images = new ImageTable(db, this.file, this.dir);
    this.imageList = new ImageList(db);
    this.masks = new MaskTable(db, this.file, this.images);
    this.models = new ModelTable(db);
    this.runs = new TrainingRunTable(db);
    this.predictions = new PredictionTable(db);
    this.queue = new QueueTable(db, this.images);
    this.rounds = new RoundTable(db);
    this.preview = new PreviewTable(db);
    this.people = new PersonLabelTable(db, this.masks);
  }

  static create(file: string, init: { name: string; classes: Omit<ClassDef, "shortcut">[] }): ProjectStore {
    validateClasses(init.classes, file);
    const store = new ProjectStore(file, createProjectDb(file));
    store.transaction(() => {
      store.setMeta("name", init.name);
      store.setMeta("created_at", nowIso());
      store.classTable.insertInitial(init.classes);
    });
    return store;
  }

  static open(file: string, opts: { readonly?: boolean } = {}): ProjectStore {
    return new ProjectStore(file, openProjectDb(file, opts));
  }

  /** How the connection is set up (docs/schema.md): journal mode, foreign keys, sync level. */
  connectionSettings(): { journal_mode: string; foreign_keys: number; synchronous: number } {
    const db = this.#db;
    return {
      journal_mode: db.pragma("journal_mode", { simple: true }) as string,
      foreign_keys: db.pragma("foreign_keys", { simple: true }) as number,
      synchronous: db.pragma("synchronous", { simple: true }) as number,
    };
  }

  get isOpen(): boolean {
    return this.#db.open;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** Runs `fn` in one transaction (nested: a savepoint): all of its writes or none. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** SQLite's data_version: changes when another connection commits to the file. */
  dataVersion(): number {
    return this.#db.pragma("data_version", { simple: true }) as number;
  }

  /**
   * SQLite's full check of the file (`integrity_check`: every table and index, all pages): the
   * problems it reports, empty when the file is sound. Slow on a large project: for checks after
   * a crash (bench:crash), not for every open.
   */
  integrityCheck(): string[] {
    return (this.#db.pragma("integrity_check") as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .filter((r) => r !== "ok");
  }

  // ---- metadata and classes ----

  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.meta.set(key, value);
  }

  /** Writes a consistent copy of the whole project to `file` (VACUUM INTO), even while others write. */
  copyTo(file: string): void {
    this.#db.prepare("VACUUM INTO ?").run(file);
  }

  get name(): string {
    return this.getMeta("name") ?? path.basename(this.file);
  }

  classes(): ClassDef[] {
    return this.classTable.all();
  }

  /** See ClassTable.add. */
  addClass(name: string, color: string): ClassDef {
    return this.classTable.add(name, color);
  }

  /** See ClassTable.addMany: in one transaction, all of them or none. */
  addClasses(
    classes: { name: string; color: string }[],
    source: string,
  ): { added: ClassDef[]; skipped: string[] } {
    return this.transaction(() => this.classTable.addMany(classes, source));
  }

  /** See MaskTable.classUse: labeled pixels, images and undo-history changes of a class. */
  classUse(idx: number): { pixels: number; images: number; historyChanges: number } {
    return this.masks.classUse(idx);
  }

  /**
   * Deletes the last class when no label and no undo step holds it (checked in the same
   * transaction); the caller checks models (their class count is in their weights).
   */
  deleteUnusedClass(idx: number): void {
    this.transaction(() => {
      const name = this.classTable.all()[idx]?.name ?? String(idx);
      const use = this.masks.classUse(idx);
      if (use.pixels > 0)
        throw new UserError(
          `${this.file}: class "${name}" has ${use.pixels} labeled pixels on ${use.images} images; erase them first`,
        );
      if (use.historyChanges > 0)
        throw new UserError(
          `${this.file}: class "${name}" is in ${use.historyChanges} changes of the undo history, which could bring it back`,
        );
      this.classTable.removeLast(idx);
    });
  }

  /**
   * Deletes a class that has labels (or that models know): in one transaction, its labels become
   * unlabeled in every mask and undo patch (MaskTable.clearClass) and the class is marked deleted,
   * its index kept (a tombstone: docs/schema.md). A failure or a crash part-way leaves the file
   * as it was. Answers the images whose mask changed, and the pixels cleared.
   */
  deleteClass(idx: number): { images: { id: number; version: number }[]; pixels: number; patches: number } {
    return this.transaction(() => {
      const live = this.classTable.all().filter((c) => !c.deleted);
      const c = this.classTable.all()[idx];
      if (!c) throw new UserError(`${this.file}: no class ${idx}`);
      if (!c.deleted && live.length <= 1)
        throw new UserError(`${this.file}: a project needs at least one class`);
      this.classTable.markDeleted(idx);
      return this.masks.clearClass(idx);
    });
  }

  /** Indices of the deleted classes (never painted, accepted or exported). */
  deletedClasses(): number[] {
    return this.classTable
      .all()
      .filter((c) => c.deleted)
      .map((c) => c.idx);
  }

  /** Renames or recolors a class; its index, and so every label of it, stays. */
  updateClass(idx: number, change: { name?: string; color?: string }): ClassDef {
    return this.classTable.update(idx, change);
  }

  /** A class by index or by name (any case), for the CLI. */
  findClass(key: string): ClassDef {
    return this.classTable.find(key);
  }

  // ---- images ----

  /** Path as stored: relative (with forward slashes) when inside the project folder. */
  storedPath(absPath: string): string {
    return this.images.storedPath(absPath);
  }

  absolutePath(stored: string): string {
    return this.images.absolutePath(stored);
  }

  findImageBySha(sha256: string): { id: number; path: string } | undefined {
    return this.images.findBySha(sha256);
  }

  insertImage(img: NewImage): number {
    return this.images.insert(img);
  }

  image(id: number): ImageRow | undefined {
    return this.images.get(id);
  }

  /** The image imported from this file (an absolute path, as stored), if any. */
  imageByPath(file: string): ImageRow | undefined {
    return this.images.byPath(file);
  }

  /** See ImageTable.relink. */
  relinkImage(id: number, absPath: string): void {
    this.images.relink(id, absPath);
  }

  /** Images whose file name is `name` (names need not be unique across folders). */
  imagesByName(name: string): ImageRow[] {
    return this.images.byName(name);
  }

  listImages(q: ListQuery = {}): ImageRow[] {
    return this.images.list(q);
  }

  countImages(q: Pick<ListQuery, "split" | "status"> = {}): number {
    return this.images.count(q);
  }

  thumbnail(imageId: number): Thumbnail | undefined {
    return this.images.thumbnail(imageId);
  }

  /** Stores (or replaces) an image's thumbnail. */
  putThumbnail(imageId: number, t: Thumbnail): void {
    this.images.putThumbnail(imageId, t);
  }

  /** The newest model's id, or undefined when none has been trained. */
  latestModelId(): number | undefined {
    return this.models.latestId();
  }

  /** See ImageTable.remove: images out of the project, in one transaction. */
  removeImages(ids: number[]): ImageRow[] {
    return this.images.remove(ids);
  }

  setSplit(imageId: number, split: Split): void {
    this.setSplits([imageId], split);
  }

  /** See ImageTable.setSplits. */
  setSplits(ids: number[], split: Split): number {
    return this.images.setSplits(ids, split);
  }

  /** See ImageTable.unsuggest. */
  unsuggest(ids?: number[]): void {
    this.images.unsuggest(ids);
  }

  /** The image, its stored size checked before anything is allocated from it. */
  requireImage(id: number): ImageRow {
    return this.images.require(id);
  }

  // ---- label masks and strokes ----

  mask(imageId: number): LabelMask {
    return this.masks.mask(imageId);
  }

  maskVersion(imageId: number): number {
    return this.masks.maskVersion(imageId);
  }

  /** See MaskTable.commitChange. */
  commitChange(
    imageId: number,
    before: LabelMask,
    after: LabelMask,
    rect: Rect | null,
    change: ChangeRecord,
  ): StrokeRow {
    return this.masks.commitChange(imageId, before, after, rect, change);
  }

  /** Records `after` if it differs from `before` (in either layer); null when nothing changed. */
  commitDiff(imageId: number, before: LabelMask, after: LabelMask, change: ChangeRecord): StrokeRow | null {
    return this.masks.commitDiff(imageId, before, after, change);
  }

  /** Like commitChange, for a caller that already has the patch (e.g. an in-place stroke). */
  commitPatch(
    imageId: number,
    after: LabelMask,
    captured: MaskPatch | null,
    change: ChangeRecord,
  ): StrokeRow {
    return this.masks.commitPatch(imageId, after, captured, change);
  }

  /** See MaskTable.undo: per person; it stops at labels imported from a mask file. */
  undo(imageId: number, person?: string): StrokeRow | null {
    return this.masks.undo(imageId, person);
  }

  /** See MaskTable.undoStop. */
  undoStop(imageId: number, person?: string): string | null {
    return this.masks.undoStop(imageId, person);
  }

  /** See MaskTable.redo: a person's most recently undone change of an image. */
  redo(imageId: number, person?: string): StrokeRow | null {
    return this.masks.redo(imageId, person);
  }

  strokes(imageId: number): StrokeRow[] {
    return this.masks.strokes(imageId);
  }

  // ---- summary ----

  summary(): ProjectSummary {
    return projectSummary(this.#db);
  }

  /** Labeled images and pixels (by provenance) of one split's images, and all of its pixels. */
  labelCounts(split: Split): SplitLabelCounts {
    return splitLabelCounts(this.#db, split);
  }
}
