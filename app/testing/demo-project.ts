/**
 * The exchange tests' fixture: the first four demo images (resources/demo) and their
 * ground-truth masks (dense labels, many regions per image), in a fresh temporary folder.
 */
import fs from "node:fs";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { importImages } from "../images/importer.ts";
import { importIndexMasks } from "../exchange/mask-files.ts";
import { readClassesFile } from "../exchange/classes-file.ts";
import { DEMO, tmpDir } from "./tmp.ts";

export interface DemoProject {
  /** The temporary folder: the images are in its images/ folder. */
  t: ReturnType<typeof tmpDir>;
  /** The images' file names. */
  names: string[];
  /** An empty project with the demo's classes, in the temporary folder. */
  freshProject(name: string): ProjectStore;
  /** Copies the images, imports them and their masks into a new project "main.pxl". */
  open(): Promise<ProjectStore>;
}

export function demoProject(): DemoProject {
  const t = tmpDir();
  const names = fs.readdirSync(path.join(DEMO, "images")).sort().slice(0, 4);

  function freshProject(name: string): ProjectStore {
    return ProjectStore.create(path.join(t.dir, name), {
      name,
      classes: readClassesFile(path.join(DEMO, "classes.json")),
    });
  }

  async function open(): Promise<ProjectStore> {
    const imgDir = path.join(t.dir, "images");
    fs.mkdirSync(imgDir);
    for (const n of names) fs.copyFileSync(path.join(DEMO, "images", n), path.join(imgDir, n));
    const store = freshProject("main.pxl");
    await importImages(store, [imgDir]);
    importIndexMasks(store, path.join(DEMO, "gt")); // dense labels: many regions per image
    return store;
  }

  return { t, names, freshProject, open };
}
