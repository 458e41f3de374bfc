/** Output folders of exports and predictions: made when missing, or a message naming the path. */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../store/errors.ts";

const REASONS: Record<string, string> = {
  EEXIST: "a file of that name is in the way (not a folder)",
  ENOTDIR: "a part of the path is a file, not a folder",
  EACCES: "no permission to create it",
  EPERM: "no permission to create it",
  EROFS: "the disk is read-only",
  ENOSPC: "the disk is full",
  ENOENT: "folders cannot be made there",
};

/**
 * Makes `dir` and the folders above it that are missing, one at a time from the deepest one that
 * exists. (Node's recursive mkdir never returns on a path under /proc, which answers "no such
 * file" to every mkdir: it retries the parent forever.)
 */
export function ensureFolder(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  try {
    if (missing.length === 0 && !fs.statSync(at).isDirectory())
      throw Object.assign(new Error("not a folder"), { code: "EEXIST" });
    for (const d of missing) fs.mkdirSync(d);
  } catch (e) {
    const reason = REASONS[(e as NodeJS.ErrnoException).code ?? ""];
    if (reason) throw new UserError(`${dir}: cannot write there: ${reason}`);
    throw e;
  }
}
