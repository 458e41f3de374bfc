import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { exportMasks } from "./mask-files.ts";
import { exportDataset } from "./dataset.ts";
import { demoProject } from "../testing/demo-project.ts";

const { t, names, open } = demoProject();
let store: ProjectStore;

beforeAll(async () => {
  store = await open();
});
afterAll(() => {
  store.close();
  t.cleanup();
});

describe("mask files and datasets", () => {
  it("an export whose folder is a file names the path and the reason, and leaves the file alone", async () => {
    const inTheWay = path.join(t.dir, "masks.txt");
    fs.writeFileSync(inTheWay, "notes");
    await expect(exportMasks(store, inTheWay, { format: "index" })).rejects.toThrow(
      `${inTheWay}: cannot write there: a file of that name is in the way (not a folder)`,
    );
    await expect(exportDataset(store, path.join(inTheWay, "dataset"))).rejects.toThrow(
      /masks\.txt[/\\]dataset: cannot write there: a part of the path is a file/,
    );
    expect(fs.readFileSync(inTheWay, "utf8")).toBe("notes");
  });

  it.skipIf(!fs.existsSync("/proc/self"))(
    "an export under /proc is refused at once (Node's own recursive mkdir never returns there)",
    async () => {
      await expect(exportMasks(store, "/proc/pixelloop-nope/masks", { format: "index" })).rejects.toThrow(
        "/proc/pixelloop-nope/masks: cannot write there: folders cannot be made there",
      );
    },
  );
});

describe("outputs never replace the user's images", () => {
  const bytesOf = (dir: string) => fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));

  it("mask exports into the images' folder are refused before anything is written", async () => {
    const imgDir = path.join(t.dir, "images");
    const before = bytesOf(imgDir);
    for (const format of ["index", "color"] as const) {
      await expect(exportMasks(store, imgDir, { format })).rejects.toThrow(
        `${path.join(imgDir, names[0])}: is an image of the project ${store.file}; writing there would overwrite it: choose another output folder`,
      );
    }
    // The same folder by another path (a symbolic link) is the same files.
    const link = path.join(t.dir, "images-link");
    fs.symlinkSync(imgDir, link);
    await expect(exportMasks(store, link, { format: "index" })).rejects.toThrow(
      /images-link[/\\]garden-01\.png: is an image of the project/,
    );
    expect(bytesOf(imgDir)).toEqual(before); // nothing replaced, no legend.json added
  });
});
