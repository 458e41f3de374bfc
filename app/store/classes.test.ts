import { afterEach, beforeEach, describe, expect, it } from "vitest";
import path from "node:path";
import { ProjectStore } from "./project-store.ts";
import { tmpDir } from "../testing/tmp.ts";
import { CLASSES } from "../testing/store-fixture.ts";
import { withRawDb } from "../testing/raw-db.ts";

describe("class table", () => {
  let t: ReturnType<typeof tmpDir>;
  let file: string;
  beforeEach(() => {
    t = tmpDir();
    file = path.join(t.dir, "p.pxl");
  });
  afterEach(() => t.cleanup());

  it("gives every class a key past the tenth, also in projects stored without one", () => {
    const s = ProjectStore.create(file, { name: "many", classes: CLASSES });
    for (let i = 2; i < 22; i++) s.addClass(`c${i}`, "#123456");
    // a project made before the 11th class had a key stored none for it
    withRawDb(s, (db) => db.prepare("UPDATE classes SET shortcut = NULL WHERE idx >= 10").run());
    const keys = s.classes().map((c) => c.shortcut);
    expect(keys.slice(8, 12)).toEqual(["9", "0", "Shift+1", "Shift+2"]);
    expect(keys[20]).toBe("C");
    expect(keys.every((k) => k !== null)).toBe(true);
    s.close();
  });
});

describe("adding classes from a file", () => {
  let t: ReturnType<typeof tmpDir>;
  beforeEach(() => (t = tmpDir()));
  afterEach(() => t.cleanup());

  it("refuses too many classes before adding any", () => {
    const s = ProjectStore.create(path.join(t.dir, "p.pxl"), { name: "full", classes: CLASSES });
    const many = Array.from({ length: 254 }, (_, i) => ({ name: `n${i}`, color: "#000000" }));
    expect(() => s.addClasses(many, "many.json")).toThrow(
      "many.json: adding 254 new classes would make 256; a project has at most 255 (index 255 means unlabeled)",
    );
    expect(s.classes().length).toBe(2);
    s.close();
  });
});

describe("deleting an unused class", () => {
  let t: ReturnType<typeof tmpDir>;
  beforeEach(() => (t = tmpDir()));
  afterEach(() => t.cleanup());

  it("deletes only the last class, and only with no labels of it", () => {
    const s = ProjectStore.create(path.join(t.dir, "p.pxl"), { name: "del", classes: CLASSES });
    s.addClass("extra", "#00ff00");
    s.addClass("last", "#0000ff");
    expect(() => s.deleteUnusedClass(2)).toThrow(/only the last class \(last\) can be deleted/);
    expect(s.classUse(3)).toEqual({ pixels: 0, images: 0, historyChanges: 0 });
    s.deleteUnusedClass(3);
    expect(s.classes().map((c) => c.name)).toEqual(["road", "car", "extra"]);
    s.close();
  });
});
