/**
 * npm run bench:loop:summary -- RUN.json [RUN.json ...]
 *
 * Puts several `npm run bench:loop -- --json --seed N` results (same configuration, different
 * seeds) side by side: per round and strategy, labeled pixels and val mIoU per seed and their
 * mean, then each strategy's last-round difference to random, seed by seed.
 */
import fs from "node:fs";

interface Run {
  seed: number;
  training: string;
  scale?: string;
  cropSize?: string;
  fineTuneLearningRate?: string;
  annotator?: string;
  budgetPerRound: number;
  rounds: number;
  table: { strategy: string; rounds: { round: number; labeledPixels: number; valMiou: number | null }[] }[];
}

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write("usage: npm run bench:loop:summary -- RUN.json [RUN.json ...]\n");
  process.exit(2);
}
const runs = files.map((f): Run => {
  const lines = fs.readFileSync(f, "utf8").trim().split("\n");
  try {
    return JSON.parse(lines[lines.length - 1]) as Run;
  } catch (e) {
    throw new Error(`${f}: not the --json output of bench:loop (${(e as Error).message})`, { cause: e });
  }
});
const first = runs[0];
const strategies = first.table.map((t) => t.strategy);
const CONFIG = [
  "training",
  "scale",
  "cropSize",
  "fineTuneLearningRate",
  "budgetPerRound",
  "rounds",
  "annotator",
] as const;
for (const r of runs)
  if (CONFIG.some((key) => r[key] !== first[key]))
    throw new Error(
      `seed ${r.seed}: another configuration than seed ${first.seed}; summarize like with like`,
    );
const fmt = (v: number | null | undefined) => (v === null || v === undefined ? "-" : v.toFixed(3));
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const miou = (r: Run, k: number, i: number) => r.table[k].rounds[i]?.valMiou ?? NaN;

console.log(
  `${first.training}${first.scale ? ` (scale ${first.scale}, crop ${first.cropSize}, fine-tune lr ${first.fineTuneLearningRate})` : ""}, ${first.budgetPerRound} px per round, seeds ${runs.map((r) => r.seed).join(", ")}: val mIoU per seed (mean)\n`,
);
console.log(`| round | ${strategies.map((s) => `${s}: labeled px | ${s}: val mIoU`).join(" | ")} |`);
console.log(`| ----- | ${strategies.map(() => "---: | ---").join(" | ")} |`);
for (let i = 0; i <= first.rounds; i++) {
  const cells = strategies.map((_, k) => {
    const px = runs.map((r) => r.table[k].rounds[i]?.labeledPixels ?? NaN);
    const v = runs.map((r) => miou(r, k, i));
    return `${Math.round(mean(px)).toLocaleString("en-US")} | ${v.map(fmt).join(", ")} (**${fmt(mean(v))}**)`;
  });
  console.log(`| ${i} | ${cells.join(" | ")} |`);
}
const rnd = strategies.indexOf("random");
if (rnd >= 0) {
  console.log("");
  for (const [k, s] of strategies.entries()) {
    if (k === rnd) continue;
    const d = runs.map((r) => miou(r, k, first.rounds) - miou(r, rnd, first.rounds));
    console.log(
      `round ${first.rounds}, ${s} minus random: ${d.map((v) => (v >= 0 ? "+" : "") + v.toFixed(3)).join(", ")} (mean ${mean(d) >= 0 ? "+" : ""}${mean(d).toFixed(3)})`,
    );
  }
}
