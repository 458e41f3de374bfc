/** Rounds of the loop (table rounds): one per model made, with the labels it learned from. */
import { nowIso, type Db } from "./db.ts";
import type { PersonLabels } from "./labels-by-person.ts";

/** A rounds row as stored (labels_scope is missing in a format 6 or older file opened read-only). */
export interface RoundDbRow {
  model_id: number | null;
  created_at: string;
  labeled_pixels: number;
  human_pixels: number;
  accepted_pixels: number;
  labeled_images: number;
  labeling_seconds: number;
  val_miou: number | null;
  fine_tuned: number;
  labels_scope?: "train" | "all";
  /** JSON of PersonLabels[] (format 10; missing or null before) */
  labels_by_person?: string | null;
}

export interface NewRound {
  modelId: number | null;
  labeledPixels: number;
  humanPixels: number;
  acceptedPixels: number;
  labeledImages: number;
  labelingSeconds: number;
  valMiou: number | null;
  fineTuned: boolean;
  /** the train labels by person (#34) */
  labelsByPerson: PersonLabels[];
}

export class RoundTable {
  constructor(private readonly db: Db) {}

  /** When the newest round was recorded, or null before the first. */
  lastCreatedAt(): string | null {
    const row = this.db.prepare("SELECT created_at FROM rounds ORDER BY id DESC LIMIT 1").get() as
      { created_at: string } | undefined;
    return row?.created_at ?? null;
  }

  /** Records a round of the train labels, made now. */
  insert(r: NewRound): void {
    this.db
      .prepare(
        `INSERT INTO rounds (model_id, created_at, labeled_pixels, human_pixels, accepted_pixels, labeled_images, labeling_seconds, val_miou, fine_tuned, labels_scope, labels_by_person)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'train', ?)`,
      )
      .run(
        r.modelId,
        nowIso(),
        r.labeledPixels,
        r.humanPixels,
        r.acceptedPixels,
        r.labeledImages,
        r.labelingSeconds,
        r.valMiou,
        r.fineTuned ? 1 : 0,
        JSON.stringify(r.labelsByPerson),
      );
  }

  all(): RoundDbRow[] {
    return this.db.prepare("SELECT * FROM rounds ORDER BY id").all() as RoundDbRow[];
  }
}
