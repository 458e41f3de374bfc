/**
 * Corpus cases (issue 32) for the paths a client sends that are read or listed, not written: the
 * folder picker's methods (folders.list, folders.create, folders.choose) and the import's paths
 * and masks folder. Each must be refused naming the path or the field: FIFOs, devices, files,
 * symlink loops and links out, `..`, relative paths, NUL, names that would go elsewhere, folders
 * nobody chose. Part of the corpus built by malformed-corpus.ts.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ApiError } from "../common/api-error.ts";
import { APP_DIR } from "../exchange/output-guard.ts";
import { UserError } from "../store/errors.ts";
import type { CorpusContext, MalformedCase, Outcome } from "./malformed-corpus.ts";

async function refusal(f: () => unknown): Promise<Outcome> {
  try {
    await f();
  } catch (e) {
    if (e instanceof UserError || e instanceof ApiError) return { refused: true, message: e.message };
    throw e;
  }
  return { refused: false, message: "accepted" };
}

export function pathCases(ctx: CorpusContext): MalformedCase[] {
  const { service } = ctx;
  const dir = path.join(ctx.dir, "paths");
  fs.mkdirSync(path.join(dir, "sub"), { recursive: true });
  const fifo = path.join(dir, "pipe");
  execFileSync("mkfifo", [fifo]);
  const file = path.join(dir, "plain.txt");
  fs.writeFileSync(file, "x");
  const loop = path.join(dir, "loop-a");
  fs.symlinkSync(path.join(dir, "loop-b"), loop);
  fs.symlinkSync(loop, path.join(dir, "loop-b"));
  // A link inside a chosen folder that leads out of it (to a folder nobody chose).
  const out = path.join(dir, "link-out");
  fs.symlinkSync("/etc", out);
  const missing = path.join(dir, "missing");

  const cases: MalformedCase[] = [];
  const add = (variant: string, method: string, body: unknown, names: string) =>
    cases.push({
      name: `api/${method}/${variant}`,
      names,
      run: () => refusal(() => service.call(method, body)),
    });

  // folders.list: what is not a folder, named.
  add("fifo", "folders.list", { dir: fifo }, fifo);
  add("char-device", "folders.list", { dir: "/dev/null" }, "/dev/null");
  add("file", "folders.list", { dir: file }, file);
  add("symlink-loop", "folders.list", { dir: loop }, loop);
  add("missing", "folders.list", { dir: missing }, missing);
  add("relative", "folders.list", { dir: "sub" }, "dir");
  add("relative-dotdot", "folders.list", { dir: "../../.." }, "dir");
  add("nul", "folders.list", { dir: `${dir}\0/sub` }, "dir");
  add("overlong", "folders.list", { dir: "/" + "a".repeat(5000) }, "dir");
  add("not-a-string", "folders.list", { dir: ["/"] }, "dir");
  add("extra-key", "folders.list", { dir: "/", recursive: true }, "recursive");
  add("hidden-not-boolean", "folders.list", { dir: "/", hidden: "yes" }, "hidden");
  // folders.create: names that would go elsewhere, parents that are not folders.
  for (const [variant, name] of [
    ["dotdot", ".."],
    ["dot", "."],
    ["slash", "../escape"],
    ["backslash", "a\\b"],
    ["nul", "a\0b"],
    ["blank", "   "],
    ["too-long", "é".repeat(200)],
    ["exists", "sub"],
  ] as const)
    add(`name-${variant}`, "folders.create", { parent: dir, name }, "name");
  add("parent-fifo", "folders.create", { parent: fifo, name: "x" }, fifo);
  add("parent-device", "folders.create", { parent: "/dev/null", name: "x" }, "/dev/null");
  add("parent-app", "folders.create", { parent: APP_DIR, name: "x" }, APP_DIR);
  add("parent-relative", "folders.create", { parent: "sub", name: "x" }, "parent");
  add("parent-loop", "folders.create", { parent: loop, name: "x" }, "parent");
  // folders.choose: the root, the app's folders, what is not a folder.
  add("root", "folders.choose", { dir: "/" }, "/");
  add("root-dotdot", "folders.choose", { dir: "/../../.." }, "dir");
  add("app", "folders.choose", { dir: APP_DIR }, APP_DIR);
  add("app-node-modules", "folders.choose", { dir: path.join(APP_DIR, "node_modules") }, "node_modules");
  add("fifo", "folders.choose", { dir: fifo }, fifo);
  add("file", "folders.choose", { dir: file }, file);
  add("device", "folders.choose", { dir: "/dev/null" }, "/dev/null");
  add("missing", "folders.choose", { dir: missing }, missing);
  add("loop", "folders.choose", { dir: loop }, "dir");
  // images.import: paths and masks folders outside the chosen folders, by any spelling.
  add("outside", "images.import", { paths: ["/etc"] }, "/etc");
  add("outside-file", "images.import", { paths: ["/etc/passwd"] }, "/etc/passwd");
  add("device", "images.import", { paths: ["/dev/zero"] }, "/dev/zero");
  add("dotdot", "images.import", { paths: [path.join(dir, "..", "..", "..", "..", "..", "etc")] }, "/etc");
  add("relative-dotdot", "images.import", { paths: ["../../../../../../../../etc"] }, "/etc");
  add("link-out", "images.import", { paths: [out] }, out);
  add("link-out-inside", "images.import", { paths: [path.join(out, "hostname")] }, "hostname");
  add("app", "images.import", { paths: [path.join(APP_DIR, "resources")] }, "resources");
  add("second-outside", "images.import", { paths: [path.join(dir, "sub"), "/etc"] }, "/etc");
  add("labels-outside", "images.import", { paths: [path.join(dir, "sub")], labels: "/etc" }, "labels");
  add("labels-link-out", "images.import", { paths: [path.join(dir, "sub")], labels: out }, out);
  add("labels-empty", "images.import", { paths: [path.join(dir, "sub")], labels: "" }, "labels");
  return cases;
}
