/** train / predict / eval commands (issue 4). */
import fs from "node:fs";
import path from "node:path";
import { Option, type Command } from "commander";
import { UserError } from "../store/errors.ts";
import { readIndexPng } from "../exchange/index-png.ts";
import { describeBackend, initBackend, type BackendPreference } from "../ml/backend.ts";
import {
  keptParentMessage,
  unlabeledClassesWarning,
  type ProjectTrainOptions,
} from "../jobs/project-training.ts";
import {
  imageFilesIn,
  loadModel,
  maskName,
  predictProject,
  readImagePixels,
  UnreadableImageError,
} from "../jobs/project-prediction.ts";
import { predictProjectInWorker } from "../jobs/prediction-worker.ts";
import { predict } from "../ml/predict.ts";
import type { WorkingScaleChoice } from "../ml/working-scale.ts";
import { describeTerms } from "../ml/method-terms.ts";
import { ConfusionMatrix } from "../ml/metrics.ts";
import { progressBar } from "./progress.ts";
import { trainRound } from "../ops/train.ts";
import { err, out, reportSkipped, UsageError, withStore } from "./shared.ts";
import { ensureFolder } from "../exchange/folders.ts";
import { ProtectedFiles } from "../exchange/output-guard.ts";
import { allImageIds } from "../exchange/mask-files.ts";
import {
  planPredictionFiles,
  plannedPaths,
  writePredictionFiles,
  type PredictionFiles,
} from "../exchange/prediction-files.ts";
import { predictPreviewCommand, trainPreviewCommand } from "./preview-commands.ts";

function positive(name: string, value: string | undefined, integer = false): number | undefined {
  if (value == null) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`${name} must be a positive ${integer ? "integer" : "number"}, got "${value}"`);
  return n;
}

function cropSize(value: string): number | undefined {
  const n = positive("--size", value, true);
  if (n !== undefined && n % 16 !== 0)
    throw new UsageError(`--size must be a multiple of 16, got "${value}"`);
  return n;
}

/** `--x` / `--no-x` to an option override; neither given: undefined (the default applies). */
function term(flag: string | boolean | undefined): { enabled: boolean } | undefined {
  return typeof flag === "boolean" ? { enabled: flag } : undefined;
}

