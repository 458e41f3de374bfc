/**
 * Accuracy benchmark: every configuration on several domains and seeds, beside a classical
 * pixel classifier trained on the same labels (protocol: docs/learning.md, "Benchmark protocol").
 *
 *   npm run bench:accuracy                                   default config, 3 domains x 3 seeds, 15 min each
 *   npm run -s bench:accuracy -- --configs default,size-scale --steps 500 --json
 *   options: --domains camvid-dev,membranes,cells (or dataset folders)  --seeds 1,2,3
 *            --minutes 15 | --steps N   --configs LIST (the first is the reference for p-values)
 *            --replicas auto|N  --backend auto  --size 128  --batch 8  --method JSON  --no-classical
 *            --cache DIR (generated domains)  --only-classical
 *            --jobs N (N configurations at a time, each seed's runs side by side, each on its own
 *            copy of the project; replicas auto then gives each cores / N)
 *            --pseudo TAU (per class, over the train images' dense ground truth: how much of each class
 *            the trained model predicts with confidence >= TAU, and how much of that is right: what
 *            a teacher's pseudo-labels would cover and their precision; diagnostics only)
 *            --superpixels PORTION (the same for what a self-training round keeping PORTION of each
 *            class's superpixels would label)
 *            --eval plain,flip,bn,bn-flip (each trained model evaluated as it is, with test-time
 *            flip, after batch-norm re-estimation on the train images, or both: paired
 *            comparisons with no training noise; a variant's key is config+variant)
 *
 * Per domain: a fresh project with train/images + train/scribbles only (never train/gt); each run
 * trains through trainProject (worker thread) and is evaluated on val/images against val/gt, void
 * ignored; mIoU over the classes present. Runs go one after the other. Printed: mean +- sd over
 * seeds per domain and config, per-class IoU (mean over seeds), the mean over domains, and the
 * paired sign-flip p against the reference config (per domain over seeds, and pooled over every
 * domain and seed).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { initBackend, type BackendPreference } from "../app/ml/engine/backend.ts";
import { trainProject } from "../app/jobs/project-training.ts";
import { loadModel } from "../app/jobs/project-prediction.ts";
import { evaluateNetwork } from "../app/ml/training/evaluate.ts";
import { reestimateBatchNorm } from "../app/ml/model/batch-norm-stats.ts";
import { ConfusionMatrix } from "../app/ml/prediction/metrics.ts";
import type { PartialMethod } from "../app/ml/method/method.ts";
import { ProjectStore } from "../app/store/project-store.ts";
import { sizeBasedScale } from "../app/ml/training/working-scale.ts";
import { trainPixelClassifier } from "../app/ml/method/pixel-classifier/index.ts";
import { defaultCache, DEFAULT_DOMAINS, loadDomain, type Domain } from "./bench-domains.ts";
import { pairedTest } from "./paired-test.ts";
import { CONFIGS } from "./accuracy-configs.ts";
import { confidentPixelQuality, superpixelQuality, type LabelQuality } from "./label-quality.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    minutes: { type: "string", default: "15" },
    steps: { type: "string" },
    configs: { type: "string", default: "default" },
    domains: { type: "string", default: DEFAULT_DOMAINS.join(",") },
    seeds: { type: "string", default: "1,2,3" },
    size: { type: "string", default: "128" },
    method: { type: "string" },
    batch: { type: "string", default: "8" },
    backend: { type: "string", default: "auto" },
    replicas: { type: "string", default: "auto" },
    cache: { type: "string", default: defaultCache() },
    "no-classical": { type: "boolean", default: false },
    "only-classical": { type: "boolean", default: false },
    eval: { type: "string", default: "plain" },
    pseudo: { type: "string" },
    superpixels: { type: "string" },
    jobs: { type: "string", default: "1" },
  },
});
const log = (line: string) => (args.json ? process.stderr.write(`${line}\n`) : console.log(line));

/** A configuration with --method overrides (JSON, e.g. '{"semiSupervised":{"tau":0.8}}') on top. */
function mergeMethod(base: PartialMethod, extra: PartialMethod): PartialMethod {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = (base as Record<string, unknown>)[k];
    out[k] = v && typeof v === "object" && b && typeof b === "object" ? { ...b, ...v } : v;
  }
  return out as PartialMethod;
}

