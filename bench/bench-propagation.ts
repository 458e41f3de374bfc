/**
 * How good are the labels that superpixel propagation makes from scribbles (npm run bench:propagation)?
 *
 *   npm run bench:propagation [-- --region 15 --compactness 10 --purity 0.9 --min 3] [-- --data DIR]
 *
 * On camvid-dev train/: spreads train/scribbles with app/ml/method/propagation.ts and compares the result
 * with train/gt (which training never sees): the share of pixels labeled before and after, the
 * accuracy of the labels, and per class the accuracy / share of pixels. Void (>= classes) ignored.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { decodePixels, IMAGE_EXTENSIONS } from "../app/images/decode.ts";
import { readIndexPng } from "../app/exchange/index-png.ts";
import { readClassesFile } from "../app/exchange/classes-file.ts";
import { propagateScribbles } from "../app/ml/method/propagation.ts";
import { DEFAULT_METHOD } from "../app/ml/method/method.ts";
import { sizeBasedScale } from "../app/ml/training/working-scale.ts";
import { maskName } from "../app/jobs/project-prediction.ts";

const d = DEFAULT_METHOD.propagation;
const { values: args } = parseArgs({
  options: {
    region: { type: "string" },
    compactness: { type: "string", default: String(d.compactness) },
    purity: { type: "string", default: String(d.purity) },
    min: { type: "string", default: String(d.minScribbled) },
    gate: { type: "string", default: String(d.colorGate) },
    data: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev") },
  },
});

const classes = readClassesFile(path.join(args.data, "classes.json"));
const K = classes.length;
const names = fs
  .readdirSync(path.join(args.data, "train/images"))
  .filter((n) => (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(n).toLowerCase()))
  .sort();
let total = 0;
let scribbled = 0;
let labeled = 0;
let right = 0;
let ms = 0;
const perClass = classes.map(() => ({ labeled: 0, right: 0 }));
let regionSize = 0;
for (const name of names) {
  const px = await decodePixels(path.join(args.data, "train/images", name));
  const mask = maskName(name); // masks are PNGs named after their image
  const scribbles = Uint8Array.from(readIndexPng(path.join(args.data, "train/scribbles", mask)).values);
  const gt = readIndexPng(path.join(args.data, "train/gt", mask)).values;
  for (let i = 0; i < scribbles.length; i++) if (scribbles[i] >= K) scribbles[i] = 255;
  // As training does: regionSize is given at the working resolution ("auto" scale).
  regionSize = args.region
    ? Number(args.region)
    : d.regionSize / sizeBasedScale(Math.min(px.width, px.height));
  const t0 = performance.now();
  const out = propagateScribbles(px.data, px.width, px.height, px.channels, scribbles, K, {
    regionSize,
    compactness: Number(args.compactness),
    purity: Number(args.purity),
    minScribbled: Number(args.min),
    colorGate: Number(args.gate),
  });
  ms += performance.now() - t0;
  for (let i = 0; i < out.length; i++) {
    if (gt[i] >= K) continue;
    total++;
    if (scribbles[i] < K) scribbled++;
    if (out[i] >= K) continue;
    labeled++;
    perClass[out[i]].labeled++;
    if (out[i] === gt[i]) {
      right++;
      perClass[out[i]].right++;
    }
  }
}
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
console.log(
  `${names.length} images, superpixels of ${regionSize.toFixed(1)} px (compactness ${args.compactness}, purity ${args.purity}, min ${args.min} scribbled px)`,
);
console.log(
  `labeled pixels: scribbles ${pct(scribbled, total)} -> propagated ${pct(labeled, total)}, label accuracy ${pct(right, labeled)} (vs train/gt), ${(ms / names.length).toFixed(0)} ms per image`,
);
console.log(
  "per class (accuracy / share of pixels): " +
    perClass
      .map((c, i) => `${classes[i].name} ${pct(c.right, c.labeled)} / ${pct(c.labeled, total)}`)
      .join(", "),
);
