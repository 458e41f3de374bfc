/**
 * The live preview classifier on the command line (docs/live.md): what `train --preview`,
 * `predict --preview` and `export model --preview` run. The options are declared on those
 * commands (ml-commands.ts, main.ts); these are their actions.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../store/errors.ts";
import { imageFilesIn } from "../jobs/project-prediction.ts";
import {
  exportPreviewModel,
  predictFilesWithPreview,
  predictProjectWithPreview,
  trainPreview,
} from "../ops/preview.ts";
import { ensureFolder } from "../exchange/folders.ts";
import { ProtectedFiles } from "../exchange/output-guard.ts";
import { planPredictionFiles, plannedPaths, writePredictionFiles } from "../exchange/prediction-files.ts";
import { progressBar } from "./progress.ts";
import { err, out, reportSkipped, UsageError, withStore } from "./shared.ts";

/** `pixelloop train P --preview [--no-predict]` */
export async function trainPreviewCommand(project: string, o: { predict?: boolean; json?: boolean }) {
  if (!fs.existsSync(project)) throw new UserError(`${project}: no such project file`);
  const bar = progressBar("predict", !o.json && process.stderr.isTTY === true);
  const r = await trainPreview(project, {
    predict: o.predict !== false,
    onPredicted: (d, t) => bar.update(d, t, ""),
  });
  bar.stop();
  const m = r.metrics;
  if (o.json) {
    out(JSON.stringify({ preview: true, trainedAt: r.trainedAt, predicted: r.predicted, metrics: m }));
    return;
  }
  if (m)
    err(
      `preview classifier: ${m.trees} trees on ${m.perClass.reduce((a, b) => a + b, 0)} labeled pixels of ${m.images} train images in ${m.trainSeconds.toFixed(1)} s`,
    );
  const missing = m ? m.perClass.filter((n) => n === 0).length : 0;
  if (missing > 0) err(`warning: ${missing} classes have no labels: the preview never predicts them`);
  out(
    `stored the preview classifier${r.predicted ? ` and its predictions of ${r.predicted} images` : ""} (train a network for the full model: pixelloop train P)`,
  );
}

/** `pixelloop predict P --preview [--images DIR --out DIR] [--uncertainty]` */
export async function predictPreviewCommand(
  project: string,
  o: { images?: string; out?: string; uncertainty?: boolean; json?: boolean },
) {
  if (!fs.existsSync(project)) throw new UserError(`${project}: no such project file`);
  const bar = progressBar("predict", !o.json && process.stderr.isTTY === true);
  if (o.out && !o.images) throw new UsageError("predict --preview: --out needs --images DIR");
  if (o.images) {
    const outDir = o.out;
    if (!outDir) throw new UsageError("predict: --images needs --out DIR");
    const files = imageFilesIn(o.images);
    if (files.length === 0)
      throw new UserError(`${o.images}: no images found (PNG, JPEG, TIFF or WebP; subfolders are not read)`);
    const plan = planPredictionFiles(files, outDir, o.uncertainty === true);
    const r = await withStore(project, { readonly: true }, async (store) => {
      const keep = ProtectedFiles.ofProject(store);
      for (const f of files) keep.add(f, "one of the input images (--images)");
      keep.check(plannedPaths(plan), outDir);
      ensureFolder(outDir);
      return predictFilesWithPreview(
        store,
        files,
        (i, p) => writePredictionFiles(p, plan[i]),
        (d, t, n) => bar.update(d, t, n),
      );
    });
    bar.stop();
    if (o.json)
      out(
        JSON.stringify({ preview: true, written: r.written, out: path.resolve(outDir), skipped: r.skipped }),
      );
    else {
      out(`preview classifier: wrote ${r.written} masks to ${outDir}`);
      reportSkipped(r.skipped);
    }
    if (r.skipped.length) process.exitCode = 1;
    return;
  }
  const r = await predictProjectWithPreview(project, { onProgress: (d, t, n) => bar.update(d, t, n) });
  bar.stop();
  if (o.json) out(JSON.stringify({ preview: true, predicted: r.predicted, skipped: r.skipped }));
  else {
    out(`preview classifier: stored predictions for ${r.predicted} images`);
    reportSkipped(r.skipped);
  }
  if (r.skipped.length) process.exitCode = 1;
}

/** `pixelloop export model P --out DIR --preview` */
export function exportPreviewCommand(project: string, o: { out: string; json?: boolean }) {
  return withStore(project, { readonly: true }, (store) => {
    const r = exportPreviewModel(store, o.out);
    if (o.json)
      out(JSON.stringify({ out: path.resolve(o.out), preview: true, file: r.file, trainedAt: r.trainedAt }));
    else
      out(
        `wrote the preview classifier (a random forest on filter features, trained ${r.trainedAt}) to ${r.file}: JSON, not a TF.js model (docs/pixel-classifier.md)`,
      );
  });
}
