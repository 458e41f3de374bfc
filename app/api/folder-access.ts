/**
 * Which folders the API may use (docs/security.md): paths from the API (project files and
 * folders, exports, imports) must lie in the open project's folder, the projects folder, the
 * demo folder or a folder the person chose, and never in the app's own folders; and the folder
 * picker's methods (browser mode), which list, make and choose folders.
 */
import os from "node:os";
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import {
  APP_DIR,
  allowedFolderOf,
  checkApiPath,
  type AllowedFolder,
  type AppFolder,
} from "../exchange/output-guard.ts";
import { ApiError } from "../common/api-error.ts";
import type { ApiParsed, ApiResponse } from "./schema.ts";
import { listFolder, makeFolder, realFolder, startFolder } from "./folders.ts";

type PickerMethod = "folders.list" | "folders.create" | "folders.choose";
export type PickerHandlers = {
  [M in PickerMethod]: (req: ApiParsed<M>) => ApiResponse<M>;
};

export interface FolderAccessOptions {
  settingsDir: string;
  projectsDir: string;
  demoDir: string;
  transport: "http" | "ipc";
}

export class FolderAccess {
  /** folders the person chose (allowedDirs, allowFolder), resolved */
  readonly chosen = new Set<string>();

  constructor(
    private readonly opts: FolderAccessOptions,
    /** the open project's folder (null: none open) */
    private readonly openDir: () => string | null,
  ) {}

  /**
   * A folder the person chose (on the command line, in the desktop app's open dialog): project
   * files and exports asked for over the API may lie in it from now on (docs/security.md).
   */
  allowFolder(dir: string): void {
    this.chosen.add(path.resolve(dir));
  }

  /**
   * The app's own folders, which paths from the API stay out of: the folder Pixelloop runs from
   * (its code and the UI it serves; in the desktop app its resources too) and its settings folder
   * (settingsDir: the recent list), but for the projects and demo folders that may lie inside it.
   */
  appFolders(): AppFolder[] {
    const folders: AppFolder[] = [{ dir: APP_DIR, what: "the folder Pixelloop runs from" }];
    const resources = (process as { resourcesPath?: string }).resourcesPath;
    if (resources) folders.push({ dir: resources, what: "the desktop app's resources" });
    folders.push({
      dir: this.opts.settingsDir,
      what: "Pixelloop's settings folder",
      except: [this.opts.projectsDir, this.opts.demoDir],
    });
    return folders;
  }

  /**
   * The folders paths from the API (project files and folders, export folders) must lie in: the
   * open project's folder, the projects folder, the demo project's folder, and the folders the
   * person chose (allowFolder). Nothing else on the disk is the API's to write or open.
   */
  allowedFolders(): AllowedFolder[] {
    const folders: AllowedFolder[] = [];
    const open = this.openDir();
    if (open) folders.push({ dir: open, what: "the open project's folder" });
    folders.push({ dir: this.opts.projectsDir, what: "the projects folder" });
    folders.push({ dir: this.opts.demoDir, what: "the demo project's folder" });
    for (const d of this.chosen) folders.push({ dir: d, what: "a folder you chose" });
    return folders;
  }

  /**
   * Refuses (403) a path from the API that lies outside the allowed folders, naming the field,
   * the path, the folders it may lie in, and how to allow another one. `p` is already checked
   * (absolute, resolved).
   */
  requireAllowed(p: string, field: string, what: string): string {
    if (allowedFolderOf(p, this.allowedFolders())) return p;
    const list = this.allowedFolders()
      .map((f) => `${f.what} ${f.dir}`)
      .join(", ");
    const how =
      this.opts.transport === "ipc"
        ? "choose the folder with Choose… (the system's folder dialog), or open a project there with File > Open"
        : "choose the folder with Choose… (the folder picker), or start pixelloop serve with --allow <folder>";
    throw new ApiError(
      403,
      `${field}: ${p}: ${what} outside the folders this app may use (${list}), with links resolved; ` +
        `choose a folder inside one of them, or ${how}`,
    );
  }

  /**
   * An export's output folder: `exports/<name>` beside the project by default; a relative path
   * given starts at the project's folder (as the export dialog says); then checked (checkApiPath)
   * and limited to the allowed folders.
   */
  outDir(s: ProjectStore, given: string | undefined, name: string): string {
    const dir = path.resolve(s.dir, given ?? path.join("exports", name));
    return this.requireAllowed(
      checkApiPath(dir, "folder", "outDir", this.appFolders()),
      "outDir",
      "an export may not write",
    );
  }

  /**
   * A file or folder an import reads (images, a masks folder): a relative path starts at the
   * project's folder; then limited to the allowed folders like the paths written (403 naming it).
   */
  importPath(s: ProjectStore, given: string, field: string): string {
    const abs = path.resolve(s.dir, given);
    return this.requireAllowed(abs, field, "an import may not read");
  }

  // ---- the folder picker (browser mode; docs/security.md "The folder picker") ----

  /** The picker's methods are for the browser UI: the desktop app uses the system's dialog. */
  private pickerOnly(method: string): void {
    if (this.opts.transport === "ipc")
      throw new ApiError(
        403,
        `${method}: the desktop app chooses folders in the system's dialog (Choose…), not through the page`,
      );
  }

  pickerHandlers(): PickerHandlers {
    return {
      "folders.list": (req) => {
        this.pickerOnly("folders.list");
        const start = startFolder([
          this.openDir() ?? undefined,
          this.opts.projectsDir,
          path.dirname(this.opts.projectsDir),
        ]);
        const listing = listFolder(req.dir ?? start, { hidden: req.hidden });
        const places = this.allowedFolders()
          .filter((f) => f.what !== "the demo project's folder")
          // Several chosen folders: each by its name (the path is the button's tooltip).
          .map((f) => ({
            what: this.chosen.has(f.dir) ? `chosen: ${path.basename(f.dir)}` : f.what,
            path: f.dir,
          }));
        places.push({ what: "your home folder", path: os.homedir() });
        return {
          ...listing,
          allowed: allowedFolderOf(listing.dir, this.allowedFolders())?.what ?? null,
          places,
        };
      },
      "folders.create": (req) => {
        this.pickerOnly("folders.create");
        const parent = realFolder(checkApiPath(req.parent, "folder", "parent", this.appFolders()), "parent");
        return { dir: makeFolder(parent, req.name) };
      },
      "folders.choose": (req) => {
        this.pickerOnly("folders.choose");
        const dir = realFolder(checkApiPath(req.dir, "folder", "dir", this.appFolders()), "dir");
        if (path.dirname(dir) === dir)
          throw new UserError(`dir: ${dir}: is the root of the disk; choose a folder in it`);
        this.allowFolder(dir);
        return { dir };
      },
    };
  }
}
