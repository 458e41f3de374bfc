/**
 * `pixelloop classes P [add NAME | rename CLASS NAME | color CLASS #RRGGBB]`: list the classes, add
 * one at the next index, rename or recolor one (CLASS: its name or index). Labels keep their index.
 */
import type { Command } from "commander";
import { UserError } from "../store/errors.ts";
import { paletteColor } from "../api/palette.ts";
import type { ClassDef } from "../store/types.ts";
import { out, withStore } from "./shared.ts";

const COLOR = /^#[0-9a-fA-F]{6}$/;
const USAGE = "classes P [add NAME [--color #RRGGBB] | rename CLASS NAME | color CLASS #RRGGBB]";

function color(value: string, what: string): string {
  if (!COLOR.test(value)) throw new UserError(`${what}: expected a color like #ff8800, got "${value}"`);
  return value;
}

export function registerClassesCommand(program: Command): void {
  const cmd = program
    .command("classes")
    .description("list the classes; add one, rename or recolor one (labels keep their class)")
    .argument("<project>", "project file")
    .argument("[action]", "add | rename | color")
    .argument("[args...]", "add NAME | rename CLASS NAME | color CLASS #RRGGBB (CLASS: name or index)")
    .option("--color <color>", "with add: the new class's color (default: the palette's next)")
    .option("--json", "machine-readable output")
    .action(
      (
        project: string,
        action: string | undefined,
        args: string[],
        o: { color?: string; json?: boolean },
      ) => {
        const arity = { add: 1, rename: 2, color: 2 } as Record<string, number>;
        if (action !== undefined && (arity[action] === undefined || args.length !== arity[action]))
          cmd.error(`error: usage: pixelloop ${USAGE}`, { exitCode: 2 });
        if (o.color !== undefined && action !== "add")
          cmd.error("error: --color goes with add", { exitCode: 2 });
        withStore(project, { readonly: action === undefined }, (store) => {
          let changed: ClassDef | null = null;
          if (action === "add")
            changed = store.addClass(
              args[0],
              o.color === undefined ? paletteColor(store.classes().length) : color(o.color, "--color"),
            );
          else if (action === "rename")
            changed = store.updateClass(store.findClass(args[0]).idx, { name: args[1] });
          else if (action === "color")
            changed = store.updateClass(store.findClass(args[0]).idx, { color: color(args[1], "color") });
          const classes = store.classes();
          if (o.json) return out(JSON.stringify({ classes, changed }));
          if (action === "add" && changed)
            out(
              `added class ${changed.idx} "${changed.name}"; models made before it do not predict it: train from scratch (not fine-tuning) to learn it`,
            );
          for (const c of classes)
            out(`${String(c.idx).padStart(3)}  ${c.color}  ${c.shortcut ?? " "}  ${c.name}`);
        });
      },
    );
}