interface Run {
  domain: string;
  config: string;
  seed: number;
  miou: number;
  pixelAccuracy: number;
  perClassIou: (number | null)[];
  steps: number;
  seconds: number;
  scale: number;
  backend: string;
  /** --pseudo: per class, the trained model's confident pixels on the train images (label-quality.ts) */
  pseudo?: LabelQuality;
  /** --superpixels: per class, what a self-training round would label on the train images */
  superpixels?: LabelQuality;
}

const VARIANTS: Record<string, string> = {
  plain: "",
  flip: " (flip at test)",
  bn: " (batch norm re-estimated)",
  "bn-flip": " (batch norm re-estimated, flip at test)",
};
const variantKey = (key: string, variant: string) => (variant === "plain" ? key : `${key}+${variant}`);
const labelOf = (key: string) => {
  const [base, variant] = key.split("+");
  return `${CONFIGS[base].label}${VARIANTS[variant ?? "plain"]}`;
};

const jobs = Math.max(1, Math.floor(Number(args.jobs)) || 1);
/** --replicas, with auto shared out among the --jobs running at a time. */
function replicasPerJob(): number | "auto" {
  if (args.replicas !== "auto") return Number(args.replicas);
  return jobs > 1 ? Math.max(1, Math.floor(os.availableParallelism() / jobs)) : "auto";
}

async function trainRun(domain: Domain, key: string, seed: number, variants: string[]): Promise<Run[]> {
  const cfg = CONFIGS[key];
  const scale = cfg.scale === "size" ? sizeBasedScale(domain.medianShortSide) : (cfg.scale ?? "auto");
  let chosen = 0;
  const handle = trainProject(
    domain.project,
    {
      ...(args.steps ? { steps: Number(args.steps) } : { minutes: Number(args.minutes) }),
      seed,
      backend: args.backend as BackendPreference,
      size: Number(args.size),
      scale,
      batchSize: Number(args.batch),
      replicas: replicasPerJob(),
      method: mergeMethod(cfg.method ?? {}, args.method ? (JSON.parse(args.method) as PartialMethod) : {}),
      network: cfg.network,
      name: `${key} seed ${seed}`,
    },
    { onData: (d) => (chosen = d.inputScale) },
  );
  const r = await handle.outcome;
  const s = ProjectStore.open(domain.project, { readonly: true });
  const model = loadModel(s, r.modelId ?? undefined);
  s.close();
  const replicas = r.backend?.replicas ?? 1;
  const runs: Run[] = [];
  // Plain and flip first: batch-norm re-estimation changes the model.
  const order = ["plain", "flip", "bn", "bn-flip"].filter((v) => variants.includes(v));
  let reestimated = false;
  for (const variant of order) {
    if (variant.startsWith("bn") && !reestimated) {
      reestimateBatchNorm(
        model.net,
        domain.train.map((t) => t.image),
      );
      reestimated = true;
    }
    const m = evaluateNetwork(model.net, domain.val, domain.voidValue, { flip: variant.endsWith("flip") });
    runs.push({
      domain: domain.name,
      config: variantKey(key, variant),
      seed,
      miou: m.miou,
      pixelAccuracy: m.pixelAccuracy,
      perClassIou: m.perClassIou,
      steps: r.stepsDone,
      seconds: r.seconds,
      scale: chosen,
      backend: `${r.backend?.name ?? "?"}${replicas > 1 ? ` x${replicas}` : ""}`,
    });
  }
  if (args.pseudo) runs[0].pseudo = confidentPixelQuality(model.net, domain, Number(args.pseudo));
  if (args.superpixels) runs[0].superpixels = superpixelQuality(model.net, domain, Number(args.superpixels));
  model.net.dispose();
  return runs;
}

