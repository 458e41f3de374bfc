/**
 * Outputs (exported masks, datasets, models, predicted masks) never replace the user's images: a
 * writer plans every file it will write, checks them all against the images to keep, and only
 * then writes. Re-exporting into a folder of earlier outputs still overwrites those.
 */
import fs from "node:fs";
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";

/** Files an output must not replace, each with what it is (for the message). */
export class ProtectedFiles {
  private readonly byPath = new Map<string, string>();
  /** device:inode of the files that exist: the same file by another spelling (symlink, letter case) */
  private readonly byInode = new Map<string, string>();

  /** The image files of a project (as stored, resolved against the project's folder). */
  static ofProject(store: ProjectStore): ProtectedFiles {
    const files = new ProtectedFiles();
    const rows = store.db.prepare("SELECT path FROM images").all() as { path: string }[];
    for (const r of rows) files.add(store.absolutePath(r.path), `an image of the project ${store.file}`);
    return files;
  }

  add(file: string, what: string): this {
    const abs = path.resolve(file);
    this.byPath.set(abs, what);
    const id = inode(abs);
    if (id) this.byInode.set(id, what);
    return this;
  }

  /**
   * Throws a UserError naming the first planned output that is one of these files; call it with
   * every file a writer will write, before it writes any.
   */
  check(planned: Iterable<string>): void {
    for (const file of planned) {
      const abs = path.resolve(file);
      const id = inode(abs);
      const what = this.byPath.get(abs) ?? (id ? this.byInode.get(id) : undefined);
      if (what)
        throw new UserError(
          `${abs}: is ${what}; writing there would overwrite it: choose another output folder`,
        );
    }
  }
}

/** The file's identity when it exists (and can be reached), else null. */
function inode(file: string): string | null {
  let st;
  try {
    st = fs.statSync(file, { bigint: true });
  } catch {
    return null; // missing, or a part of the path is not a folder: the writer says so
  }
  return st.ino !== 0n ? `${st.dev}:${st.ino}` : null;
}
