/**
 * The browser UI's folder picker (issue 32): folders.list shows the folders of a folder by name
 * with their image counts, bounded, never opening a file; folders.create makes one folder;
 * folders.choose makes a folder usable for projects, imports and exports for the session. Imports
 * read only from the folders the person chose.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../common/api-error.ts";
import type { PixelloopService } from "./service.ts";
import type { FolderListing, ImportResult, ProjectInfo } from "../common/api-types.ts";
import { APP_DIR } from "../exchange/output-guard.ts";
import { MAX_FOLDER_ENTRIES } from "./folders.ts";
import { newService, serviceDir } from "../testing/service-fixture.ts";

let root: string;
let outside: string;
let service: PixelloopService;
const classes = [
  { name: "a", color: "#ff0000" },
  { name: "b", color: "#00ff00" },
];

async function refused(s: PixelloopService, method: string, body: unknown) {
  try {
    await s.call(method, body);
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error(`${method} ${JSON.stringify(body)} was accepted`);
}

const list = async (dir?: string, hidden = false) =>
  (await service.call("folders.list", dir === undefined ? {} : { dir, hidden })) as FolderListing;

let shade = 0;
/** A small PNG, each of another color (an import takes one file of each content). */
function png(file: string) {
  shade += 20;
  return sharp({ create: { width: 8, height: 6, channels: 3, background: { r: shade, g: 99, b: 9 } } })
    .png()
    .toFile(file);
}

