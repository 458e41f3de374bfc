import { Command, CommanderError, Option } from "commander";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { classesFromNames, readClassesFile } from "../api/classes-file.ts";
import { importImages } from "../images/importer.ts";
import { exportMasks, importIndexMasks } from "../exchange/mask-files.ts";
import { progressBar } from "./progress.ts";
import type { Split } from "../store/types.ts";
import { createDemoProject } from "./demo.ts";
import { registerMlCommands } from "./ml-commands.ts";
import { registerServeCommand } from "./serve-command.ts";

/** Runs the CLI; returns the exit code (0 ok, 1 error, 2 usage). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UserError) {
      process.stderr.write(`pixelloop: ${e.message}\n`);
      return 1;
    }
    const err = e as Error;
    process.stderr.write(`pixelloop: ${err.message ?? String(e)}\n`);
    if (process.env.PIXELLOOP_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

function buildProgram(): Command {
  const program = new Command()
    .name("pixelloop")
    .description("Semantic segmentation with few labels: scribble, train, correct, repeat.")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError("(run pixelloop --help for usage)");

  program
    .command("init")
    .description("create a new project file")
    .argument("<project>", "project file to create (e.g. street.pxl)")
    .option("--classes-file <file>", "JSON file with classes (camvid-dev/classes.json shape)")
    .option("--classes <names>", "comma-separated class names, e.g. road,car,sky")
    .option("--name <name>", "project name (default: file name)")
    .option("--json", "machine-readable output")
    .action((project: string, o: { classesFile?: string; classes?: string; name?: string; json?: boolean }) => {
      if (!o.classesFile === !o.classes) throw new UserError("init: give exactly one of --classes-file FILE or --classes a,b,c");
      const classes = o.classesFile ? readClassesFile(o.classesFile) : classesFromNames(o.classes as string);
      const store = ProjectStore.create(project, {
        name: o.name ?? path.basename(project).replace(/\.[^.]+$/, ""),
        classes,
      });
      store.close();
      if (o.json) out(JSON.stringify({ project: path.resolve(project), classes: classes.length }));
      else out(`created ${project} with ${classes.length} classes: ${classes.map((c) => c.name).join(", ")}`);
    });

  program
    .command("import")
    .description("import image files or folders (recursive), optionally with label masks")
    .argument("<project>", "project file")
    .argument("<paths...>", "image files or folders")
    .option("--labels <dir>", "folder of class-index PNG masks, matched to images by file name")
    .addOption(new Option("--split <split>", "split for the imported images").choices(["train", "val", "test"]).default("train"))
    .option("--json", "machine-readable output")
    .action(async (project: string, paths: string[], o: { labels?: string; split: Split; json?: boolean }) => {
      const store = ProjectStore.open(project);
      try {
        const bar = progressBar("import", !o.json && process.stderr.isTTY === true);
        const summary = await importImages(store, paths, {
          split: o.split,
          onProgress: (p) => bar.update(p.done, p.total, path.basename(p.file)),
        });
        bar.stop();
        const ids = summary.imported.map((i) => i.id);
        const masks = o.labels ? importIndexMasks(store, o.labels, { imageIds: ids }) : null;
        if (o.json) {
          out(JSON.stringify({ ...summary, imported: summary.imported.length, masks }));
        } else {
          out(`imported ${summary.imported.length} images`);
          if (summary.duplicates.length) out(`skipped ${summary.duplicates.length} duplicates:`);
          for (const d of summary.duplicates) out(`  ${d.file}: ${d.reason}`);
          if (summary.skipped.length) out(`skipped ${summary.skipped.length} files:`);
          for (const s of summary.skipped) out(`  ${s.file}: ${s.reason}`);
          if (summary.ignored) out(`ignored ${summary.ignored} non-image files in the folders`);
          if (masks) {
            const px = masks.imported.reduce((a, m) => a + m.labeledPixels, 0);
            out(`labels: ${masks.imported.length} masks imported (${px} labeled pixels)`);
            if (masks.unlabeledValues) out(`  ${masks.unlabeledValues} pixels with values >= ${store.classes().length} (e.g. void) left unlabeled`);
            if (masks.withoutMask) out(`  ${masks.withoutMask} imported images have no mask in ${o.labels}`);
            for (const e of masks.errors) out(`  error: ${e.reason}`);
          }
        }
        if (masks && masks.errors.length > 0) process.exitCode = 1;
      } finally {
        store.close();
      }
    });

  program
    .command("status")
    .description("summarize a project: images, classes, labels")
    .argument("<project>", "project file")
    .option("--json", "machine-readable output")
    .action((project: string, o: { json?: boolean }) => {
      const store = ProjectStore.open(project, { readonly: true });
      try {
        const s = store.summary();
        const classes = store.classes();
        const fraction = s.totalPixels ? s.labeledPixels / s.totalPixels : 0;
        const status = {
          project: store.file,
          name: store.name,
          images: s.images,
          splits: s.bySplit,
          classes: classes.length,
          classNames: classes.map((c) => c.name),
          labeledImages: s.labeledImages,
          labeledPixels: s.labeledPixels,
          humanPixels: s.humanPixels,
          acceptedPixels: s.acceptedPixels,
          totalPixels: s.totalPixels,
          labeledFraction: fraction,
          strokes: s.strokes,
          models: s.models,
        };
        if (o.json) return out(JSON.stringify(status));
        out(`${status.name} (${store.file})`);
        out(`images:  ${s.images} (train ${s.bySplit.train}, val ${s.bySplit.val}, test ${s.bySplit.test}); ${s.labeledImages} with labels`);
        out(`classes: ${classes.length}: ${classes.map((c) => c.name).join(", ")}`);
        out(`labels:  ${s.labeledPixels} of ${s.totalPixels} pixels (${(fraction * 100).toFixed(2)}%); ${s.humanPixels} drawn, ${s.acceptedPixels} accepted from predictions`);
        out(`models:  ${s.models}`);
      } finally {
        store.close();
      }
    });

  const exp = program.command("export").description("export masks (and, later, models and datasets)");
  exp
    .command("masks")
    .description("write one PNG mask per image")
    .argument("<project>", "project file")
    .requiredOption("--out <dir>", "output folder")
    .addOption(new Option("--format <format>", "index: class index per pixel, 255 unlabeled; color: class colors").choices(["index", "color"]).default("index"))
    .option("--only-labeled", "skip images without labels")
    .option("--json", "machine-readable output")
    .action((project: string, o: { out: string; format: "index" | "color"; onlyLabeled?: boolean; json?: boolean }) => {
      const store = ProjectStore.open(project, { readonly: true });
      try {
        const bar = progressBar("export", !o.json && process.stderr.isTTY === true);
        const r = exportMasks(store, o.out, { format: o.format, onlyLabeled: o.onlyLabeled, onProgress: (d, t) => bar.update(d, t) });
        bar.stop();
        if (o.json) out(JSON.stringify({ written: r.written.length, out: path.resolve(o.out) }));
        else out(`wrote ${r.written.length} ${o.format} masks to ${o.out}`);
      } finally {
        store.close();
      }
    });

  program
    .command("demo")
    .description("create (if needed) and show the built-in demo project")
    .option("--dir <dir>", "where to put the demo project", path.join(process.cwd(), "demo-project"))
    .option("--serve", "then open it in the browser UI (pixelloop serve)")
    .option("--port <port>", "port for --serve")
    .option("--json", "machine-readable output")
    .action(async (o: { dir: string; serve?: boolean; port?: string; json?: boolean }) => {
      const file = await createDemoProject(o.dir);
      if (o.serve) {
        const serve = program.commands.find((c) => c.name() === "serve");
        if (!serve) throw new UserError("this build has no browser UI (serve command missing)");
        await program.parseAsync(["serve", file, ...(o.port ? ["--port", o.port] : [])], { from: "user" });
        return;
      }
      const store = ProjectStore.open(file, { readonly: true });
      try {
        const s = store.summary();
        if (o.json) return out(JSON.stringify({ project: file, images: s.images, labeledPixels: s.labeledPixels }));
        out(`demo project: ${file}`);
        out(`${s.images} images, ${s.labeledImages} with scribbles, ${store.classes().length} classes (${store.classes().map((c) => c.name).join(", ")})`);
        out(`next: npx pixelloop status ${path.relative(process.cwd(), file)}`);
      } finally {
        store.close();
      }
    });

  registerMlCommands(program);
  registerServeCommand(program);
  return program;
}
