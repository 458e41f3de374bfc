/**
 * The browser UI's folder picker (folders.list, folders.create): the folders of one folder on
 * the server, by name only, with how many images each holds, and the project files beside them.
 * Bounded: one request reads at most MAX_FOLDER_ENTRIES entries of the folder it lists and
 * MAX_COUNT_ENTRIES more to count images in its subfolders; it never opens a file, follows a
 * symbolic link only to see whether it leads to a folder (resolved before it is listed or used),
 * and leaves out names that are not valid UTF-8 (they could not be sent back as paths).
 * docs/security.md, "The folder picker".
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { UserError } from "../store/errors.ts";
import { errnoReason, fileKind } from "../store/safe-read.ts";
import { IMAGE_EXTENSIONS } from "../images/decode.ts";
import type { FolderEntry, FolderListing } from "../common/api-types.ts";

/** Entries of the listed folder read at most (a folder of a million files answers in milliseconds). */
export const MAX_FOLDER_ENTRIES = 10_000;
/** Subfolders answered at most (sorted by name; the rest counted in `truncated`). */
export const MAX_FOLDERS_LISTED = 2_000;
/** Project files answered at most. */
export const MAX_PROJECTS_LISTED = 200;
/** Entries read in all to count the images of the subfolders (then their counts are null). */
export const MAX_COUNT_ENTRIES = 20_000;
/** Entries read in one subfolder to count its images (past it: "at least"). */
export const MAX_COUNT_PER_FOLDER = 2_000;

const IMAGE_EXT = new Set<string>(IMAGE_EXTENSIONS);

function isImageName(name: string): boolean {
  return IMAGE_EXT.has(path.extname(name).toLowerCase());
}

/** A name read from the disk as bytes: its text, or null when it is not valid UTF-8. */
function utf8Name(raw: Buffer): string | null {
  const text = raw.toString("utf8");
  return Buffer.from(text, "utf8").equals(raw) ? text : null;
}

/**
 * Where a path given to the picker really is: absolute, `..` and symbolic links resolved, and a
 * folder. Throws a UserError naming the field, the path and the reason.
 */
