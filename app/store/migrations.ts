/**
 * Versioned schema migrations. PRAGMA user_version holds the version a file is at;
 * PRAGMA application_id marks the file as a Pixelloop project. Append, never edit, a migration.
 */
export const APPLICATION_ID = 0x50584c50; // "PXLP"

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: "initial schema",
    sql: `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE classes (
  idx      INTEGER PRIMARY KEY CHECK (idx BETWEEN 0 AND 254),
  name     TEXT NOT NULL UNIQUE,
  color    TEXT NOT NULL CHECK (color GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
  shortcut TEXT
) STRICT;

CREATE TABLE images (
  id        INTEGER PRIMARY KEY,
  path      TEXT NOT NULL UNIQUE,
  name      TEXT NOT NULL,
  sha256    TEXT NOT NULL UNIQUE,
  width     INTEGER NOT NULL,
  height    INTEGER NOT NULL,
  channels  INTEGER NOT NULL,
  bit_depth INTEGER NOT NULL,
  split     TEXT NOT NULL DEFAULT 'train' CHECK (split IN ('train', 'val', 'test')),
  status    TEXT NOT NULL DEFAULT 'unlabeled'
            CHECK (status IN ('unlabeled', 'labeled', 'predicted', 'suggested')),
  added_at  TEXT NOT NULL
) STRICT;
CREATE INDEX images_name ON images(name);
CREATE INDEX images_split ON images(split, id);
CREATE INDEX images_status ON images(status, id);

CREATE TABLE thumbnails (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  width    INTEGER NOT NULL,
  height   INTEGER NOT NULL,
  webp     BLOB NOT NULL
) STRICT;

-- The current label mask of an image: class layer and per-pixel source layer, both RLE.
CREATE TABLE label_masks (
  image_id       INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  version        INTEGER NOT NULL,
  classes_rle    BLOB NOT NULL,
  sources_rle    BLOB NOT NULL,
  labeled_pixels INTEGER NOT NULL,
  human_pixels   INTEGER NOT NULL,
  accepted_pixels INTEGER NOT NULL,
  updated_at     TEXT NOT NULL
) STRICT;

-- Every change to a mask: provenance and undo history. The patch holds the bounding box
-- of the change with the layers before and after it, so undo/redo never re-rasterizes.
CREATE TABLE strokes (
  id           INTEGER PRIMARY KEY,
  image_id     INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  class_idx    INTEGER,
  tool         TEXT NOT NULL CHECK (tool IN ('brush', 'eraser', 'polygon', 'fill', 'accept', 'import')),
  width        REAL NOT NULL,
  points       TEXT NOT NULL,
  author       TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  mask_version INTEGER NOT NULL,
  model_id     INTEGER REFERENCES models(id) ON DELETE SET NULL,
  bbox         TEXT,
  patch        BLOB,
  undone       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX strokes_image ON strokes(image_id, id);

CREATE TABLE models (
  id             INTEGER PRIMARY KEY,
  name           TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  architecture   TEXT NOT NULL,
  backend        TEXT NOT NULL,
  weights        BLOB NOT NULL,
  label_snapshot TEXT NOT NULL,
  metrics        TEXT NOT NULL DEFAULT '{}',
  parent_id      INTEGER REFERENCES models(id) ON DELETE SET NULL
) STRICT;

CREATE TABLE training_runs (
  id          INTEGER PRIMARY KEY,
  model_id    INTEGER REFERENCES models(id) ON DELETE SET NULL,
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'cancelled', 'failed')),
  config      TEXT NOT NULL,
  log         TEXT NOT NULL DEFAULT '[]',
  checkpoint  BLOB
) STRICT;

CREATE TABLE predictions (
  image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  model_id   INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  class_rle  BLOB NOT NULL,
  confidence BLOB NOT NULL,
  entropy    BLOB NOT NULL,
  score      REAL NOT NULL,
  PRIMARY KEY (image_id, model_id)
) STRICT;
CREATE INDEX predictions_model_score ON predictions(model_id, score DESC);

CREATE TABLE suggestions (
  id         INTEGER PRIMARY KEY,
  model_id   INTEGER REFERENCES models(id) ON DELETE CASCADE,
  image_id   INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  rank       INTEGER NOT NULL,
  score      REAL NOT NULL,
  regions    TEXT NOT NULL,
  strategy   TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX suggestions_rank ON suggestions(model_id, rank);
`,
  },
  {
    version: 2,
    description: "active-learning rounds",
    sql: `
-- One row per round (train -> predict -> suggest -> correct), recorded when its model is made.
CREATE TABLE rounds (
  id               INTEGER PRIMARY KEY,
  model_id         INTEGER REFERENCES models(id) ON DELETE SET NULL,
  created_at       TEXT NOT NULL,
  labeled_pixels   INTEGER NOT NULL,
  human_pixels     INTEGER NOT NULL,
  accepted_pixels  INTEGER NOT NULL,
  labeled_images   INTEGER NOT NULL,
  labeling_seconds REAL NOT NULL,
  val_miou         REAL,
  fine_tuned       INTEGER NOT NULL DEFAULT 0
) STRICT;
`,
  },
  {
    version: 3,
    description: "label masks stored in bands of rows",
    sql: `
-- A mask is stored in bands of MASK_BAND_ROWS (64) rows, each layer run-length encoded, so a
-- stroke rewrites only the bands it touches. label_masks keeps the version and the counts; its
-- classes_rle / sources_rle are empty once the mask is banded (a mask written by format 2 keeps
-- its whole-image RLE there until its next change, which rewrites it as bands).
CREATE TABLE label_mask_bands (
  image_id    INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  band        INTEGER NOT NULL,
  classes_rle BLOB NOT NULL,
  sources_rle BLOB NOT NULL,
  PRIMARY KEY (image_id, band)
) STRICT, WITHOUT ROWID;
`,
  },
  {
    version: 4,
    description: "image embeddings with predictions",
    sql: `
-- The network's image embedding (mean pixel embedding, L2-normalized; float32 little-endian), for
-- diversity in suggestions. NULL for predictions made before format 4.
ALTER TABLE predictions ADD COLUMN embedding BLOB;
`,
  },
  {
    version: 5,
    description: "embedding grids with predictions",
    sql: `
-- The network's pixel embeddings averaged over square cells of the image (each L2-normalized), for
-- suggestions that ask about parts of images unlike anything labeled. Little-endian: uint16 cols,
-- rows, dim, cell side (px), then cols x rows x dim int8 values (x / 127). NULL before format 5.
ALTER TABLE predictions ADD COLUMN embedding_grid BLOB;
`,
  },
  {
    version: 6,
    description: "thumbnails of images over 8 bits redrawn contrast-stretched",
    sql: `
-- Before format 6 an image of more than 8 bits per sample got its thumbnail divided down to 8
-- bits (a 12-bit scan came out near black); now it is contrast-stretched as the image is shown.
-- Dropping those thumbnails makes the next request for one draw it again from the image file
-- (images/thumbnails.ts); one whose file is gone stays missing, as before.
DELETE FROM thumbnails WHERE image_id IN (SELECT id FROM images WHERE bit_depth > 8);
`,
  },
  {
    version: 7,
    description: "rounds count the labels of train images",
    sql: `
-- Which images a round's label counts cover: 'train' (from format 7: the images the model learns
-- from; val labels are the held-out check) or 'all' (rounds recorded before, every split).
ALTER TABLE rounds ADD COLUMN labels_scope TEXT NOT NULL DEFAULT 'all' CHECK (labels_scope IN ('all', 'train'));
`,
  },
  {
    version: 8,
    description: "predictions store the margin (top-1 minus top-2 probability)",
    sql: `
-- An 8-bit gray PNG like confidence and entropy; NULL for predictions made before format 8.
ALTER TABLE predictions ADD COLUMN margin BLOB;
`,
  },
  // --- live preview (issue 33): one self-contained block ---
  {
    version: 9,
    description: "the live preview classifier and its predictions",
    sql: `
-- The preview classifier (a random forest on filter features, app/ml/method/pixel-classifier): one row,
-- replaced at every retrain. model = its JSON exchange form (model.ts), deflated.
CREATE TABLE IF NOT EXISTS preview_classifier (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  created_at     TEXT NOT NULL,
  model          BLOB NOT NULL,
  label_snapshot TEXT NOT NULL,
  metrics        TEXT NOT NULL DEFAULT '{}'
) STRICT;
-- Its predictions, one per image, apart from the networks' (never replacing one of theirs):
-- layers as in predictions; trained_at = the created_at of the classifier that made it.
CREATE TABLE IF NOT EXISTS preview_predictions (
  image_id   INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  trained_at TEXT NOT NULL,
  class_rle  BLOB NOT NULL,
  confidence BLOB NOT NULL,
  margin     BLOB NOT NULL,
  entropy    BLOB NOT NULL,
  score      REAL NOT NULL
) STRICT;
`,
  },
  // ---- people (#34): who made each change, and labels by person per round ----
  {
    version: 10,
    description: "changes record the person who made them; rounds their labels by person",
    sql: `
-- The person (a validated name, app/api/people.ts) who made the change: undo and redo are per
-- person and image. NULL for changes made before format 10 (shown as "unknown", in no one's undo).
ALTER TABLE strokes ADD COLUMN person TEXT;
CREATE INDEX strokes_person ON strokes(image_id, person, id);
-- JSON {"name": {"human": n, "accepted": n}} of the round's train labels by person; NULL before format 10.
ALTER TABLE rounds ADD COLUMN labels_by_person TEXT;
`,
  },
  // ---- #34 class deletion (files helper): one self-contained block ----
  {
    version: 11,
    description: "deleted classes keep their index (a tombstone)",
    sql: `
-- When set, the class was deleted (ProjectStore.deleteClass): its labels were cleared, in the
-- masks and in every undo patch, and its index stays reserved so that the classes after it, the
-- models and their predictions keep their meaning. NULL: a class in use.
ALTER TABLE classes ADD COLUMN deleted_at TEXT;
`,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;
