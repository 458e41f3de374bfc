import { z } from "zod";
import { UserError } from "../store/errors.ts";
import { FILE_LIMITS, FileCheckError, readFileSyncChecked } from "../store/safe-read.ts";
import { MAX_CLASSES, MAX_CLASSES_FILE_BYTES } from "../common/limits.ts";
import { CLASS_PALETTE } from "../common/palette.ts";

/** The longest class name, as the API takes it (classes.add, project.create). */
export const MAX_CLASS_NAME = 60;

/** The classes file (shape of camvid-dev/classes.json). */
export const ClassesFileSchema = z.object({
  void: z.number().int().min(0).max(255).optional(),
  classes: z
    .array(
      z.object({
        index: z.number().int().min(0).max(254),
        name: z
          .string()
          .trim()
          .min(1)
          .max(MAX_CLASS_NAME, `class names have at most ${MAX_CLASS_NAME} characters`),
        /** optional: a class without one gets the palette's color for its index (as `--classes` does) */
        color: z
          .string()
          .regex(/^#[0-9a-fA-F]{6}$/, "expected a color like #ff8800")
          .optional(),
      }),
    )
    .min(1, "the file lists no classes")
    .max(MAX_CLASSES, `a project has at most ${MAX_CLASSES} classes (index 255 means unlabeled)`),
});
export type ClassesFile = z.infer<typeof ClassesFileSchema>;

export interface ClassSpec {
  idx: number;
  name: string;
  color: string;
}

export function readClassesFile(file: string): ClassSpec[] {
  let text: string;
  try {
    text = readFileSyncChecked(file, FILE_LIMITS.classes, "a classes file").toString("utf8");
  } catch (e) {
    if (e instanceof FileCheckError) throw new UserError(`${file}: cannot read (${e.reason})`);
    throw e;
  }
  return parseClassesText(text, file);
}

/**
 * A classes file's text (read from disk, or sent by the UI's file picker) as classes; `file`
 * names it in every message: size cap, bad JSON, bad names or colors, too many classes.
 */
export function parseClassesText(text: string, file: string): ClassSpec[] {
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_CLASSES_FILE_BYTES)
    throw new UserError(
      `${file}: ${(bytes / 1024 / 1024).toFixed(1)} MiB is too big for a classes file (at most ${MAX_CLASSES_FILE_BYTES / 1024 / 1024} MiB)`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = ClassesFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const sorted = [...parsed.data.classes].sort((a, b) => a.index - b.index);
  sorted.forEach((c, i) => {
    if (c.index !== i)
      throw new UserError(
        `${file}: class indices must run 0..${sorted.length - 1} without gaps (missing ${i})`,
      );
  });
  rejectDuplicateNames(
    sorted.map((c) => c.name),
    (a, b, name) => `${file}: classes ${a} and ${b} are both named "${name}"`,
  );
  return sorted.map((c) => ({
    idx: c.index,
    name: c.name,
    color: (c.color ?? CLASS_PALETTE[c.index % CLASS_PALETTE.length]).toLowerCase(),
  }));
}

/** Two classes of one name could not be told apart in exports, legends and the class list. */
function rejectDuplicateNames(
  names: string[],
  message: (a: number, b: number, name: string) => string,
): void {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) throw new UserError(message(first, i, name));
    seen.set(key, i);
  });
}

export function classesFromNames(list: string): ClassSpec[] {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new UserError("--classes: give at least one class name, e.g. --classes road,car,sky");
  const file = names.find((n) => /\.json$/i.test(n) || /[\\/]/.test(n));
  if (file)
    throw new UserError(
      `--classes takes class names, and "${file}" looks like a file: for a classes file use --classes-file ${file}`,
    );
  const long = names.find((n) => n.length > MAX_CLASS_NAME);
  if (long)
    throw new UserError(
      `--classes: "${long.slice(0, 20)}…" is ${long.length} characters long; class names have at most ${MAX_CLASS_NAME}`,
    );
  if (names.length > 255)
    throw new UserError(`--classes: ${names.length} classes given; a project has at most 255`);
  rejectDuplicateNames(names, (_a, _b, name) => `--classes: "${name}" is given twice`);
  return names.map((name, idx) => ({ idx, name, color: CLASS_PALETTE[idx % CLASS_PALETTE.length] }));
}
