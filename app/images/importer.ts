import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import type { Split } from "../common/project-types.ts";
import { IMAGE_EXTENSIONS, makeThumbnail, probe, readImageFile, shortReason } from "./decode.ts";
import { FileCheckError, errnoReason } from "../store/safe-read.ts";
import { hasMaskSuffix } from "../labels/mask-names.ts";

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface ImportSummary {
  imported: { id: number; file: string }[];
  /**
   * Project images whose file had gone (moved, renamed) and that were found again by content at
   * `file`: the project now reads them there, with their labels.
   */
  relinked: { id: number; file: string; from: string }[];
  /**
   * existingId: the project image with the same content, when it was imported before; sameFile:
   * that image was imported from this very file (the folder imported again, e.g. for its masks)
   */
  duplicates: (SkippedFile & { existingId?: number; sameFile?: boolean })[];
  skipped: SkippedFile[];
  /** files in scanned folders that are not images by extension */
  ignored: number;
  /** files left out because they lie in an excluded folder (the import's own --labels folder) */
  excluded: number;
}

export interface ImportProgress {
  done: number;
  total: number;
  file: string;
}

/**
 * Expands files and folders (recursively) into a sorted list of candidate image files. Folders in
 * `exclude` are not entered (a dataset's masks/ folder beside its images/, given as --labels):
 * their image files are counted in `excluded`. An excluded folder that is itself one of the
 * inputs (images and masks side by side: a.jpg, a_mask.png) is read, leaving out the files named
 * like masks (a mask suffix: _mask, _gt, ...).
 */
export function collectImageFiles(
  inputs: string[],
  exclude: readonly string[] = [],
): {
  files: string[];
  ignored: number;
  excluded: number;
  missing: SkippedFile[];
} {
  const files: string[] = [];
  const missing: SkippedFile[] = [];
  const skipDirs = new Set(exclude.map((d) => path.resolve(d)));
  let ignored = 0;
  let excluded = 0;
  const walk = (dir: string, counting: boolean, masksHere = false) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch (e) {
      missing.push({ file: dir, reason: `cannot read the folder (${errnoReason(e)})` });
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, counting && !skipDirs.has(p));
      else if (!(e.isFile() && hasImageExtension(p))) ignored++;
      else if (counting && !(masksHere && hasMaskSuffix(path.parse(e.name).name))) files.push(p);
      else excluded++;
    }
  };
  for (const input of inputs) {
    const abs = path.resolve(input);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      missing.push({ file: input, reason: code === "ENOENT" ? "no such file or folder" : errnoReason(e) });
      continue;
    }
    if (st.isDirectory()) {
      const [found, left, other, failed] = [files.length, excluded, ignored, missing.length];
      walk(abs, true, skipDirs.has(abs));
      // A folder given that holds no image at all (a folder named like an image, the wrong
      // folder): said, not an import of nothing without a word.
      if (files.length === found && excluded === left && missing.length === failed)
        missing.push({
          file: input,
          reason: `a folder with no images in it (PNG, JPEG, TIFF or WebP${ignored > other ? `; ${ignored - other} other files` : ""})`,
        });
    } else files.push(abs); // explicit files are always tried, so a wrong type gets a reason
  }
  return { files, ignored, excluded, missing };
}

function hasImageExtension(p: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(p).toLowerCase());
}

/**
 * Imports images into the project. Each bad file is skipped with its reason; every good
 * file is committed as soon as it is read, so an interrupted import keeps what it did.
 */
