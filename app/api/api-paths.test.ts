/**
 * Paths received over the API (issue 32): project files and folders must be absolute, outside the
 * app's own folders and not a FIFO or a device; exports never write into a folder of the
 * project's images, nor through a FIFO or a symbolic link. Each refusal names the field or the
 * file, and leaves the open project and the disk as they were.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../common/api-error.ts";
import type { PixelloopService } from "./service.ts";
import type { ImageList, ProjectInfo } from "../common/api-types.ts";
import { APP_DIR } from "../exchange/output-guard.ts";
import { ProjectStore } from "../store/project-store.ts";
import { brush, newService, serviceDir } from "../testing/service-fixture.ts";

let dir: string;
let images: string;
let home: string;
let service: PixelloopService;
let project: ProjectInfo;

/** The refusal of a call: its status and message (fails the test if the call succeeds). */
async function refused(method: string, body: unknown): Promise<{ status: number; message: string }> {
  try {
    await service.call(method, body);
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error(`${method} ${JSON.stringify(body)} was accepted`);
}

/** Everything under a folder, with sizes: what must not change when a call is refused. */
function listing(d: string): string[] {
  return (fs.readdirSync(d, { recursive: true }) as string[]).sort().map((f) => {
    const st = fs.lstatSync(path.join(d, f));
    return `${f}:${st.isFile() ? st.size : st.isDirectory() ? "dir" : "other"}`;
  });
}

beforeAll(async () => {
  dir = serviceDir("pixelloop-api-paths-");
  images = path.join(dir, "images");
  home = path.join(dir, "home");
  fs.mkdirSync(images);
  fs.mkdirSync(home);
  for (const [i, n] of ["a", "b"].entries())
    await sharp({
      create: { width: 16, height: 12, channels: 3, background: { r: 40 + 60 * i, g: 90, b: 30 } },
    })
      .jpeg()
      .toFile(path.join(images, `${n}.jpg`));
  // The test's folder (its images, the exports below) is one the person chose (serve --allow).
  service = newService(path.join(dir, "projects"), {
    allowedDirs: [dir],
    settingsDir: home,
    recentFile: path.join(home, "recent.json"),
    demoDir: path.join(home, "demo"),
  });
  project = (await service.call("project.create", {
    name: "Paths",
    dir: path.join(dir, "projects"),
    classes: [
      { name: "a", color: "#ff0000" },
      { name: "b", color: "#00ff00" },
    ],
  })) as ProjectInfo;
  await service.call("images.import", { paths: [images] });
  const list = (await service.call("images.list", { limit: 10, sort: "name" })) as ImageList;
  for (const img of list.items)
    await brush(service, img.id, 1, [
      [1, 1],
      [10, 6],
    ]);
});
afterAll(async () => {
  await service?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("project paths from the API", () => {
  it("refuses relative paths (they would depend on where the server runs)", async () => {
    const open = await refused("project.open", { file: "p.pxl" });
    expect(open.status).toBe(422);
    expect(open.message).toBe(
      "file: p.pxl: give an absolute path (a relative one would depend on where the server runs)",
    );
    const create = await refused("project.create", {
      name: "x",
      dir: "somewhere",
      classes: [{ name: "a", color: "#ff0000" }],
    });
    expect(create.message).toMatch(/^dir: somewhere: give an absolute path/);
    expect(fs.existsSync(path.join(process.cwd(), "somewhere"))).toBe(false);
  });

  it("refuses the app's own folders, by any path or link, and keeps the open project", async () => {
    const classes = [{ name: "a", color: "#ff0000" }];
    for (const d of [
      APP_DIR,
      path.join(APP_DIR, "dist", "renderer"),
      path.join(APP_DIR, "node_modules", "x"),
    ]) {
      const r = await refused("project.create", { name: "x", dir: d, classes });
      expect(r.message).toBe(
        `dir: ${d}: is inside the folder Pixelloop runs from (${APP_DIR}); choose a folder of your own`,
      );
    }
    const settings = await refused("project.create", { name: "x", dir: home, classes });
    expect(settings.message).toMatch(/is inside Pixelloop's settings folder/);
    fs.symlinkSync(APP_DIR, path.join(dir, "app-link"));
    const linked = await refused("project.create", {
      name: "x",
      dir: path.join(dir, "app-link", "sub"),
      classes,
    });
    expect(linked.message).toMatch(/is inside the folder Pixelloop runs from/);
    expect(fs.existsSync(path.join(APP_DIR, "sub"))).toBe(false);
    const open = await refused("project.open", { file: path.join(APP_DIR, "package.json") });
    expect(open.message).toMatch(/^file: .*package\.json: is inside the folder Pixelloop runs from/);
    expect(((await service.call("project.status", {})) as ProjectInfo).file).toBe(project.file);
  });

  it("refuses a FIFO or a device as a project, at once, naming it", async () => {
    const fifo = path.join(dir, "pipe.pxl");
    execFileSync("mkfifo", [fifo]);
    const r = await refused("project.open", { file: fifo });
    expect(r.message).toBe(
      `${fifo}: not a Pixelloop project (is a FIFO (named pipe), not a regular file; a project is a .pxl file)`,
    );
    expect((await refused("project.open", { file: "/dev/zero" })).message).toMatch(
      /^file: \/dev\/zero: a project may not be opened from outside the folders this app may use/,
    );
    expect(
      (await refused("project.create", { name: "x", dir: fifo, classes: [{ name: "a", color: "#ff0000" }] }))
        .message,
    ).toBe(`dir: ${fifo}: is a FIFO (named pipe), not a folder: choose another folder`);
    expect(((await service.call("project.status", {})) as ProjectInfo).file).toBe(project.file);
  });
});

describe("export folders from the API", () => {
  const before = () => [listing(images), listing(path.dirname(project.file))];

  it("refuses the app's folders, a FIFO, a device and a file, writing nothing", async () => {
    const was = before();
    const fifo = path.join(dir, "out-pipe");
    execFileSync("mkfifo", [fifo]);
    const cases: [string, unknown, RegExp][] = [
      [
        "export.masks",
        { format: "index", outDir: path.join(APP_DIR, "dist", "renderer") },
        /is inside the folder Pixelloop runs from/,
      ],
      // Relative paths start at the project folder; climbing out into the app's folder is refused all the same.
      [
        "export.masks",
        { format: "color", outDir: path.relative(path.dirname(project.file), path.join(APP_DIR, "x")) },
        /is inside the folder Pixelloop runs from/,
      ],
      ["export.dataset", { outDir: path.join(home, "exports") }, /is inside Pixelloop's settings folder/],
      ["export.masks", { format: "coco", outDir: fifo }, /is a FIFO \(named pipe\), not a folder/],
      [
        "export.dataset",
        { outDir: "/dev/null" },
        /^outDir: \/dev\/null: is a character device, not a folder/,
      ],
      ["export.masks", { format: "index", outDir: project.file }, /is a file, not a folder/],
    ];
    for (const [method, body, message] of cases) {
      const r = await refused(method, body);
      expect(r.status, method).toBe(422);
      expect(r.message, JSON.stringify(body)).toMatch(message);
    }
    expect(fs.existsSync(path.join(APP_DIR, "x"))).toBe(false);
    expect(before()).toEqual(was);
  });

  it("never writes into the images' folder, though no file there has the name of an output", async () => {
    const was = before();
    for (const [method, body] of [
      ["export.masks", { format: "index", outDir: images }],
      ["export.masks", { format: "coco", outDir: images }],
      ["export.dataset", { outDir: images }],
    ] as const) {
      const r = await refused(method, body);
      expect(r.message).toBe(
        `${images}: is a folder of the images of the project ${project.file}; exports never write into it: choose another output folder (the default is exports/ beside the project)`,
      );
    }
    expect(before()).toEqual(was);
  });

  it("refuses an output file that is a FIFO or a symbolic link (no hang, nothing written through it)", async () => {
    const out = path.join(dir, "out");
    fs.mkdirSync(out);
    execFileSync("mkfifo", [path.join(out, "a.png")]);
    const r = await refused("export.masks", { format: "index", outDir: out });
    expect(r.message).toBe(
      `${path.join(out, "a.png")}: is a FIFO (named pipe), not a regular file: choose another output folder`,
    );
    fs.rmSync(path.join(out, "a.png"));
    const target = path.join(dir, "precious.txt");
    fs.writeFileSync(target, "keep me");
    fs.symlinkSync(target, path.join(out, "b.png"));
    const s = await refused("export.masks", { format: "index", outDir: out });
    expect(s.message).toMatch(/b\.png: is a symbolic link; an export replaces only regular files/);
    expect(fs.readFileSync(target, "utf8")).toBe("keep me");
    expect(fs.readdirSync(out)).toEqual(["b.png"]);
  });

  it("still exports where the person chose: the default, a relative folder, an absolute one", async () => {
    const d = (await service.call("export.masks", { format: "index" })) as {
      outDir: string;
      written: number;
    };
    expect(d.outDir).toBe(path.join(path.dirname(project.file), "exports", "masks-index"));
    expect(d.written).toBe(2);
    const rel = (await service.call("export.masks", { format: "color", outDir: "mine" })) as {
      outDir: string;
    };
    expect(rel.outDir).toBe(path.join(path.dirname(project.file), "mine"));
    const abs = path.join(dir, "elsewhere");
    const ds = (await service.call("export.dataset", { outDir: abs })) as { outDir: string; images: number };
    expect(ds).toMatchObject({ outDir: abs, images: 2 });
    // The demo project's folder lies inside the settings folder and is the user's.
    const demo = path.join(home, "demo", "exports");
    expect(
      ((await service.call("export.masks", { format: "coco", outDir: demo })) as { outDir: string }).outDir,
    ).toBe(demo);
  });
});

describe("paths limited to the folders the person chose", () => {
  let root: string;
  let limited: PixelloopService;
  let mine: ProjectInfo;
  const classes = [{ name: "a", color: "#ff0000" }];
  /** The refusal of a call to the limited service. */
  async function refusedBy(method: string, body: unknown): Promise<{ status: number; message: string }> {
    try {
      await limited.call(method, body);
    } catch (e) {
      if (e instanceof ApiError) return { status: e.status, message: e.message };
      throw e;
    }
    throw new Error(`${method} ${JSON.stringify(body)} was accepted`);
  }

  beforeAll(async () => {
    // root/projects: the projects folder; root/outside: a folder nobody chose.
    root = serviceDir("pixelloop-api-allowed-");
    fs.mkdirSync(path.join(root, "outside"));
    limited = newService(path.join(root, "projects"), {
      settingsDir: path.join(root, "home"),
      recentFile: path.join(root, "home", "recent.json"),
      demoDir: path.join(root, "home", "demo"),
    });
    mine = (await limited.call("project.create", { name: "Mine", classes })) as ProjectInfo;
    // Imports read only from chosen folders: the images' folder is chosen (the folder picker).
    expect((await refusedBy("images.import", { paths: [images] })).status).toBe(403);
    await limited.call("folders.choose", { dir: images });
    await limited.call("images.import", { paths: [images] });
  });
  afterAll(async () => {
    await limited?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("exports inside the project's folder, and refuses a folder outside it, by `..` or by a link", async () => {
    const projectDir = path.dirname(mine.file);
    const ok = (await limited.call("export.masks", { format: "index", outDir: "masks/run1" })) as {
      outDir: string;
    };
    expect(ok.outDir).toBe(path.join(projectDir, "masks", "run1"));
    const outside = path.join(root, "outside");
    fs.symlinkSync(outside, path.join(projectDir, "link"));
    for (const outDir of [
      "../../outside/x",
      path.join(outside, "x"),
      "link/x",
      path.join(projectDir, "link"),
    ]) {
      const r = await refusedBy("export.dataset", { outDir });
      expect(r.status, outDir).toBe(403);
      const shown = path.resolve(projectDir, outDir);
      expect(r.message, outDir).toContain(`outDir: ${shown}: an export may not write outside the folders`);
      expect(r.message, outDir).toContain(`the open project's folder ${projectDir}`);
      expect(r.message, outDir).toContain("--allow");
    }
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it("makes projects in the projects folder only, unless a folder was chosen", async () => {
    const elsewhere = path.join(root, "outside", "new");
    const r = await refusedBy("project.create", { name: "Far", dir: elsewhere, classes });
    expect(r.status).toBe(403);
    expect(r.message).toMatch(/^dir: .*outside\/new: a project may not be made outside the folders/);
    const up = await refusedBy("project.create", {
      name: "Up",
      dir: path.join(root, "projects", "..", "outside"),
      classes,
    });
    expect(up.status).toBe(403);
    expect(fs.existsSync(elsewhere)).toBe(false);
    expect(fs.readdirSync(path.join(root, "outside"))).toEqual([]);
    expect(((await limited.call("project.status", {})) as ProjectInfo).file).toBe(mine.file);
    const sub = path.join(root, "projects", "team");
    const made = (await limited.call("project.create", { name: "Team", dir: sub, classes })) as ProjectInfo;
    expect(made.file).toBe(path.join(sub, "team.pxl"));
    limited.allowFolder(path.join(root, "outside"));
    const chosen = (await limited.call("project.create", {
      name: "Far",
      dir: elsewhere,
      classes,
    })) as ProjectInfo;
    expect(chosen.file).toBe(path.join(elsewhere, "far.pxl"));
    await limited.call("project.open", { file: mine.file });
  });

  it("opens projects from the allowed folders and the recent list, and refuses others without opening them", async () => {
    // A project made elsewhere by someone with the CLI (not limited), never opened in the app.
    const other = path.join(root, "elsewhere", "other.pxl");
    fs.mkdirSync(path.dirname(other));
    ProjectStore.create(other, {
      name: "Other",
      classes: [{ idx: 0, name: "a", color: "#ff0000" }],
    }).close();
    const r = await refusedBy("project.open", { file: other });
    expect(r.status).toBe(403);
    expect(r.message).toContain(`file: ${other}: a project may not be opened from outside the folders`);
    const viaLink = path.join(root, "projects", "other-link.pxl");
    fs.symlinkSync(other, viaLink);
    expect((await refusedBy("project.open", { file: viaLink })).status).toBe(403);
    expect(((await limited.call("project.status", {})) as ProjectInfo).file).toBe(mine.file);
    // Chosen (the desktop app's open dialog, the command line): it opens, and stays in the recent list.
    limited.allowFolder(path.dirname(other));
    expect(((await limited.call("project.open", { file: other })) as ProjectInfo).name).toBe("Other");
    const fresh = newService(path.join(root, "projects"), {
      settingsDir: path.join(root, "home"),
      recentFile: path.join(root, "home", "recent.json"),
      demoDir: path.join(root, "home", "demo"),
    });
    try {
      expect(((await fresh.call("project.open", { file: other })) as ProjectInfo).name).toBe("Other");
    } finally {
      await fresh.close();
    }
    await limited.call("project.open", { file: mine.file });
  });
});
