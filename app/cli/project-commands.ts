/**
 * Changing what a project holds after the start:
 * `pixelloop classes P [add NAME | rename CLASS NAME | color CLASS #RRGGBB]` lists the classes, adds
 * one at the next index, renames or recolors one (CLASS: its name or index; labels keep their index);
 * `pixelloop remove P IMAGE...` takes images out (the files stay on disk); `pixelloop split P SPLIT
 * IMAGE...` moves them between train, val and test.
 */
import { Argument, type Command } from "commander";
import { addClass, editClass } from "../ops/classes.ts";
import type { ClassDef, Split } from "../common/project-types.ts";
import { count, findImage, out, withStore } from "./shared.ts";

const USAGE = "classes P [add NAME [--color #RRGGBB] | rename CLASS NAME | color CLASS #RRGGBB]";

export function registerProjectCommands(program: Command): void {
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
          if (action === "add") changed = addClass(store, args[0], o.color);
          else if (action === "rename") changed = editClass(store, args[0], { name: args[1] });
          else if (action === "color") changed = editClass(store, args[0], { color: args[1] });
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

  program
    .command("remove")
    .description("take images out of the project with their labels and predictions (the files stay on disk)")
    .argument("<project>", "project file")
    .argument("<images...>", "image file names, the paths they were imported from, or ids")
    .option("--json", "machine-readable output")
    .action((project: string, images: string[], o: { json?: boolean }) => {
      withStore(project, {}, (store) => {
        // Every name is looked up before anything is removed: a typo removes nothing.
        const ids = images.map((ref) => findImage(store, ref).id);
        const rows = store.removeImages(ids);
        const labeled = rows.reduce((n, r) => n + r.labeledPixels, 0);
        if (o.json)
          return out(
            JSON.stringify({ removed: rows.length, names: rows.map((r) => r.name), labeledPixels: labeled }),
          );
        out(
          `removed ${rows.length} image${rows.length === 1 ? "" : "s"} from ${store.file} (the files stay on disk)${labeled ? `, with their ${count(labeled)} labeled pixels` : ""}: ${rows.map((r) => r.name).join(", ")}`,
        );
      });
    });

  program
    .command("split")
    .description("move images to train, val or test (labels stay; val images measure the model)")
    .argument("<project>", "project file")
    .addArgument(new Argument("<split>", "where the images go").choices(["train", "val", "test"]))
    .argument("<images...>", "image file names, the paths they were imported from, or ids")
    .option("--json", "machine-readable output")
    .action((project: string, split: Split, images: string[], o: { json?: boolean }) => {
      withStore(project, {}, (store) => {
        const ids = images.map((ref) => findImage(store, ref).id);
        const changed = store.setSplits(ids, split);
        if (o.json) return out(JSON.stringify({ changed, split }));
        out(
          `moved ${changed} image${changed === 1 ? "" : "s"} to ${split}${changed < ids.length ? ` (${ids.length - changed} already there)` : ""}`,
        );
      });
    });
}