export function realFolder(p: string, field: string): string {
  if (p.includes("\0")) throw new UserError(`${field}: the path contains a NUL character`);
  if (!path.isAbsolute(p))
    throw new UserError(
      `${field}: ${p}: give an absolute path (the picker lists folders by their full path)`,
    );
  const abs = path.resolve(p);
  let real: string;
  let st: fs.Stats;
  try {
    real = fs.realpathSync(abs);
    st = fs.statSync(real);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${field}: ${abs}: ${code === "ENOENT" ? "no such folder" : errnoReason(e)}`);
  }
  if (!st.isDirectory())
    throw new UserError(`${field}: ${abs}: is ${st.isFile() ? "a file" : fileKind(st)}, not a folder`);
  return real;
}

/**
 * Reads a folder's entries one by one (opendir: a huge folder is never read whole), calling
 * `each` until it answers false. Synchronous on purpose: bounded by the callers' caps (a few ms
 * for 20,000 entries), and closed on every path. Throws the file system's error.
 */
function eachEntry(dir: string | Buffer, each: (e: fs.Dirent<Buffer>) => boolean, asBuffer = false): void {
  const d = fs.opendirSync(dir as string, {
    bufferSize: 256,
    encoding: (asBuffer ? "buffer" : "utf8") as "utf8",
  });
  try {
    for (;;) {
      const e = d.readSync();
      if (e === null || !each(e as unknown as fs.Dirent<Buffer>)) return;
    }
  } finally {
    d.closeSync();
  }
}

/** Counts image files directly in a folder, reading at most `budget.left` entries (shared). */
function countImages(dir: string, budget: { left: number }): { images: number | null; more: boolean } {
  if (budget.left <= 0) return { images: null, more: false };
  let n = 0;
  let read = 0;
  let more = false;
  try {
    eachEntry(dir, (e) => {
      if (read >= MAX_COUNT_PER_FOLDER || budget.left <= 0) {
        more = true;
        return false;
      }
      read++;
      budget.left--;
      if (e.isFile() && isImageName(String(e.name))) n++;
      return true;
    });
  } catch {
    return { images: null, more: false }; // unreadable (permission denied): shown as not counted
  }
  return { images: n, more };
}

export interface ListOptions {
  /** list names starting with a dot too */
  hidden?: boolean;
}

/**
 * The subfolders (and symbolic links to folders) of `dir`, sorted by name, with the images each
 * holds; the images and project files in `dir` itself. `dir` is resolved (realFolder) first.
 */
export function listFolder(given: string, opts: ListOptions = {}): Omit<FolderListing, "allowed" | "places"> {
  const dir = realFolder(given, "dir");
  const folders: FolderEntry[] = [];
  const links: { name: string; full: string }[] = [];
  const projects: string[] = [];
  let images = 0;
  let read = 0;
  let truncated = false;
  let skipped = 0;
  try {
    eachEntry(
      dir,
      (e) => {
        if (read >= MAX_FOLDER_ENTRIES) {
          truncated = true;
          return false;
        }
        read++;
        const name = utf8Name(e.name);
        if (name === null) {
          skipped++;
          return true;
        }
        if (name.startsWith(".") && !opts.hidden) return true;
        const full = path.join(dir, name);
        if (e.isDirectory()) folders.push({ name, path: full, images: null });
        else if (e.isSymbolicLink()) links.push({ name, full });
        else if (e.isFile()) {
          if (isImageName(name)) images++;
          else if (name.toLowerCase().endsWith(".pxl")) projects.push(name);
        }
        // FIFOs, sockets and devices are not folders: neither listed nor opened.
        return true;
      },
      true,
    );
  } catch (e) {
    throw new UserError(`dir: ${dir}: cannot read the folder (${errnoReason(e)})`);
  }
  // A link is shown where it is, with where it leads (resolved: a loop or a dead link says so);
  // choosing or opening it uses the resolved folder.
  for (const l of links) {
    try {
      const target = fs.realpathSync(l.full);
      if (fs.statSync(target).isDirectory())
        folders.push({ name: l.name, path: l.full, images: null, link: { target } });
    } catch (e) {
      folders.push({
        name: l.name,
        path: l.full,
        images: null,
        link: { target: null, reason: errnoReason(e) },
      });
    }
  }
  folders.sort((a, b) => a.name.localeCompare(b.name));
  if (folders.length > MAX_FOLDERS_LISTED) {
    truncated = true;
    folders.length = MAX_FOLDERS_LISTED;
  }
  const budget = { left: MAX_COUNT_ENTRIES };
  for (const f of folders) {
    if (f.link && f.link.target === null) continue;
    const c = countImages(f.link?.target ?? f.path, budget);
    f.images = c.images;
    if (c.more) f.moreImages = true;
  }
  projects.sort((a, b) => a.localeCompare(b));
  const parent = path.dirname(dir) === dir ? null : path.dirname(dir);
  return {
    dir,
    parent,
    crumbs: crumbs(dir),
    folders,
    projects: projects.slice(0, MAX_PROJECTS_LISTED),
    images,
    truncated: truncated || projects.length > MAX_PROJECTS_LISTED,
    skipped,
  };
}

/** The folders from the root down to `dir`, each with its path: the picker's breadcrumbs. */
function crumbs(dir: string): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  let at = dir;
  for (;;) {
    const up = path.dirname(at);
    out.unshift({ name: up === at ? at : path.basename(at), path: at });
    if (up === at) return out;
    at = up;
  }
}

/** A name for a new folder: one plain name (no separators, not `.` or `..`), at most 255 bytes. */
export function checkFolderName(raw: string): string {
  const name = raw.trim();
  if (name === "") throw new UserError("name: give the new folder a name");
  if (name.includes("\0")) throw new UserError("name: the name contains a NUL character");
  if (/[/\\]/.test(name)) throw new UserError(`name: ${name}: a folder name cannot contain / or \\`);
  if (name === "." || name === "..") throw new UserError(`name: ${name}: is not a folder name`);
  if (Buffer.byteLength(name) > 255) throw new UserError("name: the name is longer than 255 bytes");
  return name;
}

/** Makes one new folder in `parent` (an existing folder, resolved); refuses a name in use. */
export function makeFolder(parent: string, rawName: string): string {
  const name = checkFolderName(rawName);
  const dir = path.join(parent, name);
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new UserError(`name: ${dir}: already exists; choose another name`);
    throw new UserError(`name: ${dir}: cannot make the folder (${errnoReason(e)})`);
  }
  return dir;
}

/** Where the picker opens when no folder is given: the first of these that exists. */
export function startFolder(candidates: (string | undefined)[]): string {
  for (const c of [...candidates, os.homedir()]) {
    if (!c) continue;
    try {
      if (fs.statSync(c).isDirectory()) return fs.realpathSync(c);
    } catch {
      // not there (yet): the next one
    }
  }
  return path.parse(process.cwd()).root;
}
