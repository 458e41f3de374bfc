import fs from "node:fs";
import path from "node:path";
import type { RecentProject } from "../common/api-types.ts";
import { FILE_LIMITS, readFileSyncChecked } from "../store/safe-read.ts";

const MAX_RECENT = 12;

/** The list of recently opened projects, kept in a small JSON file (newest first). */
export class RecentProjects {
  constructor(private readonly file: string) {}

  list(): RecentProject[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(
        readFileSyncChecked(this.file, FILE_LIMITS.settings, "a settings file").toString("utf8"),
      );
    } catch {
      return [];
    }
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter(
        (r): r is RecentProject =>
          typeof r?.file === "string" && typeof r?.name === "string" && typeof r?.openedAt === "string",
      )
      .filter((r) => fs.existsSync(r.file));
  }

  add(file: string, name: string): void {
    const rest = this.list().filter((r) => r.file !== file);
    const next = [{ file, name, openedAt: new Date().toISOString() }, ...rest].slice(0, MAX_RECENT);
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(next, null, 2) + "\n");
      fs.renameSync(tmp, this.file);
    } catch {
      // The recent list is a convenience: failing to write it must not fail opening a project.
    }
  }
}
