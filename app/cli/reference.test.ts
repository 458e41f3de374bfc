import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { GENERATED_MARKER, helpTexts, updatedCliDoc } from "./reference.ts";

const DOC = path.resolve(import.meta.dirname, "../../docs/cli.md");

it("docs/cli.md is what `npm run docs:cli` writes from the commands' help", () => {
  const current = fs.readFileSync(DOC, "utf8");
  // On failure: run `npm run docs:cli` and commit docs/cli.md with the help texts it follows.
  expect(current, "docs/cli.md is out of date: run npm run docs:cli").toBe(updatedCliDoc(current));
});

it("documents every command and subcommand, with help that does not depend on where it runs", () => {
  const texts = helpTexts();
  const names = texts.map((t) => t.name);
  for (const n of ["pixelloop", "pixelloop train", "pixelloop export masks", "pixelloop serve"])
    expect(names).toContain(n);
  for (const { name, help } of texts) {
    expect(help, name).not.toContain(process.cwd());
  }
  expect(fs.readFileSync(DOC, "utf8")).toContain(GENERATED_MARKER);
});

it("the README's CLI synopsis names only commands and options the help has", () => {
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
  const help = new Map(helpTexts().map((t) => [t.name, t.help]));
  const lines = readme.split("\n").filter((l) => l.startsWith("pixelloop "));
  expect(lines.length).toBeGreaterThan(5);
  for (const line of lines) {
    const words = line.replace(/#.*/, "").split(/\s+/);
    const name = words[1] === "export" ? words.slice(0, 3).join(" ") : words.slice(0, 2).join(" ");
    const text = help.get(name);
    expect(text, `${name} is not a command`).toBeDefined();
    for (const flag of line.replace(/#.*/, "").match(/--[a-z][a-z-]*/g) ?? [])
      expect(text, `${name} has no ${flag}`).toMatch(new RegExp(`(^|[ ,])${flag}\\b`, "m"));
  }
});
