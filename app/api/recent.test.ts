/**
 * The recent list belongs to a projects folder: two servers started on different projects folders
 * under one home folder each show only the projects opened through them (#34).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PixelloopService, recentFileFor } from "./service.ts";

describe("recent projects", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-recent-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const home = path.join(dir, "home");
  const service = (projects: string) =>
    new PixelloopService({ settingsDir: home, projectsDir: path.join(dir, projects) });
  const classes = [
    { name: "a", color: "#ff0000" },
    { name: "b", color: "#00ff00" },
  ];

  it("are kept per projects folder, so two servers on one home folder do not share them", async () => {
    const one = service("team-one");
    const two = service("team-two");
    try {
      await one.call("project.create", { name: "Roads", classes });
      await two.call("project.create", { name: "Cells", classes });
      const names = async (s: PixelloopService) =>
        ((await s.call("app.info", {})) as { recent: { name: string }[] }).recent.map((r) => r.name);
      expect(await names(one)).toEqual(["Roads"]);
      expect(await names(two)).toEqual(["Cells"]);
      // A third server on the first folder shares its list.
      const again = service("team-one");
      expect(await names(again)).toEqual(["Roads"]);
      await again.close();
    } finally {
      await one.close();
      await two.close();
    }
    // The default projects folder keeps the app's own list.
    expect(recentFileFor(home)).toBe(path.join(home, "recent.json"));
    expect(recentFileFor(home, path.join(os.homedir(), "Pixelloop"))).toBe(path.join(home, "recent.json"));
  });
});
