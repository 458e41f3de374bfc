import { Option, type Command } from "commander";
import { UserError } from "../store/errors.ts";
import {
  DEFAULT_EMBEDDINGS,
  DEFAULT_SPREAD_CLASSES,
  DEFAULT_TYPICAL,
  DEFAULT_RANDOM_REGIONS,
  type Strategy,
  type UncertaintyMeasure,
} from "../loop/suggest.ts";
import { latestClassIou, listRounds } from "../loop/rounds.ts";
import { DEFAULT_REGION_DIVERSE } from "../loop/scoring.ts";
import { AS_HELP, cliPerson, count, findImage, out, UsageError, withStore } from "./shared.ts";
import { suggestions } from "../loop/shown-queue.ts";
import type { ProjectStore } from "../store/project-store.ts";
import { suggestNext, type QueueProgress } from "../ops/suggest.ts";
import { acceptOnImage, type AcceptHow } from "../ops/accept.ts";

/** undefined where neither --x nor --no-x was given: the core's default applies */
interface SuggestCliOptions {
  n: string;
  strategy: Strategy;
  coverage?: boolean;
  classBalance?: boolean;
  diverseRegions?: boolean;
  spreadClasses?: boolean;
  embeddings?: boolean;
  typical?: boolean;
  randomRegions?: boolean;
  measure: UncertaintyMeasure;
  repick?: boolean;
  json?: boolean;
}

/** The options that change how `suggest` picks: given, the queue is picked anew. */
const PICKING_OPTIONS = [
  "strategy",
  "measure",
  "coverage",
  "classBalance",
  "diverseRegions",
  "spreadClasses",
  "embeddings",
  "typical",
  "randomRegions",
];

interface Printable {
  imageId: number;
  image: string;
  rank: number;
  score: number;
  regions: { id: number; x: number; y: number; width: number; height: number; score: number }[];
}

/** One suggestion as `suggest --json` prints it (the documented shape, plus the region id). */
function jsonItem(s: Printable) {
  return {
    image: s.image,
    score: s.score,
    regions: s.regions.map((r) => ({
      id: r.id,
      x: r.x,
      y: r.y,
      width: r.width,
      height: r.height,
      score: r.score,
    })),
  };
}

/**
 * A model made since the latest predictions (train --no-predict, import-model) is refused with
 * what to run: its queue would otherwise be an older model's.
 */
function unpredictedError(modelId: number, project: string): UserError {
  return new UserError(`model ${modelId} has no predictions yet: run pixelloop predict ${project}`);
}

/** "IMG is not in the current queue", with the first images that are. */
function notQueued(store: ProjectStore, name: string, project: string): string {
  const queue = suggestions(store, Number.MAX_SAFE_INTEGER);
  if (queue.length === 0)
    return `${name}: no queue picked yet, so no suggested regions (pixelloop suggest ${project})`;
  const first = queue.slice(0, 5).map((s) => s.name);
  const more = queue.length > first.length ? `, and ${queue.length - first.length} more` : "";
  return `${name} is not in the current queue (${first.join(", ")}${more}: pixelloop suggest ${project} lists them with their regions); --min-confidence C accepts on any image`;
}

