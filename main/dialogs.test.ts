import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { handlePick, pickDialogOptions, type PickDialogOptions } from "./dialogs.ts";
import { PixelloopService } from "../app/api/service.ts";
import { ApiError } from "../app/common/api-error.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pxl-dialogs-"));
const service = new PixelloopService({
  transport: "ipc",
  projectsDir: path.join(dir, "projects"),
  settingsDir: path.join(dir, "home"),
});
const app = { url: "pixelloop://app/index.html", isMainFrame: true };
afterAll(async () => {
  await service.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
const classes = [{ name: "a", color: "#ff0000" }];

it("a folder chosen in the system's dialog may hold a new project; before, it is refused", async () => {
  const target = path.join(dir, "elsewhere", "new");
  const refused = await service
    .call("project.create", { name: "Far", dir: target, classes })
    .catch((e: ApiError) => e);
  expect(refused).toBeInstanceOf(ApiError);
  expect((refused as ApiError).message).toContain(
    "choose the folder with Choose… (the system's folder dialog)",
  );
  const shown: PickDialogOptions[] = [];
  const chosen = await handlePick(
    {
      show: async (o) => {
        shown.push(o);
        return { canceled: false, filePaths: [target] };
      },
      allowFolder: (d) => service.allowFolder(d),
    },
    app,
    "new-project",
  );
  expect(chosen).toBe(target);
  expect(shown[0].properties).toContain("createDirectory");
  const p = (await service.call("project.create", { name: "Far", dir: target, classes })) as { file: string };
  expect(p.file).toBe(path.join(target, "far.pxl"));
});

it("a project file chosen allows its folder; cancel allows nothing; other frames and purposes are refused", async () => {
  const allowed: string[] = [];
  const deps = (filePaths: string[], canceled = false) => ({
    show: async () => ({ canceled, filePaths }),
    allowFolder: (d: string) => allowed.push(d),
  });
  expect(await handlePick(deps(["/x/y/p.pxl"]), app, "open-project")).toBe("/x/y/p.pxl");
  expect(allowed).toEqual(["/x/y"]);
  expect(await handlePick(deps([], true), app, "import")).toBeNull();
  await expect(
    handlePick(deps(["/etc"]), { url: "https://evil.example/", isMainFrame: true }, "import"),
  ).rejects.toThrow(/not the app/);
  await expect(handlePick(deps(["/etc"]), { ...app, isMainFrame: false }, "import")).rejects.toThrow(
    /not the app/,
  );
  await expect(handlePick(deps(["/etc"]), app, "anything")).rejects.toThrow(/unknown folder dialog/);
  expect(allowed).toEqual(["/x/y"]);
  expect(pickDialogOptions("open-project").filters?.[0].extensions).toEqual(["pxl"]);
});
