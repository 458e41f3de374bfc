import { afterEach, beforeEach, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { MASK_BAND_ROWS, ProjectStore } from "./project-store.ts";
import { encodeRle } from "../labels/rle.ts";
import { MIGRATIONS, LATEST_VERSION } from "./migrations.ts";
import { applyStroke, applyStrokeInPlace } from "../labels/edit.ts";
import { countBySource, emptyMask, Source, UNLABELED } from "../common/mask.ts";
import { tmpDir } from "../testing/tmp.ts";
import { CLASSES } from "../testing/store-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";

function sha(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function addImage(store: ProjectStore, name: string, w = 40, h = 30): number {
  return store.insertImage({
    absPath: path.join(store.dir, name),
    sha256: crypto.createHash("sha256").update(name).digest("hex"),
    width: w,
    height: h,
    channels: 3,
    bitDepth: 8,
    split: "train",
    thumbnail: { width: 4, height: 3, webp: Buffer.from([1, 2, 3]) },
  });
}

function stroke(
  store: ProjectStore,
  id: number,
  points: [number, number][],
  classIdx: number | null,
  tool: "brush" | "eraser" = "brush",
) {
  const before = store.mask(id);
  const r = applyStroke(before, { tool, classIdx, width: 4, points });
  if (!r) throw new Error("stroke missed the image");
  return store.commitChange(id, before, r.mask, r.rect, { tool, classIdx, width: 4, points, author: "test" });
}

describe("project store", () => {
  let t: ReturnType<typeof tmpDir>;
  let file: string;
  beforeEach(() => {
    t = tmpDir();
    file = path.join(t.dir, "p.pxl");
  });
  afterEach(() => t.cleanup());

  it("creates a project with classes, reopens it, and keeps WAL + foreign keys on", () => {
    ProjectStore.create(file, { name: "streets", classes: CLASSES }).close();
    const s = ProjectStore.open(file);
    expect(s.name).toBe("streets");
    expect(s.classes().map((c) => [c.idx, c.name, c.color, c.shortcut])).toEqual([
      [0, "road", "#804080", "1"],
      [1, "car", "#400080", "2"],
    ]);
    // The store's own connection (per connection: foreign keys and the sync level).
    const settings = s.connectionSettings();
    expect(settings.journal_mode).toBe("wal");
    expect(settings.foreign_keys).toBe(1);
    expect(settings.synchronous).toBe(2); // FULL
    s.close();
  });

  it("copies the whole project to another file while another connection has it open", () => {
    const s = ProjectStore.create(file, { name: "streets", classes: CLASSES });
    const other = ProjectStore.open(file);
    try {
      other.setMeta("note", "written by the other connection");
      const copy = path.join(t.dir, "copy.pxl");
      s.copyTo(copy);
      const c = ProjectStore.open(copy);
      expect(c.name).toBe("streets");
      expect(c.getMeta("note")).toBe("written by the other connection");
      expect(c.classes().map((k) => k.name)).toEqual(["road", "car"]);
      c.close();
    } finally {
      other.close();
      s.close();
    }
  });

  it("refuses to create over an existing file", () => {
    fs.writeFileSync(file, "keep me");
    expect(() => ProjectStore.create(file, { name: "x", classes: CLASSES })).toThrow(/already exists/);
    expect(fs.readFileSync(file, "utf8")).toBe("keep me");
  });

  it("rejects bad class lists with the reason", () => {
    expect(() => ProjectStore.create(file, { name: "x", classes: [] })).toThrow(/at least one class/);
    expect(() =>
      ProjectStore.create(file, { name: "x", classes: [{ idx: 0, name: "a", color: "red" }] }),
    ).toThrow(/expected #rrggbb/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("refuses a file that is not a SQLite database, and leaves it untouched", () => {
    fs.writeFileSync(file, "hello, I am a text file, not a project\n".repeat(10));
    const before = sha(file);
    expect(() => ProjectStore.open(file)).toThrow(
      /p\.pxl: not a Pixelloop project \(not a SQLite database\)/,
    );
    expect(sha(file)).toBe(before);
    expect(fs.existsSync(file + "-wal")).toBe(false);
  });

  it("refuses an empty file and a missing file with clear messages", () => {
    fs.writeFileSync(file, "");
    expect(() => ProjectStore.open(file)).toThrow(/not a Pixelloop project/);
    expect(() => ProjectStore.open(path.join(t.dir, "nope.pxl"))).toThrow(/nope\.pxl: no such project file/);
  });

  it("refuses a SQLite file of another application, and leaves it untouched", () => {
    const other = new Database(file);
    other.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');");
    other.close();
    const before = sha(file);
    expect(() => ProjectStore.open(file)).toThrow(
      /not a Pixelloop project \(SQLite file of another application\)/,
    );
    expect(sha(file)).toBe(before);
  });

  it("names a damaged project file (cut short: a copy that stopped half-way) and leaves it untouched", () => {
    const whole = ProjectStore.create(file, { name: "x", classes: CLASSES });
    withRawDb(whole, (db) => db.pragma("wal_checkpoint(TRUNCATE)"));
    whole.close();
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100)); // the header, no pages
    const before = sha(file);
    expect(() => ProjectStore.open(file)).toThrow(
      /p\.pxl: the project file is damaged and cannot be read \(SQLite: /,
    );
    expect(() => ProjectStore.open(file, { readonly: true })).toThrow(/p\.pxl: the project file is damaged/);
    expect(sha(file)).toBe(before);
  });

  it("refuses a project written by a newer version, and leaves it untouched", () => {
    ProjectStore.create(file, { name: "x", classes: CLASSES }).close();
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    const before = sha(file);
    expect(() => ProjectStore.open(file)).toThrow(
      new RegExp(
        `written by a newer Pixelloop \\(project format \\d+, this version reads up to ${LATEST_VERSION}\\)`,
      ),
    );
    expect(sha(file)).toBe(before);
  });

  it("migrates a format-1 project to the current format and keeps its data", () => {
    const created = ProjectStore.create(file, { name: "old", classes: CLASSES });
    const id = addImage(created, "a.png", 8, 4);
    const old = emptyMask(8, 4);
    old.classes.fill(1, 8, 16);
    old.sources.fill(Source.human, 8, 16);
    created.close();
    // Make it a format-1 file, as the first release wrote it (whole-image mask RLE).
    const raw = new Database(file);
    raw.exec(
      "DROP TABLE rounds; DROP TABLE label_mask_bands; ALTER TABLE predictions DROP COLUMN embedding; ALTER TABLE predictions DROP COLUMN embedding_grid; ALTER TABLE predictions DROP COLUMN margin; DROP INDEX strokes_person; ALTER TABLE strokes DROP COLUMN person; ALTER TABLE classes DROP COLUMN deleted_at",
    );
    raw
      .prepare(
        `INSERT INTO label_masks (image_id, version, classes_rle, sources_rle, labeled_pixels, human_pixels, accepted_pixels, updated_at)
         VALUES (?, 1, ?, ?, 8, 8, 0, 'then')`,
      )
      .run(id, encodeRle(old.classes), encodeRle(old.sources));
    raw.pragma("user_version = 1");
    raw.close();
    const s = ProjectStore.open(file);
    expect(withRawDb(s, (db) => db.pragma("user_version", { simple: true }))).toBe(LATEST_VERSION);
    expect(
      withRawDb(s, (db) => db.prepare("SELECT name FROM sqlite_master WHERE name = 'rounds'").get()),
    ).toBeDefined();
    const predictionColumns = withRawDb(s, (db) => db.prepare("PRAGMA table_info(predictions)").all()) as {
      name: string;
    }[];
    expect(predictionColumns.map((c) => c.name)).toEqual(
      expect.arrayContaining(["embedding", "embedding_grid", "margin"]),
    );
    expect(s.name).toBe("old");
    expect(s.mask(id)).toEqual(old);
    expect(s.image(id)?.labeledPixels).toBe(8);
    s.close();
  });

  it("stores paths inside the project folder relative, others absolute", () => {
    const s = ProjectStore.create(file, { name: "x", classes: CLASSES });
    expect(s.storedPath(path.join(t.dir, "img", "a.png"))).toBe("img/a.png");
    expect(s.storedPath("/elsewhere/b.png")).toBe("/elsewhere/b.png");
    expect(s.absolutePath("img/a.png")).toBe(path.join(t.dir, "img", "a.png"));
    s.close();
  });

  it("writes a stroke and its mask version together, and undoes/redoes exactly", () => {
    const s = ProjectStore.create(file, { name: "x", classes: CLASSES });
    const id = addImage(s, "a.png");
    const first = stroke(
      s,
      id,
      [
        [5, 5],
        [30, 5],
      ],
      0,
    );
    expect(first.maskVersion).toBe(1);
    const afterFirst = s.mask(id);
    stroke(
      s,
      id,
      [
        [5, 5],
        [5, 25],
      ],
      1,
    );
    const afterSecond = s.mask(id);
    expect(afterSecond.classes[5 * 40 + 5]).toBe(1);
    expect(s.image(id)?.status).toBe("labeled");

    s.undo(id);
    expect(Array.from(s.mask(id).classes)).toEqual(Array.from(afterFirst.classes));
    s.undo(id);
    expect(s.mask(id).classes.every((v) => v === UNLABELED)).toBe(true);
    expect(s.image(id)?.status).toBe("unlabeled");
    expect(s.undo(id)).toBeNull();
    s.redo(id);
    s.redo(id);
    expect(Array.from(s.mask(id).classes)).toEqual(Array.from(afterSecond.classes));
    expect(s.redo(id)).toBeNull();

    // A new stroke after an undo drops the redo branch.
    s.undo(id);
    stroke(s, id, [[20, 20]], 1, "brush");
    expect(s.redo(id)).toBeNull();
    expect(s.strokes(id).filter((x) => !x.undone)).toHaveLength(2);
    expect(s.masks.strokeRowCount()).toBe(s.strokes(id).length); // undone and superseded rows too
    s.close();
  });

  it("eraser clears labels and the summary counts labeled pixels by source", () => {
    const s = ProjectStore.create(file, { name: "x", classes: CLASSES });
    const id = addImage(s, "a.png");
    stroke(
      s,
      id,
      [
        [0, 0],
        [39, 0],
      ],
      0,
    );
    const labeled = s.summary().labeledPixels;
    expect(labeled).toBeGreaterThan(0);
    stroke(
      s,
      id,
      [
        [0, 0],
        [39, 0],
      ],
      null,
      "eraser",
    );
    expect(s.summary()).toMatchObject({ images: 1, labeledPixels: 0, humanPixels: 0, strokes: 2 });
    s.close();
  });

  it("labeled-pixel counts stay exact through in-place strokes over accepted labels, undo and redo", () => {
    const s = ProjectStore.create(file, { name: "x", classes: CLASSES });
    const id = addImage(s, "a.png", 60, 40);
    // Some accepted-prediction pixels first.
    const before = s.mask(id);
    const after = { ...before, classes: before.classes.slice(), sources: before.sources.slice() };
    after.classes.fill(1, 0, 600);
    after.sources.fill(Source.accepted, 0, 600);
    s.commitChange(
      id,
      before,
      after,
      { x: 0, y: 0, width: 60, height: 10 },
      { tool: "accept", classIdx: null, width: 0, points: [], author: "t" },
    );
    const mask = s.mask(id);
    const strokes: Parameters<typeof applyStrokeInPlace>[1][] = [
      {
        tool: "brush",
        classIdx: 0,
        width: 6,
        points: [
          [0, 5],
          [59, 20],
        ],
      },
      {
        tool: "eraser",
        classIdx: null,
        width: 4,
        points: [
          [10, 0],
          [10, 39],
        ],
      },
      {
        tool: "polygon",
        classIdx: 1,
        width: 0,
        points: [
          [30, 2],
          [55, 2],
          [55, 30],
        ],
      },
    ];
    const check = () => {
      const truth = countBySource(s.mask(id));
      const sum = s.summary();
      expect([sum.humanPixels, sum.acceptedPixels]).toEqual([truth.human, truth.accepted]);
    };
    for (const st of strokes) {
      const r = applyStrokeInPlace(mask, st)!;
      s.commitPatch(id, mask, r.patch, { ...st, author: "t" });
      check();
    }
    s.undo(id);
    check();
    s.redo(id);
    check();
    s.close();
  });

  it("commitDiff records a change in either layer (same class, new provenance included), and nothing when equal", () => {
    const s = ProjectStore.create(file, { name: "x", classes: CLASSES });
    const id = addImage(s, "a.png");
    const before = s.mask(id);
    const accepted = { ...before, classes: before.classes.slice(), sources: before.sources.slice() };
    accepted.classes.fill(1, 0, 40);
    accepted.sources.fill(Source.accepted, 0, 40);
    s.commitDiff(id, before, accepted, { tool: "accept", classIdx: null, width: 0, points: [], author: "t" });
    // Re-labeled by hand with the same class: only the source layer changes, at both ends.
    const human = { ...accepted, classes: accepted.classes.slice(), sources: accepted.sources.slice() };
    human.sources[0] = Source.human;
    human.sources[39] = Source.human;
    const row = s.commitDiff(id, accepted, human, {
      tool: "brush",
      classIdx: 1,
      width: 1,
      points: [],
      author: "t",
    });
    expect(row).not.toBeNull();
    expect(Array.from(s.mask(id).sources.subarray(0, 40))).toEqual(Array.from(human.sources.subarray(0, 40)));
    expect(s.summary()).toMatchObject({ humanPixels: 2, acceptedPixels: 38 });
    expect(
      s.commitDiff(id, human, human, { tool: "import", classIdx: null, width: 0, points: [], author: "t" }),
    ).toBeNull();
    s.undo(id);
    expect(s.summary()).toMatchObject({ humanPixels: 0, acceptedPixels: 40 });
    s.close();
  });

  it("lists images in pages with filters, and counts them", () => {
    const s = ProjectStore.create(file, { name: "x", classes: CLASSES });
    for (let i = 0; i < 25; i++) addImage(s, `img-${String(i).padStart(2, "0")}.png`);
    expect(s.countImages()).toBe(25);
    const page = s.listImages({ offset: 10, limit: 5, sort: "name" });
    expect(page.map((p) => p.name)).toEqual([
      "img-10.png",
      "img-11.png",
      "img-12.png",
      "img-13.png",
      "img-14.png",
    ]);
    expect(s.listImages({ search: "img-2" }).length).toBe(5);
    expect(s.listImages({ status: "labeled" })).toEqual([]);
    s.close();
  });

  it("a corrupt stored mask fails with a message instead of returning garbage", () => {
    const s = ProjectStore.create(file, { name: "x", classes: CLASSES });
    const id = addImage(s, "a.png");
    stroke(s, id, [[5, 5]], 0);
    withRawDb(s, (db) =>
      db
        .prepare("UPDATE label_mask_bands SET classes_rle = ? WHERE image_id = ? AND band = 0")
        .run(Buffer.from([1, 2]), id),
    );
    expect(() => s.mask(id)).toThrow(/a\.png.*damaged.*corrupt RLE data/);
    withRawDb(s, (db) => db.prepare("DELETE FROM label_mask_bands WHERE image_id = ?").run(id));
    expect(() => s.mask(id)).toThrow(/a\.png.*damaged.*0 bands of rows stored, expected 1/);
    s.close();
  });

  it("stores masks in bands of rows: strokes, undo and redo across band edges read back exactly", () => {
    const s = ProjectStore.create(file, { name: "x", classes: CLASSES });
    const id = addImage(s, "tall.png", 40, 3 * MASK_BAND_ROWS + 7);
    const expected = emptyMask(40, 3 * MASK_BAND_ROWS + 7);
    const paint = (x: number, y: number, cls: number) => {
      stroke(
        s,
        id,
        [
          [x, y],
          [x + 3, y + MASK_BAND_ROWS + 2],
        ],
        cls,
      );
      const r = applyStroke(expected, {
        tool: "brush",
        classIdx: cls,
        width: 4,
        points: [
          [x, y],
          [x + 3, y + MASK_BAND_ROWS + 2],
        ],
      });
      if (r) Object.assign(expected, r.mask);
    };
    paint(5, MASK_BAND_ROWS - 3, 0); // bands 0..1
    paint(20, 2 * MASK_BAND_ROWS + 1, 1); // bands 2..3 (the short last band)
    expect(s.mask(id)).toEqual(expected);
    const bands = withRawDb(s, (db) =>
      db.prepare("SELECT COUNT(*) AS n FROM label_mask_bands WHERE image_id = ?").get(id),
    );
    expect(bands).toEqual({ n: 4 });
    s.undo(id);
    s.undo(id);
    expect(s.mask(id)).toEqual(emptyMask(40, 3 * MASK_BAND_ROWS + 7));
    s.redo(id);
    s.redo(id);
    expect(s.mask(id)).toEqual(expected);
    s.close();
    const again = ProjectStore.open(file);
    expect(again.mask(id)).toEqual(expected);
    expect(again.image(id)?.labeledPixels).toBe(countBySource(expected).human);
    again.close();
  });

  it("reads a mask still in format 2's whole-image RLE and turns it into bands on its next change", () => {
    const s = ProjectStore.create(file, { name: "x", classes: CLASSES });
    const id = addImage(s, "old.png", 30, 150);
    const old = emptyMask(30, 150);
    old.classes.fill(1, 0, 300);
    old.sources.fill(Source.human, 0, 300);
    withRawDb(s, (db) =>
      db
        .prepare(
          `INSERT INTO label_masks (image_id, version, classes_rle, sources_rle, labeled_pixels, human_pixels, accepted_pixels, updated_at)
         VALUES (?, 1, ?, ?, 300, 300, 0, 'then')`,
        )
        .run(id, encodeRle(old.classes), encodeRle(old.sources)),
    );
    expect(s.mask(id)).toEqual(old);
    stroke(s, id, [[10, 140]], 0);
    const now = s.mask(id);
    expect(now.classes.subarray(0, 300)).toEqual(new Uint8Array(300).fill(1));
    expect(now.classes[140 * 30 + 10]).toBe(0);
    const row = withRawDb(s, (db) =>
      db.prepare("SELECT length(classes_rle) AS whole FROM label_masks WHERE image_id = ?").get(id),
    );
    expect(row).toEqual({ whole: 0 });
    expect(
      withRawDb(s, (db) =>
        db.prepare("SELECT COUNT(*) AS n FROM label_mask_bands WHERE image_id = ?").get(id),
      ),
    ).toEqual({
      n: 3,
    });
    s.close();
  });
});
