import { Command, CommanderError, Option } from "commander";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { classesFromNames, readClassesFile } from "../exchange/classes-file.ts";
import { importLabels, importWithMasks } from "../ops/import.ts";
import type { UnmatchedMask } from "../exchange/mask-files.ts";
import { progressBar } from "./progress.ts";
import type { Split } from "../common/project-types.ts";
import { createDemoProject, openDemoProject } from "../ops/demo.ts";
import { createProject } from "../ops/project.ts";
import { importModelFolder } from "../ops/models.ts";
import { MASK_SOURCES, type MaskSource } from "../exchange/mask-source.ts";
import { exportDatasetFolder, exportMaskFiles, exportModelFolder } from "../ops/export.ts";
import { registerMlCommands } from "./ml-commands.ts";
import { registerServeCommand } from "./serve-command.ts";
import { registerLoopCommands } from "./loop-commands.ts";
import { registerProjectCommands } from "./project-commands.ts";
import { count, out, plural, reportSkipped, UsageError, withStore } from "./shared.ts";
import { projectStatus } from "../ops/status.ts";
import { exportPreviewCommand } from "./preview-commands.ts";

let pipeGuarded = false;

/** Runs the CLI; returns the exit code (0 ok, 1 error, 2 usage). Tests call it in-process too. */
export async function main(argv: string[]): Promise<number> {
  // Output piped into a reader that stops early (`| head`): the rest is not wanted; stop quietly.
  // Once per process: main may run many times in one (the CLI tests).
  if (!pipeGuarded) {
    pipeGuarded = true;
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(0);
      throw e;
    });
  }
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A command that did part of its work (e.g. skipped unreadable files) sets process.exitCode.
    return Number(process.exitCode ?? 0);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UserError) {
      process.stderr.write(`pixelloop: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    const err = e as Error;
    process.stderr.write(`pixelloop: ${err.message ?? String(e)}\n`);
    if (process.env.PIXELLOOP_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

const BINARY_HELP =
  "binary masks of a two-class project (0/255 or 0/1): 0 is the first class, any other value the second";

/** What to do about masks whose 255 looked like the second class, not "unlabeled". */
function binaryHint(store: ProjectStore, masks: number, command: string): string {
  const second = store.classes()[1]?.name ?? "the second class";
  return `  ${masks} masks hold only 0 and 255 (binary masks?): 255 was left unlabeled. If it marks "${second}", import them again: pixelloop ${command} --binary`;
}

/** Unmatched files shown before "and N more". */
const UNMATCHED_SHOWN = 20;

/** Files of a masks folder that no image took: named, one a line (all of them with --json). */
function outUnmatched(unmatched: UnmatchedMask[], indent: string): void {
  if (unmatched.length === 0) return;
  out(`${indent}${plural(unmatched.length, "file")} of the masks folder not imported (no image takes them):`);
  for (const u of unmatched.slice(0, UNMATCHED_SHOWN)) out(`${indent}  ${u.reason}`);
  if (unmatched.length > UNMATCHED_SHOWN)
    out(`${indent}  and ${unmatched.length - UNMATCHED_SHOWN} more (--json lists them all)`);
}

function parseId(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer, got "${v}"`);
  return n;
}

