/**
 * Training speed of two source trees, old and new alternating, in CPU seconds per step: a
 * measure that holds on a shared machine, where wall time does not (one wasm replica is one
 * thread, so its process's CPU time is the step's work). Each run is a fresh process that loads
 * the tree's own modules, trains one replica at batch 8, 256x256, partial CE only, on the first
 * 16 camvid-dev train images, one warm-up step, then --steps timed steps.
 *
 *   git archive OLD | tar -x -C /tmp/old && cp -al node_modules /tmp/old/   (same for new)
 *   node --import tsx bench/ab-train-cpu.ts /tmp/old /tmp/new [--runs 3] [--steps 4] [--json]
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { runInTree, treeTraining } from "./tree-training.ts";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "3" },
    steps: { type: "string", default: "4" },
    child: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    data: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev") },
  },
});

async function child(root: string): Promise<void> {
  const steps = Number(args.steps);
  const { run } = await treeTraining(root, args.data);
  const base = { batchSize: 8, inputSize: 256 };
  await run({ ...base, steps: 1 });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run({ ...base, steps });
  const c = process.cpuUsage(c0);
  process.stdout.write(
    `${JSON.stringify({ cpuSecPerStep: (c.user + c.system) / 1e6 / steps, wallSecPerStep: (performance.now() - t0) / 1000 / steps })}\n`,
  );
}

function main(): void {
  const [oldRoot, newRoot] = positionals.map((p) => path.resolve(p));
  if (!oldRoot || !newRoot)
    throw new Error("usage: ab-train-cpu.ts OLD_ROOT NEW_ROOT [--runs 3] [--steps 4]");
  const results: Record<string, number[]> = { old: [], new: [] };
  for (let run = 0; run < Number(args.runs); run++)
    for (const [key, root] of [
      ["old", oldRoot],
      ["new", newRoot],
    ] as const) {
      const r = runInTree(import.meta.filename, root, [
        "--child",
        "--steps",
        args.steps,
        "--data",
        args.data,
      ]);
      if (!r.ok) throw new Error(`${key} run failed: ${r.stderr.slice(-500)}`);
      results[key].push((r.result as { cpuSecPerStep: number }).cpuSecPerStep);
      if (!args.json) console.log(`${key} run ${run + 1}: ${results[key].at(-1)!.toFixed(3)} CPU s per step`);
    }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const speedup = mean(results.old) / mean(results.new);
  if (args.json) console.log(JSON.stringify({ ...results, speedup }));
  else
    console.log(
      `old ${mean(results.old).toFixed(3)}, new ${mean(results.new).toFixed(3)} CPU s per step: ${speedup.toFixed(2)}x (images per CPU-second ${(8 / mean(results.old)).toFixed(2)} -> ${(8 / mean(results.new)).toFixed(2)})`,
    );
}

if (args.child) await child(positionals[0]);
else main();
