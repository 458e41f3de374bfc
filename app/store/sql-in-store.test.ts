/**
 * The store owns all SQL (docs/architecture.md): no source outside app/store prepares a
 * statement, runs a pragma or a transaction on a connection, reaches the raw connection
 * (a `.db`: the store keeps it private), imports better-sqlite3 or writes SQL in a string. Tests
 * and app/testing (their fixtures) are exempt: they check and damage stored rows on purpose (old
 * formats, bad blobs) through a connection of their own (app/testing/raw-db.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCANNED = ["app", "main", "renderer", "scripts"];
const EXEMPT = [/^app\/store\//, /^app\/testing\//, /\.test\.tsx?$/, /\.e2e\.ts$/];

/** What only the store may write, each with why. */
const RULES: { name: string; pattern: RegExp }[] = [
  // A statement, pragma or transaction on a connection: `db.prepare(`, `store.db.pragma(`, ...
  { name: "a call on a connection", pattern: /\bdb\s*\.\s*(prepare|pragma|exec|transaction|backup)\s*\(/ },
  // The raw connection of a ProjectStore (only tests and bench/ may use it).
  { name: "the raw connection (.db)", pattern: /[\w)\]!]\s*\.\s*db\b(?!\s*[:("'`])/ },
  {
    name: "an import of better-sqlite3",
    pattern: /from\s+["']better-sqlite3["']|require\(["']better-sqlite3["']\)/,
  },
  // SQL at the start of a string or template, in capitals as the house writes it: a statement
  // keyword and what must follow it.
  {
    name: "SQL in a string",
    pattern:
      /["'`]\s*(SELECT\s+(\*|[\w.(]+)[\s\S]{0,200}?\bFROM\b|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b|DELETE\s+FROM\b|CREATE\s+(TABLE|INDEX)\b|ALTER\s+TABLE\b|DROP\s+TABLE\b|PRAGMA\s+\w+|VACUUM\b)/,
  },
];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (e.name !== "node_modules") out.push(...sources(rel));
    } else if (/\.(ts|tsx|mts|mjs|js)$/.test(e.name) && !EXEMPT.some((x) => x.test(rel))) out.push(rel);
  }
  return out;
}

/** The rules a piece of source breaks, with the line of each. */
function findSql(text: string): string[] {
  const found: string[] = [];
  const lines = text.split("\n");
  for (const rule of RULES) {
    const re = new RegExp(
      rule.pattern.source,
      rule.pattern.flags.includes("g") ? rule.pattern.flags : rule.pattern.flags + "g",
    );
    for (const m of text.matchAll(re)) {
      const line = text.slice(0, m.index).split("\n").length;
      found.push(`${rule.name} at line ${line}: ${lines[line - 1].trim()}`);
    }
  }
  return found;
}

describe("the store owns all SQL", () => {
  it("finds each kind of SQL outside the store, and not code that only looks alike", () => {
    const bad = [
      'store.db.prepare("SELECT id FROM images").all();',
      "db.pragma('data_version', { simple: true });",
      "this.db.exec(sql);",
      "const db = service.project!.db;",
      'import Database from "better-sqlite3";',
      "const sql = `SELECT i.id, m.version FROM images i`;",
      'run("INSERT INTO models (name) VALUES (?)");',
      "const q = 'UPDATE images SET status = ?';",
      '"DELETE FROM suggestions WHERE strategy = ?"',
      "`ALTER TABLE rounds DROP COLUMN labels_scope`",
    ];
    for (const snippet of bad) expect(findSql(snippet), snippet).not.toEqual([]);
    const fine = [
      "const m = /^\\/files\\/(image|thumb)\\/(\\d+)$/.exec(p);",
      'return tag === "INPUT" || tag === "SELECT" || t.isContentEditable;',
      'store.transaction(() => store.queue.replace(null, "start", items));',
      "const db = openDb(file); // a local name is fine when nothing is called on it",
      "label: `Select the images to export from the list`,",
      '{ db: "wasm" }',
      "const file = path.join(dir, 'project.db');",
    ];
    for (const snippet of fine) expect(findSql(snippet), snippet).toEqual([]);
  });

  it("no source outside app/store (tests and their fixtures aside) has any", () => {
    const offenders: string[] = [];
    for (const dir of SCANNED)
      for (const file of sources(dir))
        for (const f of findSql(fs.readFileSync(path.join(ROOT, file), "utf8")))
          offenders.push(`${file}: ${f}`);
    expect(offenders).toEqual([]);
  });
});
