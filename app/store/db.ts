import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { APPLICATION_ID, LATEST_VERSION, MIGRATIONS, type Migration } from "./migrations.ts";
import { damagedProjectError, UserError } from "./errors.ts";
import { FileCheckError, readHeadSync } from "./safe-read.ts";

export type Db = Database.Database;

const SQLITE_MAGIC = "SQLite format 3\0";

/**
 * Opens an existing project file. Fails, changing nothing, when the file is missing, is not
 * a SQLite database, is a SQLite database of another application, or was written by a newer
 * Pixelloop. Older project files are migrated forward in one transaction.
 */
export function openProjectDb(file: string, opts: { readonly?: boolean; migrations?: Migration[] } = {}): Db {
  const migrations = opts.migrations ?? MIGRATIONS;
  const latest = migrations.length ? migrations[migrations.length - 1].version : LATEST_VERSION;
  if (!fs.existsSync(file)) throw new UserError(`${file}: no such project file`);
  // A regular file only: SQLite (and reading the header) would block on a FIFO, and the whole
  // server with it.
  let head: Buffer;
  try {
    head = readHeadSync(file, 100, "a project file");
  } catch (e) {
    if (e instanceof FileCheckError)
      throw new UserError(`${file}: not a Pixelloop project (${e.reason}; a project is a .pxl file)`);
    throw e;
  }
  let sideFiles = false;
  for (const suffix of ["-wal", "-shm", "-journal"]) {
    const side = file + suffix;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(side);
    } catch {
      continue; // none: the usual case
    }
    sideFiles = true;
    if (!st.isFile())
      throw new UserError(`${side}: not a regular file; SQLite would block on it: remove it to open ${file}`);
  }
  if (head.length < 16 || head.toString("latin1", 0, 16) !== SQLITE_MAGIC) {
    throw new UserError(`${file}: not a Pixelloop project (not a SQLite database)`);
  }
  // A SQLite header is 100 bytes: a file cut inside it is damaged, not another application's.
  if (head.length < 100)
    throw new UserError(
      `${file}: the project file is damaged and cannot be read (cut short: ${head.length} bytes)`,
    );
  // Read the header fields before opening read-write, so a foreign file is never touched.
  const appId = head.length >= 72 ? head.readUInt32BE(68) : 0;
  const userVersion = head.length >= 64 ? head.readUInt32BE(60) : 0;
  if (appId !== APPLICATION_ID) {
    throw new UserError(`${file}: not a Pixelloop project (SQLite file of another application)`);
  }
  if (userVersion > latest) {
    throw new UserError(
      `${file}: written by a newer Pixelloop (project format ${userVersion}, this version reads up to ${latest}); update Pixelloop to open it`,
    );
  }
  let db: Db | undefined;
  try {
    db = opts.readonly && !sideFiles ? openToInspect(file) : undefined;
    db ??= new Database(file, { readonly: opts.readonly ?? false, fileMustExist: true });
    configure(db, opts.readonly ?? false);
    checkCoreTables(db, file);
    if (!opts.readonly) migrate(db, migrations);
    return db;
  } catch (e) {
    db?.close();
    throw damagedProjectError(file, e) ?? e;
  }
}

/**
 * A read-only look (status, export) at a project nobody has open. A project is in WAL mode, and
 * SQLite creates `-wal` and `-shm` beside it even to read it; a read-only connection cannot
 * remove them on close, so they would stay next to a file the command only looked at. Opened
 * read-write with `query_only` instead, nothing can be written, and SQLite's own close (the last
 * connection checkpoints and deletes them; it checks for other connections under a lock) leaves
 * the folder as it was. Null when the file or its folder is not writable: the plain read-only
 * open then. Never used when side files already exist: those belong to whoever has the project
 * open (or to a crash, which the next read-write open recovers), and are left alone.
 */
function openToInspect(file: string): Db | undefined {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    fs.accessSync(path.dirname(path.resolve(file)), fs.constants.W_OK);
  } catch {
    return undefined;
  }
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma("query_only = ON");
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** The tables every open reads (name, classes, the image list): small, checked at each open. */
const CORE_TABLES = ["meta", "classes", "images"];

/**
 * SQLite's structural check of the core tables (`quick_check(table)`: their pages and indexes,
 * not the large tables of masks, predictions and models, so an open stays fast): a file damaged
 * there is refused at once, naming it, rather than opening and then failing at every call.
 * Damage elsewhere is named by the call that reads it.
 */
function checkCoreTables(db: Db, file: string): void {
  const present = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  for (const t of CORE_TABLES) {
    if (!present.has(t)) continue; // a missing table is named by the first read of it
    const problems = (db.pragma(`quick_check(${t})`) as { quick_check: string }[])
      .map((r) => r.quick_check)
      .filter((r) => r !== "ok");
    if (problems.length)
      throw new UserError(
        `${file}: the project file is damaged and cannot be read (table ${t}: ${problems[0].split("\n").filter((l) => !l.startsWith("***"))[0] ?? problems[0]})`,
      );
  }
}

/** Creates a new, empty project file; refuses to overwrite anything. */
export function createProjectDb(file: string): Db {
  if (fs.existsSync(file)) throw new UserError(`${file}: already exists; choose another file name`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  configure(db, false);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  migrate(db, MIGRATIONS);
  return db;
}

function configure(db: Db, readonly: boolean): void {
  if (!readonly) db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  // FULL: a label write that returned survives a crash or power loss.
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
}

function migrate(db: Db, migrations: Migration[]): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const m of pending) {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  })();
  // Write the header (format version, application id) into the main file now, so that the
  // file identifies itself even if the process dies before the WAL is checkpointed.
  db.pragma("wal_checkpoint(TRUNCATE)");
}

export function nowIso(): string {
  return new Date().toISOString();
}
