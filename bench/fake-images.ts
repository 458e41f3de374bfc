/**
 * Image rows without image files, for benchmarks of large projects (10,000 images) where only
 * the database is measured: what import would write, minus decoding. Shared by bench:import,
 * bench:ui and bench:suggest.
 */
import crypto from "node:crypto";
import path from "node:path";
import type { ProjectStore } from "../app/store/project-store.ts";
import type { Split } from "../app/common/project-types.ts";

export interface FakeImages {
  count: number;
  width: number;
  height: number;
  /** where the (absent) files would be */
  dir: string;
  /** default: every image "train" */
  split?: (i: number) => Split;
  /** default: an empty thumbnail */
  thumbnail?: { width: number; height: number; webp: Buffer };
}

/** Inserts the rows in one transaction; `each` runs after each insert, inside it. Returns the ids. */
export function insertFakeImages(
  store: ProjectStore,
  o: FakeImages,
  each?: (id: number, i: number) => void,
): number[] {
  const ids: number[] = [];
  store.transaction(() => {
    for (let i = 0; i < o.count; i++) {
      const id = store.insertImage({
        absPath: path.join(o.dir, `img-${String(i).padStart(5, "0")}.png`),
        sha256: crypto.createHash("sha256").update(String(i)).digest("hex"),
        width: o.width,
        height: o.height,
        channels: 3,
        bitDepth: 8,
        split: o.split?.(i) ?? "train",
        thumbnail: o.thumbnail ?? { width: 4, height: 3, webp: Buffer.alloc(0) },
      });
      ids.push(id);
      each?.(id, i);
    }
  });
  return ids;
}
