import { Option, type Command } from "commander";
import { UserError } from "../store/errors.ts";
import {
  computeSuggestions,
  DEFAULT_EMBEDDINGS,
  DEFAULT_SPREAD_CLASSES,
  DEFAULT_TYPICAL,
  DEFAULT_RANDOM_REGIONS,
  storedSuggestions,
  type Strategy,
  type UncertaintyMeasure,
} from "../loop/suggest.ts";
import { acceptAboveConfidence, acceptInRect, clearAccepted } from "../loop/accept.ts";
import { latestClassIou, listRounds } from "../loop/rounds.ts";
import { DEFAULT_REGION_DIVERSE } from "../loop/scoring.ts";
import { count, findImage, out, UsageError, withStore } from "./shared.ts";
import { pickStartQueue } from "../loop/start-queue.ts";
import { latestPredictionModelId } from "../loop/prediction-data.ts";

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
  json?: boolean;
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
    .option("--json", "machine-readable output")
    .action((project: string, o: SuggestCliOptions) => {
      const n = Number(o.n);
      if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`--n: expected a positive integer, got "${o.n}"`);
      return withStore(project, {}, async (store) => {
        // No model yet: the start queue, varied images to label first (no regions).
        const start = latestPredictionModelId(store) === null;
        const items = start
          ? await pickStartQueue(store, n)
          : computeSuggestions(store, {
              n,
              strategy: o.strategy,
              coverage: o.coverage,
              classBalance: o.classBalance,
              regionDiverse: o.diverseRegions,
              spreadClasses: o.spreadClasses,
              embeddings: o.embeddings,
              typical: o.typical,
              randomRegions: o.randomRegions,
              measure: o.measure,
            });
        if (o.json) {
          out(
            JSON.stringify({
              suggestions: items.map((s) => ({
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
              })),
            }),
          );
          return;
        }
        if (start)
          out(
            items.length
              ? "no model yet: these varied images first (scribble every class you see), then pixelloop train"
              : "no model yet, and no unlabeled train image to suggest: pixelloop train",
          );
        else if (items.length === 0)
          out("no suggestions: predict the project's images first (pixelloop predict P --out DIR)");
        for (const s of items) {
          out(`${String(s.rank).padStart(3)}. ${s.image}${start ? "" : `  score ${s.score.toFixed(4)}`}`);
          for (const r of s.regions)
            out(
              `       region ${r.id}: x ${r.x} y ${r.y} ${r.width}x${r.height}  score ${r.score.toFixed(4)}`,
            );
        }
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
    .option("--json", "machine-readable output")
    .action(
      (
        project: string,
        image: string,
        o: { region?: string; minConfidence?: string; clear?: boolean; json?: boolean },
      ) => {
        if ([o.region, o.minConfidence, o.clear].filter((x) => x !== undefined).length !== 1)
          throw new UsageError("accept: give exactly one of --region ID, --min-confidence C or --clear");
        const minConfidence = o.minConfidence === undefined ? undefined : Number(o.minConfidence);
        if (
          minConfidence !== undefined &&
          !(o.minConfidence?.trim() && minConfidence >= 0 && minConfidence <= 1)
        )
          throw new UsageError(`--min-confidence: expected a number from 0 to 1, got "${o.minConfidence}"`);
        return withStore(project, {}, (store) => {
          const img = findImage(store, image);
          if (o.clear) {
            const cleared = clearAccepted(store, img.id);
            if (o.json) out(JSON.stringify({ image: img.name, clearedPixels: cleared }));
            else out(`${img.name}: removed ${cleared} accepted labels (hand-drawn labels kept)`);
            return;
          }
          let r;
          if (o.region) {
            const sug = storedSuggestions(store).find((s) => s.imageId === img.id);
            const region = sug?.regions.find((x) => String(x.id) === o.region);
            if (!region)
              throw new UserError(
                `${img.name}: no suggested region ${o.region} (run pixelloop suggest first; regions: ${sug?.regions.map((x) => x.id).join(", ") || "none"})`,
              );
            r = acceptInRect(store, img.id, region);
          } else {
            r = acceptAboveConfidence(store, img.id, minConfidence as number);
          }
          if (o.json) out(JSON.stringify({ image: img.name, ...r }));
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
            `${String(r.round).padStart(5)}  ${String(r.modelId ?? "-").padStart(5)}  ${n(r.labeledPixels, 11)}${r.labelsScope === "all" ? "*" : " "}  ${n(r.humanPixels, 9)}  ${n(r.acceptedPixels, 9)}  ${n(r.labeledImages, 6)}  ${(r.labelingSeconds / 60).toFixed(1).padStart(6)} min  ${r.valMiou === null ? "     -" : r.valMiou.toFixed(3).padStart(8)}`,
          );
        }
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
      });
    });
}
