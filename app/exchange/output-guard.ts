/**
 * Outputs (exported masks, datasets, models, predicted masks) never replace the user's images
 * and never land in a folder of them: a writer plans every file it will write, checks them all
 * against the images to keep, and only then writes. Re-exporting into a folder of earlier outputs
 * still overwrites those. Paths received over the API (output folders, project files) are checked
 * here too (checkApiPath): absolute, outside the app's own folders, not a FIFO or a device.
 */
import fs from "node:fs";
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { fileKind } from "../store/safe-read.ts";

/** Files an output must not replace, and folders it must not write into, each with what it is. */
export class ProtectedFiles {
  private readonly byPath = new Map<string, string>();
  /** device:inode of the files that exist: the same file by another spelling (symlink, letter case) */
  private readonly byInode = new Map<string, string>();
  private readonly folders = new Map<string, string>();
  private readonly folderInodes = new Map<string, string>();

  /** The image files of a project (as stored, resolved against the project's folder), and their folders. */
  static ofProject(store: ProjectStore): ProtectedFiles {
    const files = new ProtectedFiles();
    const rows = store.images.namesAndPaths();
    const folders = new Set<string>();
    for (const r of rows) {
      const abs = store.absolutePath(r.path);
      files.add(abs, `an image of the project ${store.file}`);
      folders.add(path.dirname(path.resolve(abs)));
    }
    for (const d of folders) files.addFolder(d, `a folder of the images of the project ${store.file}`);
    return files;
  }

  add(file: string, what: string): this {
    const abs = path.resolve(file);
    this.byPath.set(abs, what);
    const id = inode(abs);
    if (id) this.byInode.set(id, what);
    return this;
  }

  /** A folder no output is written into (directly: its subfolders are not its images). */
  addFolder(dir: string, what: string): this {
    const abs = path.resolve(dir);
    this.folders.set(abs, what);
    const id = inode(abs);
    if (id) this.folderInodes.set(id, what);
    return this;
  }

  /**
   * Throws a UserError naming the first planned output that is one of these files, that lies
   * directly in one of these folders, or that exists as anything but a regular file (a FIFO would
   * block the write, a symbolic link would write through to its target, a device would take the
   * bytes); `outDir`, the folder the export was asked to write, must not be one of these folders
   * either. Call it with every file a writer will write, before it writes any.
   */
  check(planned: Iterable<string>, outDir?: string): void {
    const files = [...planned].map((f) => path.resolve(f));
    for (const abs of files) {
      const id = inode(abs);
      const what = this.byPath.get(abs) ?? (id ? this.byInode.get(id) : undefined);
      if (what)
        throw new UserError(
          `${abs}: is ${what}; writing there would overwrite it: choose another output folder`,
        );
    }
    const dirs = new Set(files.map((f) => path.dirname(f)));
    if (outDir !== undefined) dirs.add(path.resolve(outDir));
    for (const dir of dirs) {
      const id = inode(dir);
      const what = this.folders.get(dir) ?? (id ? this.folderInodes.get(id) : undefined);
      if (what)
        throw new UserError(
          `${dir}: is ${what}; exports never write into it: choose another output folder (the default is exports/ beside the project)`,
        );
    }
    for (const abs of files) {
      let st: fs.Stats;
      try {
        st = fs.lstatSync(abs);
      } catch {
        continue; // not there yet: the usual case
      }
      if (st.isSymbolicLink())
        throw new UserError(
          `${abs}: is a symbolic link; an export replaces only regular files (remove it or choose another folder)`,
        );
      if (!st.isFile())
        throw new UserError(`${abs}: is ${fileKind(st)}, not a regular file: choose another output folder`);
    }
  }
}

/** The folder Pixelloop runs from: its code, the UI it serves, its bundled resources. */
export const APP_DIR = path.resolve(import.meta.dirname, "../..");

/** A folder of the app's own that paths from the API must stay out of, but for its exceptions. */
export interface AppFolder {
  dir: string;
  /** what it is, for the message */
  what: string;
  /** folders inside it that are the user's (the projects folder, the demo project's folder) */
  except?: string[];
}

/**
 * Checks a path received over the API before anything is made, opened or written there: an
 * export's output folder (`folder`), the folder of a new project (`folder`), a project file to
 * open (`file`). It must be absolute (a relative path would resolve against the server's working
 * folder; callers resolve the paths they document as relative first) and must not lie inside the
 * app's own folders (symbolic links resolved); a folder that exists must be a folder (not a file,
 * FIFO, socket or device). Returns the path, resolved. Throws a UserError naming the field, the
 * path and the reason.
 */
export function checkApiPath(p: string, as: "folder" | "file", field: string, app: AppFolder[]): string {
  if (p.includes("\0")) throw new UserError(`${field}: the path contains a NUL character`);
  if (!path.isAbsolute(p))
    throw new UserError(
      `${field}: ${p}: give an absolute path (a relative one would depend on where the server runs)`,
    );
  const abs = path.resolve(p);
  const real = realPlace(abs);
  for (const f of app) {
    const dir = path.resolve(f.dir);
    const dirReal = realPlace(dir);
    const hit = [abs, real].some(
      (x) =>
        (inside(x, dir) || inside(x, dirReal)) &&
        !(f.except ?? []).some((e) => inside(x, path.resolve(e)) || inside(x, realPlace(path.resolve(e)))),
    );
    if (hit)
      throw new UserError(`${field}: ${abs}: is inside ${f.what} (${dir}); choose a folder of your own`);
  }
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(abs);
  } catch {
    // missing: a folder is made (ensureFolder names what is in the way), a file is "no such file"
  }
  if (st && as === "folder" && !st.isDirectory())
    throw new UserError(
      `${field}: ${abs}: is ${st.isFile() ? "a file" : fileKind(st)}, not a folder: choose another folder`,
    );
  // A file to open: what it is (a folder, a FIFO, a device) is said by the opener, which reads
  // nothing but a regular file (app/store/safe-read.ts).
  return abs;
}

/** A folder paths from the API may lie in (the projects folder, a folder the person chose), with what it is. */
export interface AllowedFolder {
  dir: string;
  what: string;
}

/**
 * The allowed folder a path lies in, judged where it really is (`..` resolved, symbolic links
 * resolved as far as the path exists, on both sides), or null when it lies in none: a link inside
 * an allowed folder that points out of it is out.
 */
export function allowedFolderOf(p: string, allowed: AllowedFolder[]): AllowedFolder | null {
  const real = realPlace(path.resolve(p));
  return allowed.find((f) => inside(real, realPlace(path.resolve(f.dir)))) ?? null;
}

/** Whether `p` is `dir` or lies inside it. */
function inside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** Where a path really is: the deepest part of it that exists with symlinks resolved, then the rest. */
function realPlace(abs: string): string {
  const rest: string[] = [];
  let at = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(at), ...rest);
    } catch {
      const up = path.dirname(at);
      if (up === at) return abs;
      rest.unshift(path.basename(at));
      at = up;
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
