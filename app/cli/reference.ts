/**
 * docs/cli.md's reference part, generated from the commands' own help (commander's help text of
 * `pixelloop` and of every subcommand), so the documented options are the ones the CLI has.
 * `npm run docs:cli` writes it (scripts/docs-cli.ts); reference.test.ts fails when the file
 * differs from what it would write.
 */
import type { Command } from "commander";
import { buildProgram } from "./main.ts";

/** The help is wrapped as `pixelloop ... --help` wraps it when its output is not a terminal. */
export const HELP_WIDTH = 80;

/** Everything after this line of docs/cli.md is generated; what is above it is written by hand. */
export const GENERATED_MARKER =
  "<!-- Generated below from the commands' help by `npm run docs:cli`; edit app/cli/, not this part. -->";

/** Each command's full name and help text, the program first, subcommands after their parent. */
export function helpTexts(): { name: string; help: string }[] {
  const texts: { name: string; help: string }[] = [];
  const walk = (cmd: Command, name: string) => {
    cmd.configureOutput({ getOutHelpWidth: () => HELP_WIDTH, getOutHasColors: () => false });
    texts.push({ name, help: cmd.helpInformation().trimEnd() });
    for (const sub of cmd.commands) walk(sub, `${name} ${sub.name()}`);
  };
  walk(buildProgram(), "pixelloop");
  return texts;
}

/** The generated part: one section per command, its help as printed. */
export function cliReference(): string {
  return helpTexts()
    .map(({ name, help }) => `### ${name}\n\n\`\`\`text\n${help}\n\`\`\`\n`)
    .join("\n");
}

/** docs/cli.md as `npm run docs:cli` writes it: its hand-written part kept, the rest generated. */
export function updatedCliDoc(current: string): string {
  const at = current.indexOf(GENERATED_MARKER);
  if (at < 0) throw new Error(`docs/cli.md has no line ${GENERATED_MARKER}`);
  return `${current.slice(0, at)}${GENERATED_MARKER}\n\n${cliReference()}`;
}
