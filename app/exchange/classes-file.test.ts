import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { classesFromNames, readClassesFile } from "./classes-file.ts";
import { CLASS_PALETTE } from "../common/palette.ts";
import { api } from "../api/schema.ts";

const dirs: string[] = [];
function classesFile(json: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-classes-"));
  dirs.push(dir);
  const file = path.join(dir, "classes.json");
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("the classes file", () => {
  it("gives a class without a color the palette's color for its index, and keeps given ones", () => {
    const file = classesFile({
      classes: [
        { index: 1, name: "cell" },
        { index: 0, name: "background", color: "#00FF00" },
      ],
    });
    expect(readClassesFile(file)).toEqual([
      { idx: 0, name: "background", color: "#00ff00" },
      { idx: 1, name: "cell", color: CLASS_PALETTE[1] },
    ]);
  });

  it("refuses two classes of one name (any case), naming the file and both indices", () => {
    const file = classesFile({
      classes: [
        { index: 0, name: "Road" },
        { index: 1, name: "car" },
        { index: 2, name: "road" },
      ],
    });
    expect(() => readClassesFile(file)).toThrow(`${file}: classes 0 and 2 are both named "road"`);
    expect(() => classesFromNames("road,car,road")).toThrow('--classes: "road" is given twice');
  });

  it("the app's project.create refuses two classes of one name too", () => {
    const parsed = api["project.create"].request.safeParse({
      name: "x",
      classes: [
        { name: "sky", color: "#000000" },
        { name: "Sky", color: "#ffffff" },
      ],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toMatch(/same name/);
  });
});
