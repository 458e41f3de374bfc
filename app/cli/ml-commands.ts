/** train / predict / eval commands (issue 4). */
import path from "node:path";
import { Option, type Command } from "commander";
import { describeBackend, type BackendPreference } from "../ml/engine/backend.ts";
import {
  keptParentMessage,
  unlabeledClassesWarning,
  type ProjectTrainOptions,
} from "../jobs/project-training.ts";
import type { WorkingScaleChoice } from "../ml/training/working-scale.ts";
import { describeTerms } from "../common/method-terms.ts";
import { progressBar } from "./progress.ts";
import { fineTuneStartModel, trainRound } from "../ops/train.ts";
import { predictFolder, predictProjectImages } from "../ops/predict.ts";
import { evaluateFolder } from "../ops/evaluate.ts";
import { err, out, reportSkipped, UsageError } from "./shared.ts";
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
    .option("--self-training", "label, per class, the superpixels the model is surest of, at half the budget")
    .option("--no-self-training", "no self-training rounds")
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
          selfTraining: term(o.selfTraining),
        },
      };
      // The model fine-tuning starts from (the latest), said before training starts.
      const base = fineTuneStartModel(project, o.fineTune === true);
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
          onSelfTraining: (r) => {
            if (!json)
              err(`step ${r.step}: a self-training round labeled ${r.added} pixels in ${r.images} images`);
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
        if (o.images && !o.out) throw new UsageError("predict: --images needs --out DIR");
        const bar = progressBar("predict", !o.json && process.stderr.isTTY === true);
        const uncertainty = o.uncertainty === true;
        const onProgress = (d: number, t: number, name: string) => bar.update(d, t, name);
        if (o.images) {
          const r = await predictFolder(project, {
            images: o.images,
            out: o.out as string,
            uncertainty,
            backend: o.backend,
            onProgress,
          }).finally(() => bar.stop());
          if (o.json)
            out(
              JSON.stringify({
                modelId: r.modelId,
                written: r.written,
                out: r.out,
                renamed: r.renamed,
                skipped: r.skipped,
              }),
            );
          else {
            out(`model ${r.modelId}: ${wroteMasks(r.written, uncertainty, o.out as string, r.renamed)}`);
            reportSkipped(r.skipped);
          }
          if (r.skipped.length) process.exitCode = 1;
          return;
        }
        const r = await predictProjectImages(project, {
          out: o.out,
          uncertainty,
          backend: o.backend,
          onProgress,
        });
        bar.stop();
        if (o.json)
          out(
            JSON.stringify({
              modelId: r.modelId,
              predicted: r.predicted,
              out: r.out,
              ...(o.out ? { written: r.written, renamed: r.renamed } : {}),
              skipped: r.skipped,
            }),
          );
        else {
          out(
            `model ${r.modelId}: stored predictions for ${r.predicted} images${o.out ? ` and ${wroteMasks(r.written, uncertainty, o.out, r.renamed)}` : ""}`,
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
        const ignore = o.void == null ? undefined : Number(o.void);
        if (ignore != null && !(Number.isInteger(ignore) && ignore >= 0))
          throw new UsageError(`--void must be a class index, got "${o.void}"`);
        const bar = progressBar("eval", !o.json && process.stderr.isTTY === true);
        const r = await evaluateFolder(project, {
          images: o.images,
          gt: o.gt,
          ignore,
          binary: o.binary,
          backend: o.backend,
          onProgress: (d, t, name) => bar.update(d, t, name),
        }).finally(() => bar.stop());
        if (r.kind === "not-two-classes")
          throw new UsageError(
            `--binary: the model predicts ${r.numClasses} classes, binary ground truth needs 2`,
          );
        const { classes, metrics: m } = r;
        if (r.binaryLooking > 0)
          err(
            `${r.binaryLooking} ground-truth masks hold only 0 and 255 (binary masks?): 255 was ignored as void. If it marks "${classes[1]?.name ?? "the second class"}", run eval again with --binary`,
          );
        if (o.json) {
          out(JSON.stringify({ miou: m.miou, pixelAccuracy: m.pixelAccuracy, perClassIou: m.perClassIou }));
          return;
        }
        out(`model ${r.modelId} on ${r.images} images (${m.pixels} ground-truth pixels)`);
        const nameOf = (k: number) => classes.find((c) => c.idx === k)?.name ?? `class ${k}`;
        const width = Math.max(5, ...m.perClassIou.map((_, k) => nameOf(k).length));
        for (const [k, iou] of m.perClassIou.entries())
          out(`  ${nameOf(k).padEnd(width)}  ${iou == null ? "  -  (absent)" : iou.toFixed(3)}`);
        out(`mean IoU        ${m.miou.toFixed(3)}`);
        out(`pixel accuracy  ${m.pixelAccuracy.toFixed(3)}`);
      },
    );
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
