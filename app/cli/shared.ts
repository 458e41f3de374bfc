/** What every CLI command needs: printing, and a project store that is closed whatever happens. */
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { osPersonName, personNameProblem } from "../api/people.ts";

/** A command given wrong options or arguments: printed like any UserError, exit code 2. */
export class UsageError extends UserError {}

export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/** A count as people read it: 5401370 -> "5,401,370" (the --json output keeps plain numbers). */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** "1 image", "2 images" (the number as count() writes it). */
export function plural(n: number, noun: string): string {
  return `${count(n)} ${n === 1 ? noun : `${noun}s`}`;
}

export function err(text: string): void {
  process.stderr.write(text.endsWith("\n") ? text : text + "\n");
}

/** Lists the images a command left out and why (on stderr: the command still did the rest). */
export function reportSkipped(skipped: { file: string; reason: string }[]): void {
  if (skipped.length === 0) return;
  err(`skipped ${skipped.length} ${skipped.length === 1 ? "image" : "images"}:`);
  for (const s of skipped) err(`  ${s.file}: ${s.reason}`);
}

export { withStore } from "../ops/project-file.ts";

/**
 * An image of the project by file name, by the path it was imported from, or by id. A name that
 * two images share (files of the same name in different folders) is refused with both paths and
 * ids, so a command never acts on the wrong one. Names match in either Unicode form (macOS writes
 * "ü" decomposed).
 */
export function findImage(store: ProjectStore, ref: string) {
  const byPath = store.imageByPath(path.resolve(ref));
  if (byPath && (ref.includes("/") || ref.includes(path.sep))) return byPath;
  const forms = [...new Set([ref, ref.normalize("NFC"), ref.normalize("NFD")])];
  const byName = forms.flatMap((f) => store.imagesByName(f));
  if (byName.length === 1) return byName[0];
  if (byName.length > 1)
    throw new UserError(
      `${store.file}: ${byName.length} images are named "${ref}": ` +
        byName.map((r) => `id ${r.id} (${store.absolutePath(r.path)})`).join(", ") +
        "; give the id or the path instead",
    );
  if (byPath) return byPath;
  if (/^\d+$/.test(ref)) {
    const byId = store.image(Number(ref));
    if (byId) return byId;
  }
  throw new UserError(`${store.file}: no image named, numbered or imported from "${ref}"`);
}

/** The person a CLI command acts as (#34): `--as NAME`, else the OS user (app/api/people.ts). */
export function cliPerson(as: string | undefined): string {
  if (as === undefined) return osPersonName();
  const problem = personNameProblem(as.trim());
  if (problem) throw new UsageError(`--as: ${JSON.stringify(as)} is not a usable name: ${problem}`);
  return as.trim();
}

/** The `--as` option's help. */
export const AS_HELP = "the person to record as the author (default: the OS user name)";
