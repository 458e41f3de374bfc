/**
 * Classes files through the API, as the UI's file picker sends them (name and text): read for
 * the new-project form; added to an open project (new names only, the rest skipped and said);
 * a bad file is refused naming the file and the reason, and changes nothing.
 */
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { ProjectInfo } from "../common/api-types.ts";
import { createDiscProject, newService, serviceDir } from "../testing/service-fixture.ts";

const text = (classes: unknown[]) => JSON.stringify({ classes });

describe("classes files in the API", () => {
  const dir = serviceDir("pixelloop-classes-file-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a classes file's text for the new-project form, naming the file in each refusal", async () => {
    const service = newService(dir);
    const ok = (await service.call("classes.parseFile", {
      file: "streets.json",
      text: text([
        { index: 1, name: "car", color: "#FF0000" },
        { index: 0, name: "road" },
      ]),
    })) as { classes: { name: string; color: string }[] };
    expect(ok.classes).toEqual([
      { name: "road", color: "#e6194b" },
      { name: "car", color: "#ff0000" },
    ]);
    const refused = async (t: string) =>
      service.call("classes.parseFile", { file: "bad.json", text: t }).then(
        () => "",
        (e: Error) => e.message,
      );
    expect(await refused("{ nope")).toMatch(/^bad\.json: not valid JSON/);
    expect(await refused(text([{ index: 0, name: "a", color: "red" }]))).toBe(
      "bad.json: classes.0.color: expected a color like #ff8800",
    );
    expect(await refused(text([{ index: 0, name: "   " }]))).toMatch(/^bad\.json: classes\.0\.name/);
    expect(
      await refused(
        text([
          { index: 0, name: "a" },
          { index: 1, name: "A" },
        ]),
      ),
    ).toBe('bad.json: classes 0 and 1 are both named "A"');
    expect(
      await refused(
        text(Array.from({ length: 256 }, (_, i) => ({ index: Math.min(i, 254), name: `c${i}` }))),
      ),
    ).toBe("bad.json: classes: a project has at most 255 classes (index 255 means unlabeled)");
    expect(await refused(`{"classes":[],"pad":"${"x".repeat(1024 * 1024)}"}`)).toBe(
      "bad.json: 1.0 MiB is too big for a classes file (at most 1 MiB)",
    );
    await service.close();
  });

  it("adds the new classes of a file to an open project and skips the names it has", async () => {
    const service = newService(dir);
    const before = await createDiscProject(service, dir, "adding");
    const r = (await service.call("classes.addFromFile", {
      file: "more.json",
      text: text([
        { index: 0, name: before.classes[0].name.toUpperCase(), color: "#010101" },
        { index: 1, name: "tree", color: "#00ff00" },
        { index: 2, name: "sky" },
      ]),
    })) as { project: ProjectInfo; added: string[]; skipped: string[] };
    expect(r.added).toEqual(["tree", "sky"]);
    expect(r.skipped).toEqual([before.classes[0].name.toUpperCase()]);
    // existing classes keep their index and color
    expect(r.project.classes.slice(0, before.classes.length)).toEqual(before.classes);
    expect(r.project.classes.slice(before.classes.length).map((c) => [c.name, c.color])).toEqual([
      ["tree", "#00ff00"],
      ["sky", "#4363d8"],
    ]);
    // a bad file adds nothing
    await expect(service.call("classes.addFromFile", { file: "broken.json", text: "[1," })).rejects.toThrow(
      /^broken\.json: not valid JSON/,
    );
    expect(((await service.call("classes.list", {})) as unknown[]).length).toBe(r.project.classes.length);
    await service.close();
  });
});
