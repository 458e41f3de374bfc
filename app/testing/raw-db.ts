/**
 * A connection of its own to a project file, for tests that read or damage stored rows on purpose
 * (old formats, bad blobs, rows another process wrote). The store's connection is private: the
 * app reaches the file only through the store's methods (app/store owns all SQL). This one is
 * opened on the file the store has open, as a second process would; foreign keys on, as the
 * app's connections have them; closed when `fn` returns.
 */
import Database from "better-sqlite3";

export type RawDb = Database.Database;

/** Runs `fn` on a new connection to the project file (a path, or an open store's file), then closes it. */
export function withRawDb<T>(project: string | { file: string }, fn: (db: RawDb) => T): T {
  const file = typeof project === "string" ? project : project.file;
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    db.pragma("foreign_keys = ON");
    const result = fn(db);
    if (result instanceof Promise) throw new Error("withRawDb: fn must be synchronous");
    return result;
  } finally {
    db.close();
  }
}

/**
 * Runs SQL `statements` on `file` as another program would (no foreign keys; the file is created
 * when missing): to fabricate or damage a project on purpose.
 */
export function execOnFile(file: string, statements: string): void {
  const db = new Database(file);
  try {
    db.exec(statements);
  } finally {
    db.close();
  }
}