function fmtTime(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const BACKENDS = ["auto", "wasm", "cpu", "tfjs-node", "tfjs-node-gpu"];

export function registerMlCommands(program: Command): void {
  program
    .command("train")
    .description("train a segmentation model on the project's labels (stored in the project)")
    .argument("<project>", "project file")
    .option("--minutes <n>", "training time budget in minutes (default 10)")
    .option("--epochs <n>", "train for this many passes over the training images instead of a time budget")
    .option("--steps <n>", "train for exactly this many steps (reproducible; overrides --epochs, --minutes)")
    .addOption(new Option("--backend <name>", "tensor backend").choices(BACKENDS).default("auto"))
    .option("--size <n>", "training crop size in pixels at the working resolution (multiple of 16)", "128")
    .option(
      "--scale <factor>",
      "working resolution: resize images by this factor for the network (auto: short side ~192 px, more when a labeled class is thin)",
      "auto",
    )
    .option("--batch <n>", "images per step", "8")
    .addOption(new Option("--widths <list>", "encoder widths, e.g. 16,32,64,128 (advanced)").hideHelp())
    .option("--semi-supervised", "use the FixMatch term (default: see docs/learning.md)")
    .option("--no-semi-supervised", "do not use the FixMatch term")
    .option("--pixl", "use PiXL drift alignment")
    .option("--no-pixl", "do not use PiXL drift alignment")
    .option("--propagation", "spread scribbles to their superpixels before training")
    .option("--no-propagation", "do not spread scribbles to superpixels")
    .option("--forest-labels", "label what the pixel classifier is sure of before training")
    .option("--no-forest-labels", "do not take labels from the pixel classifier")
    .option("--crf", "use the CRF regularizer")
    .option("--no-crf", "do not use the CRF regularizer")
    .option("--seed <n>", "random seed", "1")
    .option(
      "--replicas <n>",
      "wasm: train on this many cores at once, each on a slice of at least 4 images of every batch (auto: one per core, at most 4; the same seed gives the same model with the same replicas)",
      "auto",
    )
    .option("--name <name>", "model name")
    .addOption(new Option("--checkpoint-every <steps>", "steps between checkpoints").default("20").hideHelp())
    .option(
      "--fine-tune",
      "start from the latest model instead of from scratch, at learning rate 3e-4 (faster rounds after corrections)",
    )
    .option(
      "--no-predict",
      "do not predict the project's images with the new model afterwards (nor pick the next queue)",
    )
    .option(
      "--preview",
      "train the live preview classifier instead (a random forest on filter features, in seconds; docs/live.md), store it and predict every image with it",
    )
    .option("--json", "machine-readable output (one JSON object on stdout)")
    .action(async (project: string, o: Record<string, string | boolean | undefined>) => {
      if (o.preview === true)
        return trainPreviewCommand(project, { predict: o.predict !== false, json: o.json === true });
      const json = o.json === true;
      const widths =
        typeof o.widths === "string"
          ? o.widths.split(",").map((w) => positive("--widths", w, true) as number)
          : undefined;
      const opts: ProjectTrainOptions = {
        minutes: positive("--minutes", o.minutes as string | undefined),
        epochs: positive("--epochs", o.epochs as string | undefined),
        steps: positive("--steps", o.steps as string | undefined, true),
        backend: o.backend as BackendPreference,
        size: cropSize(o.size as string),
        scale: o.scale === "auto" ? "auto" : positive("--scale", o.scale as string),
        batchSize: positive("--batch", o.batch as string, true),
        seed: positive("--seed", o.seed as string, true),
        replicas: o.replicas === "auto" ? "auto" : positive("--replicas", o.replicas as string, true),
        name: o.name as string | undefined,
        fineTuneFrom: o.fineTune ? "latest" : undefined,
        checkpointEvery: positive("--checkpoint-every", o.checkpointEvery as string, true),
        network: widths
          ? {
              widths,
              embeddingDim: Math.min(32, widths[0] * 2),
              projectionHidden: Math.min(32, widths[0] * 2),
            }
          : undefined,
        // Each term: on or off when the flag is given, else the method's default (DEFAULT_TERMS).
        method: {
          semiSupervised: term(o.semiSupervised),
          pixl: term(o.pixl),
          propagation: term(o.propagation),
          forestLabels: term(o.forestLabels),
          crf: term(o.crf),
        },
      };
      if (!fs.existsSync(project)) throw new UserError(`${project}: no such project file`);
      // The model fine-tuning starts from (the latest), said before training starts.
      const base = o.fineTune
        ? withStore(project, { readonly: true }, (store) => store.latestModelId() ?? null)
        : null;
      if (o.fineTune && !json)
        err(
          base === null
            ? "fine-tune: no model yet, so training starts from scratch"
            : `fine-tune: starting from model ${base}`,
        );
      const tty = !json && process.stderr.isTTY === true;
      const bar = progressBar("train", tty);
      let lastVal = "";
      let scaleChoice: WorkingScaleChoice | undefined;
      let pbar: ReturnType<typeof progressBar> | null = null;
      // As the app does after training: predict every image with the new model and pick the
      // next round's queue (in workers, the same core path as pixelloop predict). Not after
      // Ctrl+C: stopping means stop.
      const round = trainRound(
        {
          file: project,
          train: opts,
          predict: o.predict !== false,
          predictAfterStop: false,
          predictBackend: opts.backend,
        },
        {
          onData: (d) => {
            err(
              `data: ${d.trainImages} training images (${d.labeledImages} with labels, ${d.unlabeledImages} without), ${d.valImages} held-out; ` +
                `crops ${d.inputSize}px, batch ${d.batchSize}, ${d.steps != null ? `${d.steps} steps` : `${fmtTime(d.maxSeconds ?? 0)} budget`}`,
            );
            err(d.scaleChoice.reason);
            err(describeTerms(opts.method));
            scaleChoice = d.scaleChoice;
            if (d.unlabeledClasses.length) err(unlabeledClassesWarning(d.unlabeledClasses));
          },
          onBackend: (info) => err(describeBackend(info)),
          onPreparing: (what) => {
            err(`before the first step: ${what}`);
          },
          onProgress: (p) => {
            const losses = Object.entries(p.losses)
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(" ");
            bar.update(p.step, p.totalSteps, `ep ${p.epoch} ${losses}${lastVal} ETA ${fmtTime(p.etaSec)}`);
          },
          onValidation: (v) => {
            lastVal = ` val mIoU ${v.score.toFixed(3)}`;
            if (!tty && !json)
              err(
                `epoch ${v.epoch} step ${v.step}: held-out mIoU ${v.score.toFixed(3)}${v.best ? " (best)" : ""}`,
              );
          },
          onTrained: (r, predicting) => {
            bar.stop();
            reportSkipped(r.skipped);
            // The model learned from the rest: stored, but the run did only part of the work.
            if (r.skipped.length) process.exitCode = 1;
            for (const x of r.recovered ?? []) {
              err(
                `recovered an interrupted training run (${x.runId}): ${x.modelId === null ? "it had no checkpoint" : `its last checkpoint is model ${x.modelId}`}`,
              );
            }
            if (predicting) pbar = progressBar("predict", tty);
          },
          onPredictProgress: (d, t, name) => pbar?.update(d, t, name),
        },
      );
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        // While the new model predicts the project's images, Ctrl+C stops that instead.
        if (round.phase() === "predicting") {
          err("\nstopping the prediction (the model is stored; pixelloop predict predicts again)...");
          round.stop();
        } else if (interrupts === 1) {
          err("\ncancelling after the current step (Ctrl+C again to abort without saving)...");
          round.stop();
        } else process.exit(130);
      };
      process.on("SIGINT", onSigint);
      try {
        const { training: r, prediction, unread } = await round.outcome.finally(() => pbar?.stop());
        reportSkipped(unread);
        if (unread.length) process.exitCode = 1;
        if (json) {
          out(
            JSON.stringify({
              modelId: r.modelId,
              runId: r.runId,
              status: r.status,
              steps: r.stepsDone,
              seconds: r.seconds,
              backend: r.backend?.name,
              replicas: r.backend?.replicas ?? 1,
              workingScale: scaleChoice ?? null,
              validation: r.validation ?? null,
              keptParent: r.keptParent ?? null,
              losses: r.lastLosses,
              skipped: r.skipped,
              fineTunedFrom: base,
              prediction: prediction && {
                predicted: prediction.predicted,
                cancelled: prediction.cancelled,
                suggested: prediction.suggested,
                skipped: prediction.skipped,
              },
            }),
          );
        } else if (r.modelId == null) {
          out(`training cancelled before the first step; no model stored (run ${r.runId})`);
        } else {
          out(
            `${r.status === "cancelled" ? "cancelled; stored" : "stored"} model ${r.modelId} (${r.stepsDone} steps in ${fmtTime(r.seconds)}, backend ${r.backend?.name ?? "?"}${(r.backend?.replicas ?? 1) > 1 ? ` x${r.backend?.replicas} replicas` : ""})`,
          );
          if (r.validation)
            out(`held-out mIoU ${r.validation.score.toFixed(3)} (best check, step ${r.validation.step})`);
          if (r.keptParent) out(keptParentMessage(r.modelId, r.keptParent));
          out(
            `final losses: ${Object.entries(r.lastLosses)
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(", ")}`,
          );
          if (prediction === null)
            out(
              `not predicted: pixelloop predict ${project} predicts the images with model ${r.modelId} and pixelloop suggest ${project} picks the next queue`,
            );
          else if (prediction.cancelled || prediction.suggested === null)
            out(
              `predicted ${prediction.predicted} images with model ${r.modelId}${prediction.cancelled ? " (stopped)" : ""}; no queue picked: pixelloop suggest ${project} picks it`,
            );
          else
            out(
              `predicted ${prediction.predicted} images with model ${r.modelId}; next queue: ${prediction.suggested} images (pixelloop suggest ${project})`,
            );
        }
      } finally {
        bar.stop();
        process.off("SIGINT", onSigint);
      }
    });

  program
    .command("predict")
    .description(
      "predict masks with the latest model: for a folder of images (--images) or for the project's images (stored)",
    )
    .argument("<project>", "project file")
    .option(
      "--images <dir>",
      "folder of images to predict (default: the project's images, stored in the project)",
    )
    .option(
      "--out <dir>",
      "write one class-index PNG per image here (NAME.png; inputs sharing a stem keep their extension: a.jpg.png); never over an image",
    )
    .option(
      "--uncertainty",
      "also write NAME.entropy.png (8-bit normalized entropy) and NAME.margin.png (8-bit top-1 minus top-2 probability) next to each mask",
    )
    .addOption(new Option("--backend <name>", "tensor backend").choices(BACKENDS).default("auto"))
    .option(
      "--preview",
      "predict with the stored live preview classifier (train --preview) instead of the latest network",
    )
    .option("--json", "machine-readable output")
    .action(
      async (
        project: string,
        o: {
          images?: string;
          out?: string;
          uncertainty?: boolean;
          backend: BackendPreference;
          preview?: boolean;
          json?: boolean;
        },
      ) => {
        if (o.preview) return predictPreviewCommand(project, o);
        if (!fs.existsSync(project)) throw new UserError(`${project}: no such project file`);
        if (o.images && !o.out) throw new UsageError("predict: --images needs --out DIR");
        const bar = progressBar("predict", !o.json && process.stderr.isTTY === true);
        const uncertainty = o.uncertainty === true;
        if (o.images) {
          const files = imageFilesIn(o.images);
          if (files.length === 0)
            throw new UserError(
              `${o.images}: no images found (PNG, JPEG, TIFF or WebP; subfolders are not read)`,
            );
          const plan = planPredictionFiles(files, o.out as string, uncertainty);
          await initBackend(o.backend);
          const model = withStore(project, { readonly: true }, (store) => {
            const keep = ProtectedFiles.ofProject(store);
            for (const f of files) keep.add(f, "one of the input images (--images)");
            keep.check(plannedPaths(plan), o.out);
            return loadModel(store, undefined);
          });
          const skipped: { file: string; reason: string }[] = [];
          try {
            ensureFolder(o.out as string);
            for (const [i, file] of files.entries()) {
              bar.update(i + 1, files.length, path.basename(file));
              let p;
              try {
                p = await predictFile(model.net, file);
              } catch (e) {
                if (!(e instanceof UnreadableImageError)) throw e;
                skipped.push({ file: e.file, reason: e.reason });
                continue;
              }
              writePredictionFiles(p, plan[i]);
            }
          } finally {
            model.net.dispose();
            bar.stop();
          }
          const written = files.length - skipped.length;
          const renamed = renamedOutputs(plan, skipped);
          if (o.json)
            out(
              JSON.stringify({
                modelId: model.id,
                written,
                out: path.resolve(o.out as string),
                renamed,
                skipped,
              }),
            );
          else {
            out(`model ${model.id}: ${wroteMasks(written, uncertainty, o.out as string, renamed)}`);
            reportSkipped(skipped);
          }
          if (skipped.length) process.exitCode = 1;
          return;
        }
        // Without files to write, the app's path: workers predict (one per core on wasm), this thread stores.
        let written = 0;
        const renamed: { image: string; mask: string }[] = [];
        let r;
        if (o.out) {
          const outDir = o.out;
          const plan = withStore(project, { readonly: true }, (store) => {
            const images = allImageIds(store).map((id) => store.requireImage(id));
            const files = planPredictionFiles(
              images.map((img) => img.name),
              outDir,
              uncertainty,
            );
            ProtectedFiles.ofProject(store).check(plannedPaths(files), outDir);
            return new Map(images.map((img, k) => [img.id, files[k]]));
          });
          ensureFolder(outDir);
          r = await predictProject(project, {
            backend: o.backend,
            onProgress: (d, t, name) => bar.update(d, t, name),
            onPrediction: (img, p) => {
              const files = plan.get(img.id);
              if (!files) return; // imported while predicting: not planned, not written
              writePredictionFiles(p, files);
              written++;
              if (files.renamed) renamed.push({ image: img.name, mask: path.basename(files.mask) });
            },
          });
        } else
          r = await predictProjectInWorker(project, {
            backend: o.backend,
            onProgress: (d, t, name) => bar.update(d, t, name),
          });
        bar.stop();
        if (o.json)
          out(
            JSON.stringify({
              modelId: r.modelId,
              predicted: r.predicted,
              out: o.out ? path.resolve(o.out) : null,
              ...(o.out ? { written, renamed } : {}),
              skipped: r.skipped,
            }),
          );
        else {
          out(
            `model ${r.modelId}: stored predictions for ${r.predicted} images${o.out ? ` and ${wroteMasks(written, uncertainty, o.out, renamed)}` : ""}`,
          );
          reportSkipped(r.skipped);
        }
        if (r.skipped.length) process.exitCode = 1;
      },
    );

  program
    .command("eval")
    .description(
      "evaluate the latest model on images with ground-truth masks: per-class IoU, mean IoU, pixel accuracy",
    )
    .argument("<project>", "project file")
    .requiredOption("--images <dir>", "folder of images")
    .requiredOption("--gt <dir>", "folder of class-index PNG masks with the same names (.png)")
    .option("--void <n>", "ground-truth value to ignore (values >= number of classes are always ignored)")
    .option(
      "--binary",
      "binary ground truth of a two-class model (0/255 or 0/1): 0 is the first class, any other value the second",
    )
    .addOption(new Option("--backend <name>", "tensor backend").choices(BACKENDS).default("auto"))
    .option(
      "--json",
      'print {"miou", "pixelAccuracy", "perClassIou": [...]} (null for classes absent from both)',
    )
    .action(
      async (
        project: string,
        o: {
          images: string;
          gt: string;
          void?: string;
          binary?: boolean;
          backend: BackendPreference;
          json?: boolean;
        },
      ) => {
        if (!fs.existsSync(project)) throw new UserError(`${project}: no such project file`);
        const ignore = o.void == null ? undefined : Number(o.void);
        if (ignore != null && !(Number.isInteger(ignore) && ignore >= 0))
          throw new UsageError(`--void must be a class index, got "${o.void}"`);
        await initBackend(o.backend);
        const { classes, model } = withStore(project, { readonly: true }, (store) => ({
          classes: store.classes(),
          model: loadModel(store, undefined),
        }));
        const numClasses = model.net.config.numClasses;
        if (o.binary && numClasses !== 2) {
          model.net.dispose();
          throw new UsageError(
            `--binary: the model predicts ${numClasses} classes, binary ground truth needs 2`,
          );
        }
        let binaryLooking = 0;
        const files = imageFilesIn(o.images);
        if (files.length === 0)
          throw new UserError(
            `${o.images}: no images found (PNG, JPEG, TIFF or WebP; subfolders are not read)`,
          );
        const cm = new ConfusionMatrix(model.net.config.numClasses);
        const bar = progressBar("eval", !o.json && process.stderr.isTTY === true);
        try {
          for (const [i, file] of files.entries()) {
            const gtFile = path.join(o.gt, maskName(file));
            if (!fs.existsSync(gtFile)) throw new UserError(`${gtFile}: no ground-truth mask for ${file}`);
            let gt;
            try {
              gt = readIndexPng(gtFile);
            } catch (e) {
              throw new UserError((e as Error).message);
            }
            const p = await predictFile(model.net, file);
            if (gt.width !== p.width || gt.height !== p.height) {
              throw new UserError(
                `${gtFile}: mask is ${gt.width}x${gt.height}, image ${file} is ${p.width}x${p.height}`,
              );
            }
            if (o.binary) binaryGroundTruth(gt.values, ignore);
            else if (numClasses === 2 && looksBinary(gt.values)) binaryLooking++;
            cm.add(p.classMap, gt.values, ignore);
            bar.update(i + 1, files.length, path.basename(file));
          }
        } finally {
          bar.stop();
          model.net.dispose();
        }
        const m = cm.metrics();
        if (binaryLooking > 0)
          err(
            `${binaryLooking} ground-truth masks hold only 0 and 255 (binary masks?): 255 was ignored as void. If it marks "${classes[1]?.name ?? "the second class"}", run eval again with --binary`,
          );
        if (o.json) {
          out(JSON.stringify({ miou: m.miou, pixelAccuracy: m.pixelAccuracy, perClassIou: m.perClassIou }));
          return;
        }
        out(`model ${model.id} on ${files.length} images (${m.pixels} ground-truth pixels)`);
        const nameOf = (k: number) => classes.find((c) => c.idx === k)?.name ?? `class ${k}`;
        const width = Math.max(5, ...m.perClassIou.map((_, k) => nameOf(k).length));
        for (const [k, iou] of m.perClassIou.entries())
          out(`  ${nameOf(k).padEnd(width)}  ${iou == null ? "  -  (absent)" : iou.toFixed(3)}`);
        out(`mean IoU        ${m.miou.toFixed(3)}`);
        out(`pixel accuracy  ${m.pixelAccuracy.toFixed(3)}`);
      },
    );
}