/** suggest / accept / rounds: the active-learning loop (issue 5). */
export function registerLoopCommands(program: Command): void {
  program
    .command("suggest")
    .description("rank the images to label next, with the regions to look at")
    .argument("<project>", "project file")
    .option("--n <count>", "how many images", "10")
    .addOption(
      new Option("--strategy <strategy>", "uncertainty (with diversity) or random")
        .choices(["uncertainty", "random"])
        .default("uncertainty"),
    )
    .addOption(
      new Option(
        "--measure <measure>",
        "pixel uncertainty: normalized entropy, or margin (1 - (top-1 minus top-2 probability))",
      )
        .choices(["entropy", "margin"])
        .default("entropy"),
    )
    .option("--coverage", "uncertainty x representativeness, labeled images as centers (default)")
    .option("--no-coverage", "rank by uncertainty and diversity among the picks only")
    .option("--class-balance", "weigh uncertainty by how rare the predicted class is among the labels")
    .option("--no-class-balance", "every class counts the same (default)")
    .option(
      "--diverse-regions",
      `an image's regions show different class mixes${DEFAULT_REGION_DIVERSE ? " (default)" : ""}`,
    )
    .option(
      "--no-diverse-regions",
      `an image's regions are its most unsure windows, wherever they are${DEFAULT_REGION_DIVERSE ? "" : " (default)"}`,
    )
    .option(
      "--spread-classes",
      `pick all regions of the queue together, spread over the predicted classes${DEFAULT_SPREAD_CLASSES ? " (default)" : ""}`,
    )
    .option(
      "--no-spread-classes",
      `pick each image's regions on their own${DEFAULT_SPREAD_CLASSES ? "" : " (default)"}`,
    )
    .option(
      "--embeddings",
      `image diversity from the network's image embeddings${DEFAULT_EMBEDDINGS ? " (default)" : ""}`,
    )
    .option(
      "--no-embeddings",
      `image diversity from the layout of the predictions${DEFAULT_EMBEDDINGS ? "" : " (default)"}`,
    )
    .option(
      "--typical",
      `ask about the most typical parts of what no label covers yet (embedding clusters)${DEFAULT_TYPICAL ? " (default)" : ""}`,
    )
    .option("--no-typical", `rank by uncertainty${DEFAULT_TYPICAL ? "" : " (default)"}`)
    .option(
      "--random-regions",
      `the most useful images, with their regions placed at random${DEFAULT_RANDOM_REGIONS ? " (default)" : ""}`,
    )
    .option(
      "--no-random-regions",
      `regions on each image's most unsure windows${DEFAULT_RANDOM_REGIONS ? "" : " (default)"}`,
    )
    .option(
      "--repick",
      "pick the queue again (default: show the current queue, unless a picking option or a larger --n is given)",
    )
    .option("--json", "machine-readable output")
    .action((project: string, o: SuggestCliOptions, cmd: Command) => {
      const n = Number(o.n);
      if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`--n: expected a positive integer, got "${o.n}"`);
      // Any option that changes how the queue is picked: the stored queue was not picked that way.
      const picking = PICKING_OPTIONS.some((k) => cmd.getOptionValueSource(k) === "cli");
      return withStore(project, {}, async (store) => {
        const r = await suggestNext(store, {
          n,
          strategy: o.strategy,
          picking: {
            coverage: o.coverage,
            classBalance: o.classBalance,
            regionDiverse: o.diverseRegions,
            spreadClasses: o.spreadClasses,
            embeddings: o.embeddings,
            typical: o.typical,
            randomRegions: o.randomRegions,
            measure: o.measure,
          },
          pickingGiven: picking,
          repick: o.repick === true,
        });
        if (r.kind === "unpredicted") throw unpredictedError(r.modelId, project);
        const start = r.kind !== "nothing" && r.modelId === null;
        const print = (items: Printable[], worked?: Set<number>) => {
          if (o.json) {
            out(JSON.stringify({ suggestions: items.map(jsonItem) }));
            return;
          }
          for (const s of items) {
            const done = worked?.has(s.imageId) ? "  (worked on)" : "";
            // The start queue and a random pick have no uncertainty scores to show.
            const scored = !start && o.strategy !== "random";
            out(
              `${String(s.rank).padStart(3)}. ${s.image}${scored ? `  score ${s.score.toFixed(4)}` : ""}${done}`,
            );
            for (const r of s.regions)
              out(
                `       region ${r.id}: x ${r.x} y ${r.y} ${r.width}x${r.height}${scored ? `  score ${r.score.toFixed(4)}` : ""}`,
              );
          }
        };
        if (r.kind === "nothing") {
          if (!o.json)
            out(
              r.trainImages === 0
                ? "nothing to suggest: the project has no train images (pixelloop import P DIR)"
                : "nothing left to suggest: every train image is fully labeled",
            );
          print([]);
          return;
        }
        const progressOf = (p: QueueProgress) => `${p.worked} of ${p.total} worked on`;
        if (r.kind === "current") {
          if (!o.json) {
            const progress = progressOf(r.progress);
            out(
              start
                ? `no model yet: the current start queue (${progress}): these varied images first (scribble every class you see), then pixelloop train; --repick picks again`
                : `the current queue, picked after model ${r.modelId} (${progress}); --repick picks again`,
            );
            // Their places stay numbered as picked, so the list skips them: say why.
            const full = r.labeledSince;
            if (full > 0)
              out(
                `(${full === 1 ? "1 image of it is" : `${full} images of it are`} labeled everywhere now and left out)`,
              );
          }
          print(
            r.items.map((x) => ({ ...x, image: x.name })),
            r.worked,
          );
          return;
        }
        const items = r.items;
        if (o.json) return print(items);
        if (start)
          out(
            items.length
              ? "no model yet: these varied images first (scribble every class you see), then pixelloop train"
              : `no model yet, and every train image has labels: train a model (pixelloop train ${project})`,
          );
        else if (!r.appQueue && items.length > 0)
          out("a random pick of images and regions, for comparison (the queue the app shows stays as it is)");
        else if (items.length === 0)
          out(
            `no suggestions: no train image with unlabeled pixels has a prediction of model ${r.modelId} (pixelloop predict ${project})`,
          );
        if (r.replaced)
          out(
            `replaced the queue the app showed (${r.replaced.model == null ? "the start queue" : `picked after model ${r.replaced.model}`}, ${progressOf(r.replaced.progress)}) with ${r.picked} images`,
          );
        print(items);
      });
    });

  program
    .command("accept")
    .description("turn the latest prediction into labels (provenance: accepted prediction)")
    .argument("<project>", "project file")
    .argument("<image>", "image file name, the path it was imported from, or id")
    .option("--region <id>", "accept inside this suggested region of the image")
    .option("--min-confidence <c>", "accept every unlabeled pixel with confidence >= c (0..1)")
    .option("--clear", "remove the image's accepted-prediction labels instead (hand-drawn labels stay)")
    .option("--as <name>", AS_HELP)
    .option("--json", "machine-readable output")
    .action(
      (
        project: string,
        image: string,
        o: { region?: string; minConfidence?: string; clear?: boolean; as?: string; json?: boolean },
      ) => {
        const person = cliPerson(o.as);
        if ([o.region, o.minConfidence, o.clear].filter((x) => x !== undefined).length !== 1)
          throw new UsageError("accept: give exactly one of --region ID, --min-confidence C or --clear");
        const minConfidence = o.minConfidence === undefined ? undefined : Number(o.minConfidence);
        if (
          minConfidence !== undefined &&
          !(o.minConfidence?.trim() && minConfidence >= 0 && minConfidence <= 1)
        )
          throw new UsageError(`--min-confidence: expected a number from 0 to 1, got "${o.minConfidence}"`);
        if (o.region !== undefined && !/^[1-9]\d*$/.test(o.region.trim()))
          throw new UsageError(`--region: expected a region number (1, 2, ...), got "${o.region}"`);
        const regionId = o.region === undefined ? undefined : Number(o.region.trim());
        const how: AcceptHow = o.clear
          ? { clear: true }
          : regionId !== undefined
            ? { regionId }
            : { minConfidence: minConfidence as number };
        return withStore(project, {}, (store) => {
          const img = findImage(store, image);
          const done = acceptOnImage(store, img.id, how, person);
          if (done.kind === "cleared") {
            const cleared = done.clearedPixels;
            if (o.json) out(JSON.stringify({ image: img.name, clearedPixels: cleared }));
            else out(`${img.name}: removed ${cleared} accepted labels (hand-drawn labels kept)`);
            return;
          }
          if (done.kind === "unpredicted") throw unpredictedError(done.modelId, project);
          if (done.kind === "no-model")
            throw new UserError(
              `no model yet, so no prediction to accept: train one first (pixelloop train ${project})`,
            );
          if (done.kind === "not-queued") throw new UserError(notQueued(store, img.name, project));
          if (done.kind === "no-region")
            throw new UserError(
              `${img.name}: no region ${regionId} in the current queue (its regions: ${done.regions.join(", ") || "none"})`,
            );
          const r = done.result;
          const nothing =
            regionId !== undefined
              ? `region ${regionId} is labeled already`
              : `every pixel with confidence >= ${minConfidence} is labeled already`;
          if (o.json) out(JSON.stringify({ image: img.name, ...r }));
          else if (r.acceptedPixels === 0) out(`${img.name}: nothing to accept: ${nothing}`);
          else
            out(`${img.name}: accepted ${r.acceptedPixels} predicted pixels of model ${r.modelId} as labels`);
        });
      },
    );

  program
    .command("rounds")
    .description("history of labeling rounds: labeled pixels, labeling time, validation mIoU")
    .argument("<project>", "project file")
    .option("--json", "machine-readable output")
    .action((project: string, o: { json?: boolean }) => {
      return withStore(project, { readonly: true }, (store) => {
        const rounds = listRounds(store);
        const perClass = latestClassIou(store);
        if (o.json) {
          out(JSON.stringify({ rounds, classIou: perClass }));
          return;
        }
        if (rounds.length === 0) {
          out("no rounds yet: a round is recorded each time pixelloop train makes a model");
          return;
        }
        const n = (v: number, width: number) => count(v).padStart(width);
        out("round  model   labeled px      drawn   accepted  images  labeling   val mIoU");
        for (const r of rounds) {
          out(
            `${String(r.round).padStart(5)}  ${String(r.modelId ?? "-").padStart(5)}  ${n(r.labeledPixels, 11)}${r.labelsScope === "all" ? "*" : " "}  ${n(r.humanPixels, 9)}  ${n(r.acceptedPixels, 9)}  ${n(r.labeledImages, 6)}  ${(r.labelingSeconds / 60).toFixed(1).padStart(6)} min  ${r.valMiou === null ? "     -" : r.valMiou.toFixed(3).padStart(8)}${r.fineTuned ? "  fine-tune" : ""}`,
          );
        }
        if (rounds.some((r) => r.fineTuned))
          out("fine-tune: trained on from the latest model then (train --fine-tune), not from scratch");
        out("labeled px, drawn, accepted, images: labels of the train images, which the model learns from");
        if (rounds.some((r) => r.labelsScope === "all"))
          out("* of every image, val included (rounds recorded before project format 7)");
        if (rounds.some((r) => r.valMiou !== null))
          out(
            "val mIoU: at the best of training's checks on the val images, which also chose that checkpoint (reads a little high)",
          );
        if (perClass) {
          const known = perClass.classes.filter((c) => c.iou !== null);
          const weakest = known.reduce((a, b) => ((b.iou as number) < (a.iou as number) ? b : a), known[0]);
          out(
            `val IoU per class, model ${perClass.modelId}: ` +
              perClass.classes
                .map((c) => `${c.name} ${c.iou === null ? "-" : c.iou.toFixed(2)}`)
                .join(" · ") +
              (weakest ? ` (weakest: ${weakest.name}; label more of it)` : ""),
          );
        }
        for (const r of rounds.filter((x) => x.labelsByPerson?.length))
          out(
            `round ${r.round} by person: ` +
              (r.labelsByPerson ?? [])
                .map((p) => `${p.person} ${count(p.humanPixels + p.acceptedPixels)} px`)
                .join(" · "),
          );
      });
    });
}
