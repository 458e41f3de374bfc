import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import type { Split } from "../store/types.ts";
import { IMAGE_EXTENSIONS, makeThumbnail, probe, shortReason } from "./decode.ts";

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface ImportSummary {
  imported: { id: number; file: string }[];
  /** existingId: the project image with the same content, when it was imported before */
  duplicates: (SkippedFile & { existingId?: number })[];
  skipped: SkippedFile[];
  /** files in scanned folders that are not images by extension */
  ignored: number;
}

export interface ImportProgress {
  done: number;
  total: number;
  file: string;
}

/** Expands files and folders (recursively) into a sorted list of candidate image files. */
export function collectImageFiles(inputs: string[]): {
  files: string[];
  ignored: number;
  missing: SkippedFile[];
} {
  const files: string[] = [];
  const missing: SkippedFile[] = [];
  let ignored = 0;
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && hasImageExtension(p)) files.push(p);
      else ignored++;
    }
  };
  for (const input of inputs) {
    const abs = path.resolve(input);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      missing.push({ file: input, reason: "no such file or folder" });
      continue;
    }
    if (st.isDirectory()) walk(abs);
    else files.push(abs); // explicit files are always tried, so a wrong type gets a reason
  }
  return { files, ignored, missing };
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
  opts: { split?: Split; onProgress?: (p: ImportProgress) => void; signal?: AbortSignal } = {},
): Promise<ImportSummary> {
  const { files, ignored, missing } = collectImageFiles(inputs);
  const summary: ImportSummary = { imported: [], duplicates: [], skipped: [...missing], ignored };
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
    const dupOf = existing ? existing.path : seen.get(r.sha256);
    if (dupOf) {
      summary.duplicates.push({
        file: r.file,
        reason: `same content as ${dupOf}`,
        ...(existing ? { existingId: existing.id } : {}),
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
    bytes = await fs.promises.readFile(file);
  } catch (e) {
    return { file, reason: `cannot read file (${shortReason(e)})` };
  }
  try {
    const info = await probe(bytes);
    const thumbnail = await makeThumbnail(bytes, info.bitDepth);
    const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
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
  const ids = new Set(summary.imported.map((i) => i.id));
  for (const d of summary.duplicates) if (d.existingId !== undefined) ids.add(d.existingId);
  return [...ids];
}
