/**
 * Commands that only look at a project leave its folder as it was (issue 32): no `-wal` or
 * `-shm` files beside a project after `status`, and the project file byte for byte unchanged.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProjectStore } from "../store/project-store.ts";
import { runCli } from "../testing/cli.ts";
import { DEMO, tmpDir } from "../testing/tmp.ts";

const t = tmpDir("pixelloop-inspect-");
afterAll(() => t.cleanup());

function folder(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

describe("status inspects without leaving files", () => {
  const dir = path.join(t.dir, "p");
  const project = path.join(dir, "garden.pxl");

  it("status and status --json: the folder lists the same files and the project is unchanged", async () => {
    fs.mkdirSync(dir);
    expect((await runCli("init", project, "--classes", "plant,soil")).code).toBe(0);
    const image = path.join(DEMO, "images", "garden-01.png");
    expect((await runCli("import", project, image)).code).toBe(0);
    const before = folder(dir);
    expect(before).toEqual(["garden.pxl"]);
    const bytes = fs.readFileSync(project);

    const st = await runCli("status", project);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/images:\s+1/);
    expect(folder(dir)).toEqual(before);
    const js = await runCli("status", project, "--json");
    expect(JSON.parse(js.stdout).images).toBe(1);
    expect(folder(dir)).toEqual(before);
    expect(fs.readFileSync(project).equals(bytes)).toBe(true);
  });

  it("while the app has the project open, its side files are left alone and its writes are seen", async () => {
    const app = ProjectStore.open(project);
    try {
      app.setMeta("name", "renamed while open");
      const during = folder(dir);
      expect(during).toEqual(["garden.pxl", "garden.pxl-shm", "garden.pxl-wal"]);
      const st = await runCli("status", project, "--json");
      expect(JSON.parse(st.stdout).name).toBe("renamed while open");
      expect(folder(dir)).toEqual(during);
      // The app still writes after the inspection closed.
      app.setMeta("name", "renamed again");
      expect(app.getMeta("name")).toBe("renamed again");
    } finally {
      app.close();
    }
    expect(folder(dir)).toEqual(["garden.pxl"]);
  });

  it("an inspection cannot write", () => {
    const store = ProjectStore.open(project, { readonly: true });
    try {
      expect(() => store.setMeta("name", "x")).toThrow(/readonly/);
    } finally {
      store.close();
    }
    expect(folder(dir)).toEqual(["garden.pxl"]);
  });
});
