/**
 * PiXL's cost in CPU seconds per training step (a measure that holds on a shared machine): one
 * process per configuration, alternating, --runs times each; one wasm replica, crops of 128,
 * batch 8, the first 16 camvid-dev train images, partial CE only, median over the steps after
 * three warm-up steps.
 *
 *   node --import tsx bench/pixl-cost.ts [--runs 3] [--steps 10] [--configs plain,head,pixl,semi,semi-pixl]
 *
 * Configurations: plain (CE), head (CE, and the projection head runs on every cell of the
 * embedding grid: a term reads them all with a loss of zero, so their forward and backward are
 * paid; what PiXL paid before it asked for its cells alone), pixl (CE + PiXL, ramp off), semi
 * (CE + semi-supervision from step 0: the mean teacher's pass and the split views), semi-pixl
 * (semi + PiXL, which then aligns the teacher's half of the batch). PiXL's share is reported over
 * the configuration without it.
 */
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    configs: { type: "string", default: "plain,head,pixl,semi,semi-pixl" },
    steps: { type: "string", default: "10" },
    child: { type: "string" },
    data: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev") },
  },
});
const CONFIGS = ["plain", "head", "pixl", "semi", "semi-pixl"] as const;
type Config = (typeof CONFIGS)[number];
/** What each configuration's cost is reported over. */
const BASE: Record<Config, Config> = {
  plain: "plain",
  head: "plain",
  pixl: "plain",
  semi: "plain",
  "semi-pixl": "semi",
};

async function child(mode: Config): Promise<void> {
  const { tf } = await import("../app/ml/engine/tf.ts");
  const { initBackend } = await import("../app/ml/engine/backend.ts");
  const { createNetwork } = await import("../app/ml/model/network.ts");
  const { datasetFromArray, train } = await import("../app/ml/training/train.ts");
  const { partialCrossEntropy } = await import("../app/ml/method/losses.ts");
  const { loadCamvid } = await import("./camvid-samples.ts");
  await initBackend("wasm");
  const samples = await loadCamvid(args.data, 16);
  if (!samples) throw new Error(`no camvid-dev data at ${args.data}`);
  const net = createNetwork({ numClasses: 12 });
  const off = { enabled: false };
  const semi = mode === "semi" || mode === "semi-pixl";
  const method = {
    propagation: off,
    forestLabels: off,
    pixl: { enabled: mode === "pixl" || mode === "semi-pixl", rampFraction: 0 },
    semiSupervised: semi ? { enabled: true, start: "step0" as const, rampFraction: 0 } : off,
  };
  type Outputs = import("../app/ml/model/network.ts").NetworkOutputs;
  const readsEmbeddings = {
    name: "head",
    usesEmbeddings: true,
    weight: () => 1,
    compute: ({ outputs }: { outputs: Outputs }) => {
      const [b, h, w] = outputs.grid!.shape;
      const every = Array.from({ length: b * h * w }, (_, i) => i);
      return tf.mul(tf.sum(outputs.grid!.rows(every)), 0) as import("../app/ml/engine/tf.ts").tf.Scalar;
    },
  };
  let last = process.cpuUsage();
  const seconds: number[] = [];
  await train(net, datasetFromArray(samples), {
    batchSize: 8,
    inputSize: 128,
    seed: 7,
    steps: Number(args.steps),
    ...(mode === "head" ? { lossTerms: [partialCrossEntropy(), readsEmbeddings] } : { method }),
    onProgress: () => {
      const u = process.cpuUsage(last);
      seconds.push((u.user + u.system) / 1e6);
      last = process.cpuUsage();
    },
  });
  const sorted = seconds.slice(3).sort((a, b) => a - b);
  process.stdout.write(`${sorted[Math.floor(sorted.length / 2)]}\n`);
}

if (args.child) await child(args.child as Config);
else {
  const chosen = args.configs!.split(",") as Config[];
  for (const mode of chosen) {
    if (!CONFIGS.includes(mode))
      throw new Error(`unknown configuration ${mode}: one of ${CONFIGS.join(", ")}`);
    if (!chosen.includes(BASE[mode])) chosen.unshift(BASE[mode]);
  }
  const results = Object.fromEntries(chosen.map((c) => [c, [] as number[]]));
  for (let r = 0; r < Number(args.runs); r++)
    for (const mode of chosen) {
      const out = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          import.meta.filename,
          "--child",
          mode,
          "--steps",
          args.steps!,
          "--data",
          args.data!,
        ],
        { encoding: "utf8" },
      );
      if (out.status !== 0) throw new Error(`${mode} run failed: ${out.stderr.slice(-2000)}`);
      results[mode].push(Number(out.stdout.trim()));
      console.log(`${mode} run ${r + 1}: ${results[mode].at(-1)!.toFixed(3)} CPU s per step`);
    }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  for (const mode of chosen) {
    const base = median(results[BASE[mode]]);
    const over = ((median(results[mode]) - base) / base) * 100;
    console.log(
      `${mode}: median ${median(results[mode]).toFixed(3)} CPU s per step (${over.toFixed(0)}% over ${BASE[mode]})`,
    );
  }
}