async function classicalRun(domain: Domain, seed: number): Promise<Run> {
  const t0 = performance.now();
  const classifier = await trainPixelClassifier(domain.train, domain.classNames.length, { seed });
  const m = new ConfusionMatrix(domain.classNames.length);
  for (const v of domain.val) m.add((await classifier.predict(v.image)).classes, v.gt, domain.voidValue);
  const metrics = m.metrics();
  return {
    domain: domain.name,
    config: "classical",
    seed,
    miou: metrics.miou,
    pixelAccuracy: metrics.pixelAccuracy,
    perClassIou: metrics.perClassIou,
    steps: 0,
    seconds: (performance.now() - t0) / 1000,
    scale: 1,
    backend: "random forest",
  };
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) =>
  v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1));
const pm = (v: number[]) => `${mean(v).toFixed(3)} ± ${sd(v).toFixed(3)}`;

/** Paired sign-flip p of `key` against `ref` over the runs both have (same domain and seed). */
function pVersus(runs: Run[], key: string, ref: string, domain?: string): string {
  const d: number[] = [];
  for (const r of runs) {
    if (r.config !== key || (domain && r.domain !== domain)) continue;
    const base = runs.find((b) => b.config === ref && b.domain === r.domain && b.seed === r.seed);
    if (base) d.push(r.miou - base.miou);
  }
  if (d.length < 2 || d.length > 20) return "-";
  return `${mean(d) >= 0 ? "+" : ""}${mean(d).toFixed(3)}, p ${pairedTest(d).p.toFixed(3)}`;
}

