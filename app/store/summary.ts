/** Counts over the whole project or one split: images, pixels, labels by provenance, strokes, models. */
import type { Db } from "./db.ts";
import { StrokeState } from "./masks.ts";
import type { ProjectSummary, Split } from "../common/project-types.ts";

/** Labeled images and pixels (by provenance) of one split's images, and all of its pixels. */
export interface SplitLabelCounts {
  labeledImages: number;
  labeledPixels: number;
  humanPixels: number;
  acceptedPixels: number;
  totalPixels: number;
}

export function projectSummary(db: Db): ProjectSummary {
  const bySplit = { train: 0, val: 0, test: 0 } as Record<Split, number>;
  for (const r of db.prepare("SELECT split, COUNT(*) AS n FROM images GROUP BY split").all() as {
    split: Split;
    n: number;
  }[])
    bySplit[r.split] = r.n;
  const px = db
    .prepare("SELECT COUNT(*) AS n, COALESCE(SUM(width * height), 0) AS total FROM images")
    .get() as { n: number; total: number };
  const lab = db
    .prepare(
      `SELECT COUNT(*) FILTER (WHERE labeled_pixels > 0) AS imgs, COALESCE(SUM(labeled_pixels), 0) AS labeled,
              COALESCE(SUM(human_pixels), 0) AS human, COALESCE(SUM(accepted_pixels), 0) AS accepted FROM label_masks`,
    )
    .get() as { imgs: number; labeled: number; human: number; accepted: number };
  const strokes = (
    db
      .prepare("SELECT COUNT(*) AS n FROM strokes WHERE undone = ? AND tool != 'import'")
      .get(StrokeState.live) as { n: number }
  ).n;
  const models = (db.prepare("SELECT COUNT(*) AS n FROM models").get() as { n: number }).n;
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

export function splitLabelCounts(db: Db, split: Split): SplitLabelCounts {
  const total = db
    .prepare("SELECT COALESCE(SUM(width * height), 0) AS px FROM images WHERE split = ?")
    .get(split) as { px: number };
  const r = db
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
