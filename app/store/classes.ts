/** The classes table (index, name, color, shortcut) and the meta key/value table. */
import type { Db } from "./db.ts";
import { UserError } from "./errors.ts";
import type { ClassDef } from "../common/project-types.ts";
import { classShortcut } from "../common/class-keys.ts";

export class MetaTable {
  constructor(private readonly db: Db) {}

  get(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  set(key: string, value: string): void {
    this.db
      .prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }
}

export class ClassTable {
  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {}

  /** The classes; each key comes from its index (class-keys.ts), not the stored column, so
   * projects made when only ten classes had keys get the keys of every class. */
  all(): ClassDef[] {
    // *: a file of format 8 or older opened read-only has no deleted_at column (undefined).
    const rows = this.db.prepare("SELECT * FROM classes ORDER BY idx").all() as (Omit<
      ClassDef,
      "shortcut" | "deleted"
    > & { deleted_at?: string | null })[];
    return rows.map((r) => ({
      idx: r.idx,
      name: r.name,
      color: r.color,
      shortcut: classShortcut(r.idx),
      ...(r.deleted_at ? { deleted: true as const } : {}),
    }));
  }

  /** Marks a class deleted (a tombstone: its index stays reserved); the caller clears its labels. */
  markDeleted(idx: number): void {
    const c = this.all()[idx];
    if (!c) throw new UserError(`${this.file}: no class ${idx}`);
    if (c.deleted) throw new UserError(`${this.file}: class "${c.name}" was deleted already`);
    // The name is freed for a new class (names are unique in the table): "tree (deleted #2)".
    this.db
      .prepare("UPDATE classes SET deleted_at = ?, name = ? WHERE idx = ?")
      .run(new Date().toISOString(), `${c.name} (deleted #${idx})`, idx);
  }

  /** The classes of a new project (checked; the caller runs it in the creating transaction). */
  insertInitial(classes: Omit<ClassDef, "shortcut">[]): void {
    validateClasses(classes, this.file);
    const ins = this.db.prepare("INSERT INTO classes (idx, name, color, shortcut) VALUES (?, ?, ?, ?)");
    for (const c of classes) ins.run(c.idx, c.name, c.color.toLowerCase(), shortcutFor(c.idx));
  }

  /**
   * A class added after the start, at the next index (labels and predictions keep theirs). Models
   * made before it predict one class fewer: their predictions still show, fine-tuning one is refused.
   */
  add(name: string, color: string): ClassDef {
    const classes = this.all();
    const idx = classes.length;
    if (idx >= 255) throw new UserError(`${this.file}: at most 255 classes (index 255 means unlabeled)`);
    const c = { idx, name: name.trim(), color: color.toLowerCase() };
    sameNameCheck(classes, c);
    validateClasses([...classes, c], this.file);
    this.db
      .prepare("INSERT INTO classes (idx, name, color, shortcut) VALUES (?, ?, ?, ?)")
      .run(c.idx, c.name, c.color, shortcutFor(idx));
    return this.all()[idx];
  }

  /**
   * Classes from a classes file, into a project that has some: a name the project has (in any
   * case) is skipped, keeping that class's index and color; the others are added at the next
   * indices, all or none (too many is refused before anything is added).
   */
  addMany(
    classes: { name: string; color: string }[],
    source: string,
  ): { added: ClassDef[]; skipped: string[] } {
    const have = new Set(
      this.all()
        .filter((c) => !c.deleted)
        .map((c) => c.name.toLowerCase()),
    );
    const fresh: { name: string; color: string }[] = [];
    const skipped: string[] = [];
    for (const c of classes) {
      const key = c.name.trim().toLowerCase();
      if (have.has(key)) skipped.push(c.name.trim());
      else {
        have.add(key);
        fresh.push(c);
      }
    }
    const total = this.all().length + fresh.length;
    if (total > 255)
      throw new UserError(
        `${source}: adding ${fresh.length} new classes would make ${total}; a project has at most 255 (index 255 means unlabeled)`,
      );
    return { added: fresh.map((c) => this.add(c.name, c.color)), skipped };
  }

