/**
 * The layer rules hold through lint (eslint.config.js, docs/architecture.md): an import that
 * points up a layer, into the shell or the UI, or that closes a cycle fails `npm run lint`;
 * one that points down passes. Snippets are linted as if they were files of the tree.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let eslint: ESLint;

/** The rules a snippet breaks as the file `file` (relative to the repository). */
async function broken(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe("lint enforces the layers", () => {
  beforeAll(() => {
    eslint = new ESLint({ cwd: ROOT });
  });

  it("fails an upward import, naming both layers", async () => {
    const store = await broken("app/store/upward.ts", 'export { tf } from "../ml/engine/tf.ts";\n');
    expect(store).toEqual([
      expect.stringMatching(/^import-x\/no-restricted-paths: .*app\/store may not import app\/ml/),
    ]);
    const labels = await broken("app/labels/upward.ts", 'export { nowIso } from "../store/db.ts";\n');
    expect(labels).toEqual([expect.stringMatching(/app\/labels may not import app\/store/)]);
    const api = await broken("app/api/upward.ts", 'export { main } from "../cli/main.ts";\n');
    expect(api).toEqual([expect.stringMatching(/app\/api may not import app\/cli/)]);
    const ops = await broken("app/ops/upward.ts", 'export { PixelloopService } from "../api/service.ts";\n');
    expect(ops).toEqual([expect.stringMatching(/app\/ops may not import app\/api/)]);
  });

  it("keeps the project file out of the ML engine, but not its pure helpers", async () => {
    const file = await broken(
      "app/ml/upward.ts",
      'export { ProjectStore } from "../store/project-store.ts";\n',
    );
    expect(file).toEqual([expect.stringMatching(/app\/ml may not use the project file/)]);
    expect(await broken("app/ml/leaf.ts", 'export { UserError } from "../store/errors.ts";\n')).toEqual([]);
    const jobs = await broken(
      "app/ml/upward.ts",
      'export { recoverInterruptedRuns } from "../jobs/recovery.ts";\n',
    );
    expect(jobs).toEqual([expect.stringMatching(/app\/ml may not import app\/jobs/)]);
  });

  it("keeps the core off Electron and the UI", async () => {
    const electron = await broken("app/api/shell.ts", 'export { app } from "electron";\n');
    expect(electron).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
    const ui = await broken("app/loop/ui.ts", 'export * from "../../renderer/state/keys.ts";\n');
    expect(ui).toEqual([expect.stringMatching(/^no-restricted-imports: /)]);
  });

  it("keeps app/common pure: no other app folder, no Node module", async () => {
    const store = await broken("app/common/upward.ts", 'export { nowIso } from "../store/db.ts";\n');
    expect(store).toEqual([expect.stringMatching(/app\/common may not import app\/store/)]);
    const node = await broken("app/common/node.ts", 'import fs from "node:fs";\nexport const f = fs;\n');
    expect(node).toEqual([expect.stringMatching(/^no-restricted-imports: .*no Node module/)]);
    const bare = await broken("app/common/node.ts", 'import path from "path";\nexport const p = path;\n');
    expect(bare).toEqual([expect.stringMatching(/^no-restricted-imports: .*no Node module/)]);
  });

  it("lets the UI and the preload take code from app/common only, types from the contract", async () => {
    const value = await broken(
      "renderer/upward.ts",
      'import { api } from "../app/api/schema.ts";\nexport const a = api;\n',
    );
    expect(value).toEqual([
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: .*app\/common only/),
    ]);
    const preload = await broken(
      "main/preload.ts",
      'import { API_METHODS } from "../app/api/schema.ts";\nexport const m = API_METHODS;\n',
    );
    expect(preload).toEqual([expect.stringMatching(/app\/common only/)]);
    const types = await broken(
      "renderer/types.ts",
      'import type { ApiMethod } from "../app/api/schema.ts";\nexport type M = ApiMethod;\n',
    );
    expect(types).toEqual([]);
    const common = await broken(
      "renderer/common.ts",
      'import { paletteColor } from "../app/common/palette.ts";\nexport const c = paletteColor(1);\n',
    );
    expect(common).toEqual([]);
  });

  it("fails an import that closes a cycle", async () => {
    // db.ts as it is, plus an import of the store that imports it.
    const fs = await import("node:fs");
    const db = fs.readFileSync(path.join(ROOT, "app/store/db.ts"), "utf8");
    const cycle = await broken(
      "app/store/db.ts",
      `${db}\nimport { ProjectStore } from "./project-store.ts";\nexport const again = ProjectStore;\n`,
    );
    expect(cycle).toEqual(["import-x/no-cycle: Dependency cycle detected"]);
  });

  it("passes imports that point down", async () => {
    const code = [
      'import { ProjectStore } from "../store/project-store.ts";',
      'import { importImages } from "../images/importer.ts";',
      'import { computeSuggestions } from "../loop/suggest.ts";',
      'import { exportMasks } from "../exchange/mask-files.ts";',
      "export const all = [ProjectStore, importImages, computeSuggestions, exportMasks];",
      "",
    ].join("\n");
    expect(await broken("app/ops/downward.ts", code)).toEqual([]);
  });
});
