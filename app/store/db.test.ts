import { afterEach, beforeEach, describe, expect, it } from "vitest";
import path from "node:path";
import { ProjectStore } from "./project-store.ts";
import { openProjectDb } from "./db.ts";
import { MIGRATIONS, APPLICATION_ID, LATEST_VERSION } from "./migrations.ts";
import { tmpDir } from "../testing/tmp.ts";
import { CLASSES } from "../testing/store-fixture.ts";

describe("opening a project database", () => {
  let t: ReturnType<typeof tmpDir>;
  let file: string;
  beforeEach(() => {
    t = tmpDir();
    file = path.join(t.dir, "p.pxl");
  });
  afterEach(() => t.cleanup());

  it("a failing migration rolls back completely", () => {
    ProjectStore.create(file, { name: "old", classes: CLASSES }).close();
    const next = LATEST_VERSION + 1;
    const good = [
      ...MIGRATIONS,
      { version: next, description: "notes", sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);" },
    ];
    const bad = [
      ...good,
      { version: next + 1, description: "broken", sql: "CREATE TABLE t3 (a); THIS IS NOT SQL;" },
    ];
    expect(() => openProjectDb(file, { migrations: bad })).toThrow();
    const db = openProjectDb(file, { migrations: good });
    expect(db.pragma("user_version", { simple: true })).toBe(next);
    expect(db.pragma("application_id", { simple: true })).toBe(APPLICATION_ID);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 't3'").get()).toBeUndefined();
    db.prepare("INSERT INTO notes (body) VALUES ('x')").run();
    db.close();
  });
});
