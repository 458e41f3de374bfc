/** Output folders of exports and predictions: made when missing, or a message naming the path. */
import fs from "node:fs";
import { UserError } from "../store/errors.ts";

const REASONS: Record<string, string> = {
  EEXIST: "a file of that name is in the way (not a folder)",
  ENOTDIR: "a part of the path is a file, not a folder",
  EACCES: "no permission to create it",
  EPERM: "no permission to create it",
  EROFS: "the disk is read-only",
  ENOSPC: "the disk is full",
};

export function ensureFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const reason = REASONS[(e as NodeJS.ErrnoException).code ?? ""];
    if (reason) throw new UserError(`${dir}: cannot write there: ${reason}`);
    throw e;
  }
}
