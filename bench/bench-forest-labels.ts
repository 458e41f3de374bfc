/**
 * What the forestLabels teacher costs and how good its labels are (npm run bench:forest-labels).
 *
 *   npm run -s bench:forest-labels [-- --domains camvid-dev,membranes,cells] [-- --max-side 0,256]
 *
 * Per domain: the classical pixel classifier (app/ml/method/pixel-classifier) is trained on
 * train/scribbles and predicts every scribbled train image, as forestLabels does before training
 * (tau from the method's default); the labels it adds are compared with train/gt (which training
 * never sees). Printed: CPU seconds of this thread to train and to predict (process.cpuUsage, so
 * the load of other processes does not count), the share of pixels labeled, and the labels'
 * accuracy overall and per class. `--max-side` lists the longer-side limits to try (0 = the
 * classifier's own default).
 */
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { initBackend } from "../app/ml/engine/backend.ts";
import { DEFAULT_METHOD } from "../app/ml/method/method.ts";
import { UNLABELED } from "../app/ml/method/losses.ts";
import { readIndexPng } from "../app/exchange/index-png.ts";
import { maskName } from "../app/jobs/project-prediction.ts";
import { trainPixelClassifier } from "../app/ml/method/pixel-classifier/index.ts";
import { defaultCache, DEFAULT_DOMAINS, loadDomain } from "./bench-domains.ts";

const { values: args } = parseArgs({
  options: {
    domains: { type: "string", default: DEFAULT_DOMAINS.join(",") },
    "max-side": { type: "string", default: "0" },
    cache: { type: "string", default: defaultCache() },
  },
});

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
const tau = DEFAULT_METHOD.forestLabels.tau;

await initBackend("wasm");
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-forest-labels-"));
try {
  for (const name of args.domains.split(",")) {
    const domain = await loadDomain(name, args.cache, workDir);
    const K = domain.classNames.length;
    const gts = domain.train.map((_, i) => {
      const names = fs.readdirSync(path.join(domain.folder, "train/images")).sort();
      return readIndexPng(path.join(domain.folder, "train/gt", maskName(names[i]))).values;
    });
    for (const maxSide of args["max-side"].split(",").map(Number)) {
      const t0 = cpuSeconds();
      const forest = trainPixelClassifier(domain.train, K, { seed: 1, ...(maxSide > 0 ? { maxSide } : {}) });
      const t1 = cpuSeconds();
      let total = 0;
      let added = 0;
      let right = 0;
      const perClass = domain.classNames.map(() => ({ added: 0, right: 0 }));
      domain.train.forEach(({ image, labels }, i) => {
        const { probabilities } = forest.predict(image);
        const gt = gts[i];
        for (let p = 0; p < labels.length; p++) {
          if (gt[p] >= K) continue;
          total++;
          if (labels[p] !== UNLABELED) continue;
          let best = 0;
          for (let c = 1; c < K; c++) if (probabilities[p * K + c] > probabilities[p * K + best]) best = c;
          if (probabilities[p * K + best] < tau) continue;
          added++;
          perClass[best].added++;
          if (best === gt[p]) {
            right++;
            perClass[best].right++;
          }
        }
      });
      const t2 = cpuSeconds();
      const { width, height } = domain.train[0].image;
      console.log(
        `${name} (${domain.train.length} images of ${width}x${height}, max side ${maxSide || "default"}): ` +
          `train ${(t1 - t0).toFixed(1)} s CPU, predict ${((t2 - t1) / domain.train.length).toFixed(2)} s CPU per image ` +
          `(${(t2 - t0).toFixed(0)} s in all); labels added on ${pct(added, total)} of the pixels, ${pct(right, added)} right`,
      );
      console.log(
        "  per class (right / share of pixels): " +
          perClass
            .map((c, k) => `${domain.classNames[k]} ${pct(c.right, c.added)} / ${pct(c.added, total)}`)
            .join(", "),
      );
    }
  }
} finally {
  fs.rmSync(workDir, { recursive: true, force: true });
}