/** The `pixelloop` command with every subcommand (also what docs/cli.md is generated from). */
export function buildProgram(): Command {
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
    .action(
      (project: string, o: { classesFile?: string; classes?: string; name?: string; json?: boolean }) => {
        if (!o.classesFile === !o.classes)
          throw new UsageError("init: give exactly one of --classes-file FILE or --classes a,b,c");
        const classes = o.classesFile
          ? readClassesFile(o.classesFile)
          : classesFromNames(o.classes as string);
        createProject(project, { name: o.name, classes }).close();
        if (o.json) out(JSON.stringify({ project: path.resolve(project), classes: classes.length }));
        else
          out(`created ${project} with ${classes.length} classes: ${classes.map((c) => c.name).join(", ")}`);
      },
    );

  program
    .command("import")
    .description("import image files or folders (recursive), optionally with label masks")
    .argument("<project>", "project file")
    .argument("<paths...>", "image files or folders")
    .option("--labels <dir>", "folder of class-index PNG masks, matched to images by file name")
    .option("--binary", BINARY_HELP)
    .addOption(
      new Option("--split <split>", "split for the imported images")
        .choices(["train", "val", "test"])
        .default("train"),
    )
    .option("--json", "machine-readable output")
    .action(
      async (
        project: string,
        paths: string[],
        o: { labels?: string; binary?: boolean; split: Split; json?: boolean },
      ) => {
        if (o.binary && !o.labels)
          throw new UsageError("import: --binary applies to the masks of --labels DIR");
        return withStore(project, {}, async (store) => {
          const bar = progressBar("import", !o.json && process.stderr.isTTY === true);
          const r = await importWithMasks(store, {
            paths,
            split: o.split,
            labels: o.labels,
            binary: o.binary,
            onProgress: (p) => bar.update(p.done, p.total, path.basename(p.file)),
          }).finally(() => bar.stop());
          const { images: summary, masks } = r;
          if (o.json) {
            out(JSON.stringify({ ...summary, imported: summary.imported.length, masks }));
          } else {
            out(`imported ${plural(summary.imported.length, "image")}`);
            if (summary.relinked.length)
              out(`found ${summary.relinked.length} moved images again (their labels kept):`);
            for (const r of summary.relinked) out(`  ${r.from} -> ${r.file}`);
            if (summary.excluded)
              out(
                `left out ${summary.excluded} images in the --labels folder ${o.labels} (they are the masks)`,
              );
            // The same files imported again (a folder again, for its masks): one line, not one each.
            const again = summary.duplicates.filter((d) => d.sameFile).length;
            if (again) out(`${plural(again, "image")} already in the project (same files)`);
            const others = summary.duplicates.filter((d) => !d.sameFile);
            if (others.length) out(`skipped ${plural(others.length, "duplicate")}:`);
            for (const d of others) out(`  ${d.file}: ${d.reason}`);
            if (summary.skipped.length) out(`skipped ${summary.skipped.length} files:`);
            for (const s of summary.skipped) out(`  ${s.file}: ${s.reason}`);
            if (summary.ignored) out(`ignored ${summary.ignored} non-image files in the folders`);
            if (masks) {
              // What the masks hold and added, not the images' totals (their earlier labels included).
              const { maskPixels: px, addedPixels: added } = r;
              out(
                `labels: ${plural(masks.imported.length, "mask")} imported (${count(px)} labeled pixels${added === px ? "" : `, ${count(added)} of them newly labeled, the rest were labeled already`})`,
              );
              if (masks.unlabeledValues)
                out(
                  `  ${count(masks.unlabeledValues)} mask pixels left unlabeled (value 255, or >= ${store.classes().length} such as a void class)`,
                );
              if (masks.withoutMask)
                out(`  ${masks.withoutMask} imported images have no mask in ${o.labels}`);
              if (masks.binaryLooking)
                out(binaryHint(store, masks.binaryLooking, `import-masks ${project} ${o.labels}`));
              for (const e of masks.errors) out(`  error: ${e.reason}`);
              outUnmatched(masks.unmatched, "  ");
            }
          }
          // The loop works from predictions: new images have none until the model predicts them.
          const model = store.latestModelId();
          if (!o.json && summary.imported.length > 0 && model !== undefined)
            out(
              `${plural(summary.imported.length, "new image")} without a prediction of model ${model}: pixelloop predict ${project} (or "Predict new images" in the app's training panel)`,
            );
          if (summary.skipped.length > 0 || (masks && masks.errors.length > 0)) process.exitCode = 1;
        });
      },
    );

  program
    .command("status")
    .description("summarize a project: images, classes, labels")
    .argument("<project>", "project file")
    .option("--json", "machine-readable output")
    .action((project: string, o: { json?: boolean }) => {
      return withStore(project, { readonly: true }, (store) => {
        const { status: s, unpredictedModel: unpredicted } = projectStatus(store);
        if (o.json) return out(JSON.stringify(s));
        out(`${s.name} (${store.file})`);
        out(
          `images:  ${s.images} (train ${s.splits.train}, val ${s.splits.val}, test ${s.splits.test}); ${s.labeledImages} with labels`,
        );
        out(`classes: ${s.classes}: ${s.classNames.join(", ")}`);
        out(
          `labels:  ${count(s.labeledPixels)} of ${count(s.totalPixels)} pixels (${(s.labeledFraction * 100).toFixed(2)}%); ${count(s.humanPixels)} drawn, ${count(s.acceptedPixels)} accepted from predictions`,
        );
        const splits = Object.entries(s.labelsBySplit);
        if (splits.length > 1)
          out(
            "         " +
              splits
                .map(
                  ([split, c]) =>
                    `${split} ${count(c.labeledPixels)} px on ${c.labeledImages} images (${((100 * c.labeledPixels) / Math.max(1, c.totalPixels)).toFixed(2)}%)`,
                )
                .join(", "),
          );
        if (s.labelsByPerson.length > 0)
          out(
            "people:  " +
              s.labelsByPerson
                .map(
                  (p) =>
                    `${p.person} ${count(p.humanPixels + p.acceptedPixels)} px (${count(p.humanPixels)} drawn, ${count(p.acceptedPixels)} accepted)`,
                )
                .join(", "),
          );
        out(`models:  ${s.models}`);
        // The queue belongs to the newest predictions; a newer model has none yet (train --no-predict).
        if (unpredicted !== null)
          out(`         model ${unpredicted} has no predictions yet: pixelloop predict ${project}`);
        if (s.queue)
          out(
            `round:   ${s.queue.worked} of ${s.queue.images} suggested images worked on since the queue was picked (pixelloop suggest)`,
          );
      });
    });

  registerProjectCommands(program);

  const exp = program
    .command("export")
    .description("export masks, datasets and models in formats other tools read");
  const sourceOption = () =>
    new Option(
      "--source <source>",
      "which pixels: labels (drawn + accepted), human, accepted, predictions, completed (labels, predictions elsewhere)",
    )
      .choices([...MASK_SOURCES])
      .default("labels");
  exp
    .command("masks")
    .description("write masks: one PNG per image (index or color), or one COCO JSON file")
    .argument("<project>", "project file")
    .requiredOption("--out <dir>", "output folder")
    .addOption(
      new Option(
        "--format <format>",
        "index: class index per pixel, 255 unlabeled; color: class colors + legend.json; coco: coco.json with RLE",
      )
        .choices(["index", "color", "coco"])
        .default("index"),
    )
    .addOption(sourceOption())
    .option("--only-labeled", "skip images without labels (index and color)")
    .option("--json", "machine-readable output")
    .action(
      (
        project: string,
        o: {
          out: string;
          format: "index" | "color" | "coco";
          source: MaskSource;
          onlyLabeled?: boolean;
          json?: boolean;
        },
      ) => {
        return withStore(project, { readonly: true }, async (store) => {
          const bar = progressBar("export", !o.json && process.stderr.isTTY === true);
          const r = await exportMaskFiles(store, o.out, {
            format: o.format,
            source: o.source,
            onlyLabeled: o.onlyLabeled,
            onProgress: (d, t) => bar.update(d, t),
          }).finally(() => bar.stop());
          if (r.file !== undefined) {
            const coco = { images: r.written, annotations: r.annotations };
            if (o.json) out(JSON.stringify({ file: path.resolve(r.file), ...coco }));
            else out(`wrote ${r.file}: ${coco.images} images, ${coco.annotations} annotations (${o.source})`);
          } else if (o.json) out(JSON.stringify({ written: r.written, out: path.resolve(o.out) }));
          else out(`wrote ${r.written} ${o.format} masks (${o.source}) to ${o.out}`);
        });
      },
    );
  exp
    .command("dataset")
    .description("write a Pascal-VOC-like dataset folder: images, masks, split lists, classes")
    .argument("<project>", "project file")
    .requiredOption("--out <dir>", "output folder")
    .addOption(sourceOption())
    .option("--only-labeled", "leave out images without labels")
    .option("--json", "machine-readable output")
    .action(
      (project: string, o: { out: string; source: MaskSource; onlyLabeled?: boolean; json?: boolean }) => {
        return withStore(project, { readonly: true }, async (store) => {
          const bar = progressBar("export", !o.json && process.stderr.isTTY === true);
          const { outDir: _, ...r } = await exportDatasetFolder(store, o.out, {
            source: o.source,
            onlyLabeled: o.onlyLabeled,
            onProgress: (d, t) => bar.update(d, t),
          }).finally(() => bar.stop());
          if (o.json) out(JSON.stringify({ out: path.resolve(o.out), ...r }));
          else
            out(
              `wrote dataset to ${o.out}: ${r.images} images (train ${r.splits.train}, val ${r.splits.val}, test ${r.splits.test})`,
            );
          reportSkipped(r.skipped);
          // The rest is written, but the dataset lacks these images.
          if (r.skipped.length) process.exitCode = 1;
        });
      },
    );
  exp
    .command("model")
    .description(
      "write a trained network as a TensorFlow.js layers-model folder + metadata.json (--preview: the live preview classifier as JSON instead)",
    )
    .argument("<project>", "project file")
    .requiredOption("--out <dir>", "output folder")
    .option("--model <id>", "model id (default: the latest)")
    .option(
      "--preview",
      "write the live preview classifier (a random forest, not a TF.js model) as pixel-classifier.json",
    )
    .option("--json", "machine-readable output")
    .action(
      async (project: string, o: { out: string; model?: string; preview?: boolean; json?: boolean }) => {
        if (o.preview) return exportPreviewCommand(project, o);
        return withStore(project, { readonly: true }, async (store) => {
          const modelId = o.model === undefined ? undefined : parseId(o.model, "--model");
          const r = await exportModelFolder(store, o.out, { modelId, backend: "auto" });
          if (o.json) out(JSON.stringify({ out: path.resolve(o.out), modelId: r.modelId }));
          else
            out(
              `wrote network ${r.modelId} as a TF.js model to ${o.out} (model.json, weights.bin, metadata.json)` +
                (store.preview.trainedAt()
                  ? "; the live preview classifier is not a TF.js model: export model --preview writes it as JSON"
                  : ""),
            );
        });
      },
    );

  program
    .command("import-masks")
    .description("import labels: a folder of index or color PNGs (matched by file name), or a COCO JSON file")
    .argument("<project>", "project file")
    .argument("<source>", "folder of PNG masks, or FILE.json (COCO)")
    .addOption(
      new Option("--format <format>", "index | color | coco (default: coco for .json, else index)").choices([
        "index",
        "color",
        "coco",
      ]),
    )
    .option(
      "--color-map <file>",
      "classes file whose colors map to class indices (color format; default: the project's colors)",
    )
    .option("--binary", BINARY_HELP)
    .option("--json", "machine-readable output")
    .action(
      async (
        project: string,
        src: string,
        o: { format?: "index" | "color" | "coco"; colorMap?: string; binary?: boolean; json?: boolean },
      ) => {
        const format = o.format ?? (src.toLowerCase().endsWith(".json") ? "coco" : "index");
        if (o.binary && format !== "index") throw new UsageError("--binary applies to index masks only");
        return withStore(project, {}, async (store) => {
          const done = await importLabels(store, src, {
            format,
            colorMapFile: format !== "coco" ? o.colorMap : undefined,
            binary: o.binary,
          });
          if (done.format === "coco") {
            const r = done.coco;
            if (o.json) out(JSON.stringify(r));
            else
              out(
                `imported ${r.annotations} annotations into ${r.images} images (${count(r.labeledPixels)} labeled pixels)`,
              );
            return;
          }
          const r = done.masks;
          if (o.json) out(JSON.stringify(r));
          else {
            out(
              `imported ${r.imported.length} masks; ${count(r.unlabeledValues)} pixels left unlabeled (void, 255 or unknown colors); ${r.withoutMask} images without a mask`,
            );
            if (r.binaryLooking) out(binaryHint(store, r.binaryLooking, `import-masks ${project} ${src}`));
            for (const e of r.errors) out(`  error: ${e.reason}`);
            outUnmatched(r.unmatched, "");
          }
          if (r.errors.length) process.exitCode = 1;
        });
      },
    );

  program
    .command("import-model")
    .description("import a model folder written by export model (classes must match)")
    .argument("<project>", "project file")
    .argument("<dir>", "model folder")
    .option("--json", "machine-readable output")
    .action(async (project: string, dir: string, o: { json?: boolean }) => {
      return withStore(project, {}, async (store) => {
        const r = await importModelFolder(store, dir, { backend: "auto" });
        if (o.json) out(JSON.stringify({ modelId: r.modelId }));
        else out(`imported model from ${dir} as model ${r.modelId}`);
      });
    });

  program
    .command("demo")
    .description("create (if needed) and show the built-in demo project")
    .addOption(
      new Option("--dir <dir>", "where to put the demo project").default(
        path.join(process.cwd(), "demo-project"),
        "demo-project in the current folder",
      ),
    )
    .option("--serve", "then open it in the browser UI (pixelloop serve)")
    .option("--port <port>", "port for --serve")
    .option("--json", "machine-readable output")
    .action(async (o: { dir: string; serve?: boolean; port?: string; json?: boolean }) => {
      if (o.serve) {
        const file = await createDemoProject(o.dir);
        const serve = program.commands.find((c) => c.name() === "serve");
        if (!serve) throw new UserError("this build has no browser UI (serve command missing)");
        await program.parseAsync(["serve", file, ...(o.port ? ["--port", o.port] : [])], { from: "user" });
        return;
      }
      const demo = await openDemoProject(o.dir);
      if (o.json)
        return out(
          JSON.stringify({ project: demo.file, images: demo.images, labeledPixels: demo.labeledPixels }),
        );
      out(`demo project: ${demo.file}`);
      out(
        `${demo.images} images, ${demo.labeledImages} with scribbles, ${demo.classNames.length} classes (${demo.classNames.join(", ")})`,
      );
      out(`next: npx pixelloop status ${path.relative(process.cwd(), demo.file)}`);
    });

  registerMlCommands(program);
  registerLoopCommands(program);
  registerServeCommand(program);
  return program;
}