async function main(): Promise<void> {
  const seeds = args.seeds.split(",").map(Number);
  const keys = args["only-classical"] ? [] : args.configs.split(",");
  for (const k of keys)
    if (!CONFIGS[k]) throw new Error(`unknown config ${k} (known: ${Object.keys(CONFIGS).join(", ")})`);
  const variants = args.eval.split(",");
  for (const v of variants)
    if (!(v in VARIANTS)) throw new Error(`unknown --eval ${v} (known: ${Object.keys(VARIANTS).join(", ")})`);
  const withClassical = !args["no-classical"];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-bench-"));
  await initBackend(args.backend as BackendPreference);
  const runs: Run[] = [];
  const domains: Domain[] = [];
  const budget = args.steps ? `${args.steps} steps` : `${args.minutes} min`;
  for (const name of args.domains.split(",")) {
    const domain = await loadDomain(name, args.cache, work);
    domains.push(domain);
    log(
      `${domain.name}: ${domain.train.length} train images (${(100 * domain.labeledShare).toFixed(2)}% of pixels scribbled), ${domain.val.length} val images, ${domain.classNames.length} classes`,
    );
    // --jobs: configurations side by side, each on its own copy of the project (a run stores its model there).
    const projectOf = (key: string) => {
      if (jobs === 1) return domain.project;
      const copy = `${domain.project}.${key}.pxl`;
      if (!fs.existsSync(copy)) fs.copyFileSync(domain.project, copy);
      return copy;
    };
    for (let c = 0; c < keys.length; c += jobs) {
      const together = keys.slice(c, c + jobs);
      for (const seed of seeds) {
        for (const key of together) log(`  ${key} seed ${seed}: training for ${budget}...`);
        const results = await Promise.all(
          together.map((key) => trainRun({ ...domain, project: projectOf(key) }, key, seed, variants)),
        );
        for (const r of results.flat()) {
          runs.push(r);
          log(
            `  ${r.config} seed ${seed}: mIoU ${r.miou.toFixed(3)}, pixel accuracy ${r.pixelAccuracy.toFixed(3)} (${r.steps} steps, ${r.seconds.toFixed(0)} s, scale ${r.scale}, ${r.backend})`,
          );
        }
      }
    }
    if (jobs > 1)
      for (const key of keys)
        for (const suffix of ["", "-wal", "-shm"])
          fs.rmSync(`${domain.project}.${key}.pxl${suffix}`, { force: true });
    if (withClassical)
      for (const seed of seeds) {
        const r = await classicalRun(domain, seed);
        runs.push(r);
        log(
          `  classical seed ${seed}: mIoU ${r.miou.toFixed(3)} (${r.seconds.toFixed(0)} s train + predict)`,
        );
      }
    fs.rmSync(domain.project, { force: true });
  }
  fs.rmSync(work, { recursive: true, force: true });
  const allKeys = [
    ...keys.flatMap((k) => variants.map((v) => variantKey(k, v))),
    ...(withClassical ? ["classical"] : []),
  ];
  const setup = {
    budget,
    seeds,
    size: Number(args.size),
    batch: Number(args.batch),
    replicas: args.replicas,
    cores: os.availableParallelism(),
    jobs,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ setup, runs })}\n`);
    return;
  }
  const ref = allKeys[0];
  for (const domain of domains) {
    console.log(`\n### ${domain.name} (val mIoU over seeds ${seeds.join(", ")})\n`);
    console.log(
      `| configuration | mIoU | per seed | pixel acc. | vs ${ref} | steps | s/run | scale | backend |`,
    );
    console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
    for (const key of allKeys) {
      const rs = runs.filter((r) => r.domain === domain.name && r.config === key);
      console.log(
        `| ${key === "classical" ? "classical (random forest on filter features)" : labelOf(key)} | ${pm(rs.map((r) => r.miou))} | ${rs.map((r) => r.miou.toFixed(3)).join(", ")} | ${mean(rs.map((r) => r.pixelAccuracy)).toFixed(3)} | ${key === ref ? "" : pVersus(runs, key, ref, domain.name)} | ${Math.round(mean(rs.map((r) => r.steps)))} | ${mean(rs.map((r) => r.seconds)).toFixed(0)} | ${[...new Set(rs.map((r) => r.scale))].join("/")} | ${rs[0]?.backend ?? ""} |`,
      );
    }
    const diagnostics = [
      { field: "pseudo", title: `at confidence >= ${args.pseudo}`, on: args.pseudo },
      {
        field: "superpixels",
        title: `in a self-training round keeping ${args.superpixels} of each class's superpixels`,
        on: args.superpixels,
      },
    ] as const;
    for (const { field, title, on } of diagnostics) {
      if (!on) continue;
      console.log(
        `\nper class ${title}, the train images' unlabeled pixels (mean over seeds; coverage / precision): ${domain.classNames.join(", ")}`,
      );
      for (const key of allKeys) {
        const qs = runs
          .filter((r) => r.domain === domain.name && r.config === key && r[field])
          .map((r) => r[field]!);
        if (!qs.length) continue;
        const cell = (c: number) =>
          (["coverage", "precision"] as const)
            .map((f) => {
              const v = qs.map((q) => q[f][c]).filter((x): x is number => x !== null);
              return v.length ? mean(v).toFixed(2) : "-";
            })
            .join("/");
        console.log(`  ${key.padEnd(12)} ${domain.classNames.map((_, c) => cell(c)).join(" ")}`);
      }
    }
    console.log(`\nper-class IoU (mean over seeds): ${domain.classNames.join(", ")}`);
    for (const key of allKeys) {
      const rs = runs.filter((r) => r.domain === domain.name && r.config === key);
      const perClass = domain.classNames.map((_, c) => {
        const v = rs.map((r) => r.perClassIou[c]).filter((x): x is number => x !== null && x !== undefined);
        return v.length ? mean(v).toFixed(2) : "-";
      });
      console.log(`  ${key.padEnd(12)} ${perClass.join(" ")}`);
    }
  }
  console.log(`\n### mean over domains (${domains.map((d) => d.name).join(", ")})\n`);
  console.log(`| configuration | mean mIoU | vs ${ref} (all domains and seeds paired) |`);
  console.log(`| --- | --- | --- |`);
  for (const key of allKeys) {
    const perDomain = domains.map((d) =>
      mean(runs.filter((r) => r.domain === d.name && r.config === key).map((r) => r.miou)),
    );
    console.log(`| ${key} | ${mean(perDomain).toFixed(3)} | ${key === ref ? "" : pVersus(runs, key, ref)} |`);
  }
  console.log(
    `\n${budget} per run, seeds ${seeds.join(", ")}, crops ${setup.size}, batch ${setup.batch}, replicas ${replicasPerJob()} on ${setup.cores} cores; ${jobs > 1 ? `${jobs} configurations at a time, side by side` : "runs one at a time"}`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench-accuracy: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
