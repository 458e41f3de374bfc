/**
 * A new project file with its classes: the flow behind `pixelloop init` and the service's
 * project.create (each door finds the file and the classes its own way).
 */
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import type { ClassDef } from "../common/project-types.ts";

export type NewClass = Omit<ClassDef, "shortcut">;

/** Creates the project (name: default the file's name without its extension); returns it open. */
export function createProject(file: string, init: { name?: string; classes: NewClass[] }): ProjectStore {
  return ProjectStore.create(file, {
    name: init.name ?? path.basename(file).replace(/\.[^.]+$/, ""),
    classes: init.classes,
  });
}