beforeAll(async () => {
  // root/projects: the projects folder; root/outside: a folder of images nobody chose yet.
  root = serviceDir("pixelloop-folders-");
  outside = path.join(root, "outside");
  fs.mkdirSync(path.join(outside, "shots", "deeper"), { recursive: true });
  fs.mkdirSync(path.join(outside, "masks"));
  fs.mkdirSync(path.join(outside, ".cache"));
  for (const n of ["a", "b", "c"]) await png(path.join(outside, "shots", `${n}.png`));
  fs.writeFileSync(path.join(outside, "shots", "notes.txt"), "not an image");
  fs.writeFileSync(path.join(outside, "street.pxl"), "");
  service = newService(path.join(root, "projects"), {
    settingsDir: path.join(root, "home"),
    recentFile: path.join(root, "home", "recent.json"),
    demoDir: path.join(root, "home", "demo"),
  });
});
afterAll(async () => {
  await service?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("folders.list", () => {
  it("lists subfolders by name with their image counts, and project files, never files' contents", async () => {
    const l = await list(outside);
    expect(l.dir).toBe(fs.realpathSync(outside));
    expect(l.folders.map((f) => [f.name, f.images])).toEqual([
      ["masks", 0],
      ["shots", 3],
    ]);
    expect(l.projects).toEqual(["street.pxl"]);
    expect(l.images).toBe(0);
    expect(l.allowed).toBeNull();
    expect(l.crumbs.at(-1)).toEqual({ name: "outside", path: l.dir });
    expect(l.crumbs[0].path).toBe("/");
    expect(l.parent).toBe(path.dirname(l.dir));
    expect(JSON.stringify(l)).not.toContain("not an image");
    // Hidden folders when asked for.
    expect((await list(outside, true)).folders.map((f) => f.name)).toContain(".cache");
  });

  it("starts at the projects folder (or its parent, before it exists) and names the places allowed", async () => {
    const l = await list();
    expect(l.dir).toBe(fs.realpathSync(root));
    expect(l.places.map((p) => p.what)).toEqual(["the projects folder", "your home folder"]);
  });

  it("resolves `..` and symbolic links, shows links with where they lead, and says so for loops", async () => {
    fs.symlinkSync(path.join(outside, "shots"), path.join(outside, "to-shots"));
    fs.symlinkSync(path.join(outside, "loop-a"), path.join(outside, "loop-b"));
    fs.symlinkSync(path.join(outside, "loop-b"), path.join(outside, "loop-a"));
    fs.symlinkSync(path.join(outside, "street.pxl"), path.join(outside, "file-link"));
    try {
      const up = await list(path.join(outside, "shots", "..", "masks", ".."));
      expect(up.dir).toBe(fs.realpathSync(outside));
      const link = up.folders.find((f) => f.name === "to-shots");
      expect(link).toMatchObject({
        images: 3,
        link: { target: fs.realpathSync(path.join(outside, "shots")) },
      });
      const loop = up.folders.find((f) => f.name === "loop-a");
      expect(loop?.link).toEqual({ target: null, reason: "too many levels of symbolic links" });
      expect(up.folders.map((f) => f.name)).not.toContain("file-link");
      expect((await list(path.join(outside, "to-shots"))).dir).toBe(
        fs.realpathSync(path.join(outside, "shots")),
      );
      const r = await refused(service, "folders.list", { dir: path.join(outside, "loop-a") });
      expect(r).toEqual({
        status: 422,
        message: `dir: ${path.join(outside, "loop-a")}: too many levels of symbolic links`,
      });
    } finally {
      for (const n of ["to-shots", "loop-a", "loop-b", "file-link"]) fs.unlinkSync(path.join(outside, n));
    }
  });

  it("refuses what is not a folder by name (a file, a FIFO, a device, a relative path), without opening it", async () => {
    const fifo = path.join(root, "pipe");
    execFileSync("mkfifo", [fifo]);
    try {
      expect((await refused(service, "folders.list", { dir: fifo })).message).toBe(
        `dir: ${fifo}: is a FIFO (named pipe), not a folder`,
      );
      // A FIFO inside a folder is neither listed nor opened: the listing answers.
      fs.renameSync(fifo, path.join(outside, "pipe.png"));
      expect((await list(outside)).images).toBe(0);
    } finally {
      fs.rmSync(path.join(outside, "pipe.png"), { force: true });
    }
    expect((await refused(service, "folders.list", { dir: "/dev/null" })).message).toBe(
      "dir: /dev/null: is a character device, not a folder",
    );
    expect((await refused(service, "folders.list", { dir: path.join(outside, "street.pxl") })).message).toBe(
      `dir: ${path.join(outside, "street.pxl")}: is a file, not a folder`,
    );
    expect((await refused(service, "folders.list", { dir: "shots" })).message).toMatch(
      /^dir: shots: give an absolute path/,
    );
    expect((await refused(service, "folders.list", { dir: path.join(root, "nope") })).message).toBe(
      `dir: ${path.join(root, "nope")}: no such folder`,
    );
  });

  it("leaves out names that are not UTF-8, and says how many", async () => {
    const bad = Buffer.concat([Buffer.from(outside + "/"), Buffer.from([0x66, 0xff, 0xfe, 0x6f])]);
    fs.mkdirSync(bad);
    try {
      const l = await list(outside);
      expect(l.skipped).toBe(1);
      expect(l.folders.map((f) => f.name)).toEqual(["masks", "shots"]);
    } finally {
      fs.rmdirSync(bad);
    }
  });

  it.skipIf(process.getuid?.() === 0)(
    "says a folder cannot be read (permission denied) and counts nothing in an unreadable subfolder",
    async () => {
      const locked = path.join(outside, "locked");
      fs.mkdirSync(locked, { mode: 0o000 });
      try {
        expect((await list(outside)).folders.find((f) => f.name === "locked")?.images).toBeNull();
        expect((await refused(service, "folders.list", { dir: locked })).message).toBe(
          `dir: ${locked}: cannot read the folder (permission denied)`,
        );
      } finally {
        fs.rmdirSync(locked);
      }
    },
  );

  it("reads a bounded number of entries of a huge folder, and says some are not listed", async () => {
    const huge = path.join(root, "huge");
    fs.mkdirSync(huge);
    const n = MAX_FOLDER_ENTRIES + 500;
    // Made by one `touch` run (a loop of writes here takes seconds on a busy machine).
    execFileSync("sh", ["-c", `seq 0 ${n - 1} | sed 's/^/f/; s/$/.png/' | xargs touch`], { cwd: huge });
    fs.mkdirSync(path.join(huge, "sub"));
    const t0 = performance.now();
    const l = await list(huge);
    const ms = performance.now() - t0;
    expect(l.truncated).toBe(true);
    expect(l.images).toBeLessThanOrEqual(MAX_FOLDER_ENTRIES);
    expect(ms).toBeLessThan(5000);
    // Its parent counts its images up to a bound: "at least".
    const parent = (await list(root)).folders.find((f) => f.name === "huge");
    expect(parent, JSON.stringify(await list(root))).toMatchObject({ moreImages: true });
    fs.rmSync(huge, { recursive: true });
  });
});

describe("folders.create and folders.choose", () => {
  it("makes one folder with a plain name, and refuses names that would go elsewhere", async () => {
    const made = (await service.call("folders.create", { parent: outside, name: "new one" })) as {
      dir: string;
    };
    expect(made.dir).toBe(path.join(fs.realpathSync(outside), "new one"));
    expect(fs.statSync(made.dir).isDirectory()).toBe(true);
    for (const [name, msg] of [
      ["../escape", "a folder name cannot contain / or \\"],
      ["..", "is not a folder name"],
      ["new one", "already exists"],
    ]) {
      const r = await refused(service, "folders.create", { parent: outside, name });
      expect(r.status, name).toBe(422);
      expect(r.message, name).toContain(msg);
    }
    expect(fs.existsSync(path.join(root, "escape"))).toBe(false);
    const app = await refused(service, "folders.create", { parent: APP_DIR, name: "x" });
    expect(app.message).toMatch(/is inside the folder Pixelloop runs from/);
    fs.rmdirSync(made.dir);
  });

  it("a project is made in a folder only once it is chosen; the app's folders and the root cannot be chosen", async () => {
    const target = path.join(outside, "projects-here");
    fs.mkdirSync(target);
    const before = await refused(service, "project.create", { name: "Far", dir: target, classes });
    expect(before.status).toBe(403);
    expect(before.message).toContain("choose the folder with Choose… (the folder picker)");
    expect((await refused(service, "folders.choose", { dir: APP_DIR })).message).toMatch(
      /is inside the folder Pixelloop runs from/,
    );
    expect((await refused(service, "folders.choose", { dir: "/" })).message).toBe(
      "dir: /: is the root of the disk; choose a folder in it",
    );
    const chosen = (await service.call("folders.choose", { dir: target })) as { dir: string };
    expect(chosen.dir).toBe(fs.realpathSync(target));
    expect((await list(target)).allowed).toBe("a folder you chose");
    const p = (await service.call("project.create", { name: "Far", dir: target, classes })) as ProjectInfo;
    expect(p.file).toBe(path.join(target, "far.pxl"));
  });

  it("imports only from folders the person chose (images and masks alike), naming the path refused", async () => {
    // The open project is in outside/projects-here (chosen above); outside/shots is not chosen.
    const shots = path.join(outside, "shots");
    const r = await refused(service, "images.import", { paths: [shots] });
    expect(r.status).toBe(403);
    expect(r.message).toMatch(new RegExp(`^paths: ${shots}: an import may not read outside the folders`));
    const local = path.join(outside, "projects-here", "local");
    fs.mkdirSync(local);
    await png(path.join(local, "x.png"));
    const masks = await refused(service, "images.import", {
      paths: ["local"],
      labels: path.join(outside, "masks"),
    });
    expect(masks.status).toBe(403);
    expect(masks.message).toMatch(/^labels: .*masks: an import may not read outside/);
    const up = await refused(service, "images.import", { paths: ["../shots"] });
    expect(up.message).toContain(`paths: ${shots}:`);
    expect(((await service.call("project.status", {})) as ProjectInfo).summary.images).toBe(0);
    // The project's own folder (where uploads are staged) is allowed; a chosen folder too.
    expect(((await service.call("images.import", { paths: ["local"] })) as ImportResult).imported).toBe(1);
    await service.call("folders.choose", { dir: shots });
    expect(((await service.call("images.import", { paths: [shots] })) as ImportResult).imported).toBe(3);
  });

  it("is refused over IPC: the desktop app chooses folders in the system's dialog", async () => {
    const ipc = newService(path.join(root, "ipc-projects"), {
      transport: "ipc",
      settingsDir: path.join(root, "home"),
    });
    try {
      for (const [m, body] of [
        ["folders.list", {}],
        ["folders.create", { parent: outside, name: "x" }],
        ["folders.choose", { dir: outside }],
      ] as const) {
        const r = await refused(ipc, m, body);
        expect(r.status, m).toBe(403);
        expect(r.message, m).toContain("the desktop app chooses folders in the system's dialog");
      }
    } finally {
      await ipc.close();
    }
    expect(os.homedir()).toBeTruthy();
  });
});