/** Binary ground truth in place: 0 stays the first class, any other value (but `ignore`) the second. */
function binaryGroundTruth(values: Uint8Array | Uint16Array, ignore: number | undefined): void {
  for (let i = 0; i < values.length; i++) if (values[i] !== 0 && values[i] !== ignore) values[i] = 1;
}

/** Only 0 and 255, both present: a binary mask read as class indices loses its second class. */
function looksBinary(values: Uint8Array | Uint16Array): boolean {
  let zeros = 0;
  let full = 0;
  for (const v of values) {
    if (v === 0) zeros++;
    else if (v === 255) full++;
    else return false;
  }
  return zeros > 0 && full > 0;
}

async function predictFile(net: Parameters<typeof predict>[0], file: string) {
  const px = await readImagePixels(file);
  return predict(net, { pixels: px.data, width: px.width, height: px.height, channels: px.channels });
}

/** The inputs whose masks are named with their extension (or a number), the skipped ones left out. */
function renamedOutputs(
  plan: PredictionFiles[],
  skipped: { file: string }[],
): { image: string; mask: string }[] {
  const left = new Set(skipped.map((s) => s.file));
  return plan
    .filter((f) => f.renamed && !left.has(f.input))
    .map((f) => ({ image: f.input, mask: path.basename(f.mask) }));
}

/** "wrote 3 masks (and their entropy and margin maps) to DIR", and which were named differently. */
function wroteMasks(
  written: number,
  uncertainty: boolean,
  outDir: string,
  renamed: { image: string; mask: string }[],
): string {
  const maps = uncertainty ? " and their entropy and margin maps" : "";
  const text = `wrote ${written} ${written === 1 ? "mask" : "masks"}${maps} to ${outDir}`;
  if (renamed.length === 0) return text;
  const e = renamed[0];
  return `${text}; ${renamed.length} share a name stem with another input, so their masks are named apart (${path.basename(e.image)} -> ${e.mask})`;
}
