/**
 * npm run -s synthetic:cells -- --out DIR [--train 40] [--val 12] [--seed 11]
 *
 * Writes a second benchmark domain laid out like camvid-dev (classes.json; train/images,
 * train/scribbles, train/gt; val/images, val/gt): two classes (background, cell), 12-bit gray
 * frames stored as 16-bit PNGs (values ~500..3500 of 65535), three sizes (300x200, 512x384,
 * 257x311). Each frame: 6-11 bright discs (radius 8-33 px) on a dim field with strong noise and
 * a horizontal shading wave. Scribbles: a short horizontal line through two of the discs and
 * dashed lines on the background of two random rows (~0.3% of pixels). Used for bench:loop and
 * bench:accuracy on something that is not street scenes (docs/loop.md, docs/learning.md).
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { encode } from "fast-png";

const { values: args } = parseArgs({
  options: {
    out: { type: "string" },
    train: { type: "string", default: "40" },
    val: { type: "string", default: "12" },
    seed: { type: "string", default: "11" },
  },
});
if (!args.out) throw new Error("--out DIR is required");
const root = path.resolve(args.out);

let state = Number(args.seed) >>> 0;
/** A small congruential generator (in doubles, as written): the same seed writes the same dataset. */
const rnd = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;

const SIZES = [
  [300, 200],
  [512, 384],
  [257, 311],
] as const;
const UNLABELED = 255;

function frame(width: number, height: number) {
  const image = new Uint16Array(width * height);
  const gt = new Uint8Array(width * height);
  const scribbles = new Uint8Array(width * height).fill(UNLABELED);
  const discs = Array.from({ length: 6 + Math.floor(rnd() * 6) }, () => ({
    x: rnd() * width,
    y: rnd() * height,
    r: 8 + rnd() * 25,
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = discs.some((d) => (x - d.x) ** 2 + (y - d.y) ** 2 < d.r ** 2);
      gt[y * width + x] = inside ? 1 : 0;
      const level = (inside ? 2200 : 1200) + (rnd() - 0.5) * 1400 + 300 * Math.sin(x / 40);
      image[y * width + x] = Math.round(level);
    }
  }
  for (const d of discs.slice(0, 2)) {
    const y = Math.round(d.y);
    for (let dx = -d.r / 2; dx < d.r / 2; dx++) {
      const x = Math.round(d.x + dx);
      if (x >= 0 && x < width && y >= 0 && y < height && gt[y * width + x] === 1)
        scribbles[y * width + x] = 1;
    }
  }
  for (let k = 0; k < 2; k++) {
    const y = Math.floor(rnd() * height);
    for (let x = 0; x < width; x++) if (gt[y * width + x] === 0 && x % 60 < 30) scribbles[y * width + x] = 0;
  }
  return { image, gt, scribbles };
}

const png = (data: Uint8Array | Uint16Array, width: number, height: number, depth: 8 | 16) =>
  encode({ width, height, data, depth, channels: 1 });

for (const [split, count] of [
  ["train", Number(args.train)],
  ["val", Number(args.val)],
] as const) {
  const dirs = split === "train" ? ["images", "gt", "scribbles"] : ["images", "gt"];
  for (const d of dirs) fs.mkdirSync(path.join(root, split, d), { recursive: true });
  for (let i = 0; i < count; i++) {
    const [width, height] = SIZES[i % SIZES.length];
    const f = frame(width, height);
    const name = `cell_${split}_${i}.png`;
    fs.writeFileSync(path.join(root, split, "images", name), png(f.image, width, height, 16));
    fs.writeFileSync(path.join(root, split, "gt", name), png(f.gt, width, height, 8));
    if (split === "train")
      fs.writeFileSync(path.join(root, split, "scribbles", name), png(f.scribbles, width, height, 8));
  }
}
fs.writeFileSync(
  path.join(root, "classes.json"),
  JSON.stringify(
    {
      void: 2,
      classes: [
        { index: 0, name: "background", color: "#202020" },
        { index: 1, name: "cell", color: "#30c050" },
      ],
    },
    null,
    2,
  ) + "\n",
);
console.log(`wrote ${args.train} train and ${args.val} val frames to ${root}`);