export async function importImages(
  store: ProjectStore,
  inputs: string[],
  opts: {
    split?: Split;
    /** folders not to import from (the masks that come with the import) */
    exclude?: readonly string[];
    onProgress?: (p: ImportProgress) => void;
    signal?: AbortSignal;
  } = {},
): Promise<ImportSummary> {
  const { files, ignored, excluded, missing } = collectImageFiles(inputs, opts.exclude);
  const summary: ImportSummary = {
    imported: [],
    relinked: [],
    duplicates: [],
    skipped: [...missing],
    ignored,
    excluded,
  };
  const seen = new Map<string, string>();
  let done = 0;
  // Decode a few files at once (sharp works on libuv threads); insert in input order.
  const concurrency = 4;
  const pending: Promise<Prepared>[] = [];
  let next = 0;
  const launch = () => {
    if (next < files.length) pending.push(prepare(files[next++]));
  };
  for (let i = 0; i < concurrency; i++) launch();
  while (pending.length > 0) {
    if (opts.signal?.aborted) break;
    const r = await (pending.shift() as Promise<Prepared>);
    launch();
    done++;
    opts.onProgress?.({ done, total: files.length, file: r.file });
    if ("reason" in r) {
      summary.skipped.push({ file: r.file, reason: r.reason });
      continue;
    }
    const existing = store.findImageBySha(r.sha256);
    if (existing && (await fileGone(store.absolutePath(existing.path), r.sha256))) {
      // The image was moved or renamed: read it from here on, labels and all.
      try {
        store.relinkImage(existing.id, r.file);
        summary.relinked.push({ id: existing.id, file: r.file, from: store.absolutePath(existing.path) });
        seen.set(r.sha256, r.file);
      } catch (e) {
        summary.skipped.push({ file: r.file, reason: shortReason(e) });
      }
      continue;
    }
    const dupOf = existing ? store.absolutePath(existing.path) : seen.get(r.sha256);
    if (dupOf) {
      summary.duplicates.push({
        file: r.file,
        reason: `same content as ${dupOf}`,
        ...(existing ? { existingId: existing.id, sameFile: dupOf === r.file } : {}),
      });
      continue;
    }
    const samePath = store.imageByPath(r.file);
    if (samePath) {
      // The file changed since it was imported; its labels belong to the old content.
      summary.skipped.push({
        file: r.file,
        reason:
          `already in the project as image ${samePath.id} with other content (${samePath.width}x${samePath.height} ` +
          `when imported, ${r.info.width}x${r.info.height} now): put the original file back, or remove image ` +
          `${samePath.id} from the project (its labels go with it) and import the file again`,
      });
      continue;
    }
    try {
      const id = store.insertImage({
        absPath: r.file,
        sha256: r.sha256,
        width: r.info.width,
        height: r.info.height,
        channels: r.info.channels,
        bitDepth: r.info.bitDepth,
        split: opts.split ?? "train",
        thumbnail: r.thumbnail,
      });
      seen.set(r.sha256, r.file);
      summary.imported.push({ id, file: r.file });
    } catch (e) {
      summary.skipped.push({ file: r.file, reason: shortReason(e) });
    }
  }
  await Promise.allSettled(pending);
  return summary;
}

/** The content hash a project keeps of each image file (how duplicates and changes are told). */
function sha256Of(bytes: Buffer): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

/** The hash of a file's content now, or null when it cannot be read (missing, moved, no access). */
async function fileSha256(file: string): Promise<string | null> {
  try {
    return sha256Of(await readImageFile(file));
  } catch {
    return null;
  }
}

/** Whether a project image's file is gone: missing, or no longer holding the content imported. */
async function fileGone(file: string, sha256: string): Promise<boolean> {
  return (await fileSha256(file)) !== sha256;
}

type Prepared =
  | { file: string; reason: string }
  | {
      file: string;
      sha256: string;
      info: Awaited<ReturnType<typeof probe>>;
      thumbnail: Awaited<ReturnType<typeof makeThumbnail>>;
    };

async function prepare(file: string): Promise<Prepared> {
  let bytes: Buffer;
  try {
    // Regular files within the size limit only: a FIFO, /dev/zero or a folder fails here at once.
    bytes = await readImageFile(file);
  } catch (e) {
    return { file, reason: e instanceof FileCheckError ? e.reason : `cannot read file (${shortReason(e)})` };
  }
  try {
    const info = await probe(bytes);
    const thumbnail = await makeThumbnail(bytes, info.bitDepth);
    const sha256 = sha256Of(bytes);
    return { file, sha256, info, thumbnail };
  } catch (e) {
    return { file, reason: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The project images an import names: the ones it added and the ones already in the project with
 * the same content as one of its files (labels given with an import apply to both, so importing
 * a folder again with its masks labels the images imported before).
 */
export function importedImageIds(summary: ImportSummary): number[] {
  const ids = new Set([...summary.imported, ...summary.relinked].map((i) => i.id));
  for (const d of summary.duplicates) if (d.existingId !== undefined) ids.add(d.existingId);
  return [...ids];
}

/**
 * The other file names of the images an import names: a file skipped as a duplicate of a project
 * image (its mask, named after that file, labels the image it duplicates).
 */
export function importedImageNames(summary: ImportSummary): Map<number, string[]> {
  const names = new Map<number, string[]>();
  for (const d of summary.duplicates)
    if (d.existingId !== undefined)
      names.set(d.existingId, [...(names.get(d.existingId) ?? []), path.basename(d.file)]);
  return names;
}

/**
 * Why a project image's file no longer holds the content imported (same name, other pixels: its
 * labels may not fit), or null when it does. A missing or unreadable file is left to whoever
 * reads it (it says so on its own).
 */
export async function changedSinceImport(file: string, sha256: string): Promise<string | null> {
  const now = await fileSha256(file);
  if (now === null || now === sha256) return null;
  return `${file} has changed since it was imported: its labels were drawn on the picture it held then and may not fit this one. Put the original file back, or remove the image from the project and import the file again.`;
}
