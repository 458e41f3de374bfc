/**
 * npm run bench:loop:summary -- RUN.json [RUN.json ...]
 *
 * Puts several `npm run bench:loop -- --json --seed N` results (same configuration, different
 * seeds) side by side: per round and strategy, labeled pixels and val mIoU per seed and their
 * mean, then each strategy's last-round difference to random, seed by seed, with how often it
 * wins and, from 3 seeds on, the paired t statistic and the exact two-sided sign-flip p-value.
 * Runs may measure different strategies: the table shows those every run measured. Runs that
 * recorded it also get the last round's val IoU per class, mean over seeds (where the gains are).
 */
import fs from "node:fs";
import { pairedTest } from "./paired-test.ts";

interface Run {
  seed: number;
  training: string;
  scale?: string;
  cropSize?: string;
  fineTuneLearningRate?: string;
  annotator?: string;
  budgetPerRound: number;
  rounds: number;
  /** class names (runs from before this field have no per-class IoU) */
  classes?: string[];
  table: {
    strategy: string;
    rounds: {
      round: number;
      labeledPixels: number;
      valMiou: number | null;
      perClassIou?: (number | null)[] | null;
    }[];
  }[];
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
const strategies = first.table
  .map((t) => t.strategy)
  .filter((s) => runs.every((r) => r.table.some((t) => t.strategy === s)));
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
const arm = (r: Run, s: string) => r.table.find((t) => t.strategy === s)?.rounds ?? [];
const miou = (r: Run, s: string, i: number) => arm(r, s)[i]?.valMiou ?? NaN;
const signed = (v: number) => (v >= 0 ? "+" : "") + v.toFixed(3);

console.log(
  `${first.training}${first.scale ? ` (scale ${first.scale}, crop ${first.cropSize}, fine-tune lr ${first.fineTuneLearningRate})` : ""}, ${first.budgetPerRound} px per round, seeds ${runs.map((r) => r.seed).join(", ")}: val mIoU per seed (mean)\n`,
);
console.log(`| round | ${strategies.map((s) => `${s}: labeled px | ${s}: val mIoU`).join(" | ")} |`);
console.log(`| ----- | ${strategies.map(() => "---: | ---").join(" | ")} |`);
for (let i = 0; i <= first.rounds; i++) {
  const cells = strategies.map((s) => {
    const px = runs.map((r) => arm(r, s)[i]?.labeledPixels ?? NaN);
    const v = runs.map((r) => miou(r, s, i));
    return `${Math.round(mean(px)).toLocaleString("en-US")} | ${v.map(fmt).join(", ")} (**${fmt(mean(v))}**)`;
  });
  console.log(`| ${i} | ${cells.join(" | ")} |`);
}
if (strategies.includes("random")) {
  console.log("");
  for (const s of strategies) {
    if (s === "random") continue;
    const d = runs.map((r) => miou(r, s, first.rounds) - miou(r, "random", first.rounds));
    const wins = d.filter((v) => v > 0).length;
    let line = `round ${first.rounds}, ${s} minus random: ${d.map(signed).join(", ")} (mean ${signed(mean(d))}; ahead in ${wins} of ${d.length})`;
    if (d.length >= 3) {
      const { t, p } = pairedTest(d);
      line += `; paired t = ${t.toFixed(2)} (${d.length - 1} df), sign-flip p = ${p.toFixed(3)}`;
    }
    console.log(line);
  }
}

// Where the gains come from: last-round val IoU per class, mean over seeds (runs that recorded it).
const names = first.classes;
const lastRound = (r: Run, st: string) => arm(r, st)[first.rounds]?.perClassIou;
if (names && runs.every((r) => strategies.every((st) => lastRound(r, st))) && strategies.length > 0) {
  console.log(
    `\nround ${first.rounds}, val IoU per class (mean over seeds; "-": neither in the val gt nor predicted)\n`,
  );
  console.log(`| class | ${strategies.join(" | ")} |`);
  console.log(`| ----- | ${strategies.map(() => "---:").join(" | ")} |`);
  names.forEach((name, c) => {
    const cells = strategies.map((st) => {
      const v = runs.map((r) => lastRound(r, st)?.[c]).filter((x): x is number => typeof x === "number");
      return v.length ? fmt(mean(v)) : "-";
    });
    console.log(`| ${name} | ${cells.join(" | ")} |`);
  });
}
