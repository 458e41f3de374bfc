/**
 * The desktop app's "Choose…" buttons: the system's open dialog, shaped by what the folder is for,
 * and what the main process does with the choice (tells the core the folder is the person's:
 * `allowFolder`). Free of Electron imports (main.ts passes `dialog.showOpenDialog` in), so it is
 * tested under plain Node. Paths typed in the window stay limited to the chosen folders.
 */
import fs from "node:fs";
import path from "node:path";
import { isTrustedSender } from "./security.ts";

export { PICK_CHANNEL } from "./ipc-channels.ts";

export const PICK_PURPOSES = ["new-project", "open-project", "import", "labels", "export"] as const;
export type PickPurpose = (typeof PICK_PURPOSES)[number];

/** The subset of Electron's OpenDialogOptions used here. */
export interface PickDialogOptions {
  title: string;
  buttonLabel: string;
  properties: ("openFile" | "openDirectory" | "createDirectory" | "promptToCreate")[];
  filters?: { name: string; extensions: string[] }[];
}

export function pickDialogOptions(purpose: PickPurpose): PickDialogOptions {
  switch (purpose) {
    case "new-project":
      return {
        title: "Choose the new project's folder",
        buttonLabel: "Choose",
        properties: ["openDirectory", "createDirectory", "promptToCreate"],
      };
    case "open-project":
      return {
        title: "Open project",
        buttonLabel: "Open",
        properties: ["openFile"],
        filters: [{ name: "Pixelloop project", extensions: ["pxl"] }],
      };
    case "import":
      return { title: "Choose a folder of images", buttonLabel: "Choose", properties: ["openDirectory"] };
    case "labels":
      return {
        title: "Choose the folder of label masks",
        buttonLabel: "Choose",
        properties: ["openDirectory"],
      };
    case "export":
      return {
        title: "Choose the export folder",
        buttonLabel: "Choose",
        properties: ["openDirectory", "createDirectory", "promptToCreate"],
      };
  }
}

export interface PickDeps {
  show(options: PickDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
  /** the core's PixelloopService.allowFolder */
  allowFolder(dir: string): void;
}

/**
 * One "Choose…" from the window: refuses frames that are not the app and unknown purposes, shows
 * the dialog, and allows the folder chosen (a project file's folder). Answers the path chosen
 * (the folder, or the project file), or null when cancelled.
 */
export async function handlePick(
  deps: PickDeps,
  sender: { url: string | undefined; isMainFrame: boolean },
  purpose: unknown,
): Promise<string | null> {
  if (!isTrustedSender(sender.url, sender.isMainFrame))
    throw new Error("refused: a folder dialog asked for by a frame that is not the app");
  if (typeof purpose !== "string" || !(PICK_PURPOSES as readonly string[]).includes(purpose))
    throw new Error(`unknown folder dialog ${JSON.stringify(purpose)}`);
  const p = purpose as PickPurpose;
  const r = await deps.show(pickDialogOptions(p));
  if (r.canceled || r.filePaths.length === 0) return null;
  const chosen = path.resolve(r.filePaths[0]);
  // "Create" in the dialog may name a folder not made yet: made here, as the person asked.
  if (p !== "open-project") fs.mkdirSync(chosen, { recursive: true });
  deps.allowFolder(p === "open-project" ? path.dirname(chosen) : chosen);
  return chosen;
}
