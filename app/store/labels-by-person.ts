/**
 * Labeled pixels by person (#34): a pixel belongs to the person of the latest live change that
 * changed it (its stroke row's person; "unknown" before project format 10, "(imported)" for an
 * import by no one). An image only one person changed is counted from its stored counts; one
 * several people changed is replayed (its live patches over the image: about 13 ms for a
 * 640x480 image of 20 strokes), kept per image by mask version. Asked for by the status and when
 * a round is recorded, never per stroke.
 */
import type { Db } from "./db.ts";
import { StrokeState, UNKNOWN_PERSON, type MaskTable } from "./masks.ts";
import type { Split } from "../common/project-types.ts";
import { decodePatch } from "../labels/patch.ts";
import { Source, UNLABELED } from "../common/mask.ts";
import type { Rect } from "../common/raster.ts";
import type { PersonLabels } from "../common/person-name.ts";

/** Who labels imported from mask files belong to when no person imported them. */
export const IMPORTED = "(imported)";

export type { PersonLabels };

type Counts = Map<string, { human: number; accepted: number }>;

export class PersonLabelTable {
  private readonly cache = new Map<number, { version: number; counts: Counts }>();
  private personColumn: boolean | undefined;

  constructor(
    private readonly db: Db,
    private readonly masks: MaskTable,
  ) {}

  /**
   * Labeled pixels by person over the images of `split` (all images without), most first. An
   * image whose live changes are all one person's (the common case: one labeler, or an import)
   * is counted from its stored counts; only images several people changed are replayed.
   */
  bySplit(split?: Split): PersonLabels[] {
    const who = `COALESCE(${this.hasPerson() ? "s.person" : "NULL"}, CASE WHEN s.tool = 'import' THEN '${IMPORTED}' ELSE '${UNKNOWN_PERSON}' END)`;
    const rows = this.db
      .prepare(
        `SELECT m.image_id AS id, m.version, m.human_pixels AS human, m.accepted_pixels AS accepted,
                COUNT(DISTINCT ${who}) AS groups, MIN(${who}) AS only
         FROM label_masks m JOIN images i ON i.id = m.image_id
         LEFT JOIN strokes s ON s.image_id = m.image_id AND s.undone = ? AND s.patch IS NOT NULL
         WHERE m.labeled_pixels > 0 AND (? IS NULL OR i.split = ?)
         GROUP BY m.image_id ORDER BY m.image_id`,
      )
      .all(StrokeState.live, split ?? null, split ?? null) as {
      id: number;
      version: number;
      human: number;
      accepted: number;
      groups: number;
      only: string | null;
    }[];
    const total: Counts = new Map();
    const add = (person: string, human: number, accepted: number) => {
      const t = total.get(person) ?? { human: 0, accepted: 0 };
      t.human += human;
      t.accepted += accepted;
      total.set(person, t);
    };
    for (const r of rows) {
      if (r.groups <= 1) add(r.only ?? UNKNOWN_PERSON, r.human, r.accepted);
      else for (const [person, c] of this.ofImage(r.id, r.version)) add(person, c.human, c.accepted);
    }
    return [...total]
      .map(([person, c]) => ({ person, humanPixels: c.human, acceptedPixels: c.accepted }))
      .sort(
        (a, b) =>
          b.humanPixels + b.acceptedPixels - (a.humanPixels + a.acceptedPixels) ||
          (a.person < b.person ? -1 : 1),
      );
  }

  /** Whether strokes has its person column (not in a file before format 10 opened read-only). */
  private hasPerson(): boolean {
    this.personColumn ??= (this.db.prepare("PRAGMA table_info(strokes)").all() as { name: string }[]).some(
      (c) => c.name === "person",
    );
    return this.personColumn;
  }

  /**
   * Who owns each pixel of an image: `owner[i]` indexes `names` (0: "unknown"); the person of
   * the latest live change that changed the pixel. For a labeled pixel only (others are 0 or stale).
   */
  owners(imageId: number): { names: string[]; owner: Uint16Array } {
    const img = this.db.prepare("SELECT width, height FROM images WHERE id = ?").get(imageId) as
      { width: number; height: number } | undefined;
    const width = img?.width ?? 0;
    const names: string[] = [UNKNOWN_PERSON];
    const index = new Map<string, number>([[UNKNOWN_PERSON, 0]]);
    const owner = new Uint16Array(width * (img?.height ?? 0));
    const changes = this.db
      .prepare(
        `SELECT ${this.hasPerson() ? "person" : "NULL AS person"}, tool, bbox, patch FROM strokes
         WHERE image_id = ? AND undone = ? AND patch IS NOT NULL ORDER BY id`,
      )
      .iterate(imageId, StrokeState.live) as Iterable<{
      person: string | null;
      tool: string;
      bbox: string;
      patch: Buffer;
    }>;
    for (const c of changes) {
      const name = c.person ?? (c.tool === "import" ? IMPORTED : UNKNOWN_PERSON);
      let k = index.get(name);
      if (k === undefined) {
        k = names.push(name) - 1;
        index.set(name, k);
      }
      const p = decodePatch(c.patch, JSON.parse(c.bbox) as Rect);
      const { x, y, width: w, height: h } = p.rect;
      for (let row = 0; row < h; row++) {
        for (let col = 0; col < w; col++) {
          const i = row * w + col;
          if (p.beforeClasses[i] !== p.afterClasses[i] || p.beforeSources[i] !== p.afterSources[i])
            owner[(y + row) * width + x + col] = k;
        }
      }
    }
    return { names, owner };
  }

  private ofImage(imageId: number, version: number): Counts {
    const hit = this.cache.get(imageId);
    if (hit && hit.version === version) return hit.counts;
    const mask = this.masks.mask(imageId);
    const { names, owner } = this.owners(imageId);
    const human = new Float64Array(names.length);
    const accepted = new Float64Array(names.length);
    for (let i = 0; i < owner.length; i++) {
      if (mask.classes[i] === UNLABELED) continue;
      if (mask.sources[i] === Source.accepted) accepted[owner[i]]++;
      else human[owner[i]]++;
    }
    const counts: Counts = new Map();
    names.forEach((n, k) => {
      if (human[k] + accepted[k] > 0) counts.set(n, { human: human[k], accepted: accepted[k] });
    });
    this.cache.set(imageId, { version, counts });
    return counts;
  }
}