  /**
   * Deletes the last class (the caller has checked nothing uses it). Only the last: deleting
   * another would renumber the classes after it in every mask, patch and model.
   */
  removeLast(idx: number): void {
    const classes = this.all();
    if (idx !== classes.length - 1)
      throw new UserError(
        `${this.file}: only the last class (${classes.at(-1)?.name}) can be deleted: deleting "${classes[idx]?.name ?? idx}" would renumber the classes after it in every label, undo step and model`,
      );
    if (classes.length <= 1) throw new UserError(`${this.file}: a project needs at least one class`);
    this.db.prepare("DELETE FROM classes WHERE idx = ?").run(idx);
  }

  /** Renames or recolors a class; its index, and so every label of it, stays. */
  update(idx: number, change: { name?: string; color?: string }): ClassDef {
    const classes = this.all();
    const old = classes[idx];
    if (!old) throw new UserError(`${this.file}: no class ${idx} (the project has ${classes.length})`);
    if (old.deleted) throw new UserError(`${this.file}: class "${old.name}" was deleted`);
    const next = {
      idx,
      name: change.name?.trim() ?? old.name,
      color: (change.color ?? old.color).toLowerCase(),
    };
    sameNameCheck(classes, next);
    validateClasses(
      classes.map((c) => (c.idx === idx ? next : c)),
      this.file,
    );
    this.db.prepare("UPDATE classes SET name = ?, color = ? WHERE idx = ?").run(next.name, next.color, idx);
    return this.all()[idx];
  }

  /** A class by index or by name (any case), for the CLI. */
  find(key: string): ClassDef {
    const classes = this.all();
    const byName = classes.find((c) => !c.deleted && c.name.toLowerCase() === key.trim().toLowerCase());
    if (byName) return byName;
    const byIdx = /^\d+$/.test(key.trim()) ? classes[Number(key)] : undefined;
    if (byIdx?.deleted) throw new UserError(`${this.file}: class ${byIdx.idx} ("${byIdx.name}") was deleted`);
    if (byIdx) return byIdx;
    throw new UserError(
      `${this.file}: no class named or numbered "${key}" (classes: ${classes.map((c) => c.name).join(", ")})`,
    );
  }
}

/** A new or renamed class whose name another class has (in any case), said as a person reads it. */
function sameNameCheck(classes: readonly ClassDef[], c: { idx: number; name: string }): void {
  const clash = classes.find(
    (o) => o.idx !== c.idx && !o.deleted && o.name.toLowerCase() === c.name.toLowerCase(),
  );
  if (clash)
    throw new UserError(
      `a class named "${clash.name}" exists already${clash.name === c.name ? "" : ` (names must differ in more than case)`}`,
    );
}

/** The stored key column (older readers of the file take it from there). */
function shortcutFor(idx: number): string | null {
  return classShortcut(idx);
}

export function validateClasses(classes: Omit<ClassDef, "shortcut">[], file: string): void {
  // A deleted class keeps its index and name (for the record), not its claim on the name.
  if (classes.length < 1) throw new UserError(`${file}: a project needs at least one class`);
  if (classes.length > 255) throw new UserError(`${file}: at most 255 classes (index 255 means unlabeled)`);
  const names = new Map<string, number>();
  classes.forEach((c, i) => {
    if (c.idx !== i)
      throw new UserError(
        `${file}: class indices must be 0..${classes.length - 1} in order (got ${c.idx} at position ${i})`,
      );
    if (!c.name.trim()) throw new UserError(`${file}: class ${i} has an empty name`);
    if (c.deleted) return;
    const taken = names.get(c.name.toLowerCase());
    if (taken !== undefined)
      throw new UserError(
        `${file}: class names must differ (in any case): classes ${taken} and ${i} would be "${classes[taken].name}" and "${c.name}"`,
      );
    names.set(c.name.toLowerCase(), i);
    if (!/^#[0-9a-fA-F]{6}$/.test(c.color))
      throw new UserError(`${file}: class "${c.name}" has color "${c.color}", expected #rrggbb`);
  });
}
