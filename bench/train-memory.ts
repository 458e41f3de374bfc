/**
 * The wasm heap a training run grows to, for two source trees, by crop size: what decides whether
 * a batch fits in wasm's 4 GB per thread. Each run is a fresh process that loads the tree's own
 * modules, trains one replica at batch --batch, --steps steps, partial CE only, on the first 16
 * camvid-dev train images, and reports the heap (it only grows), or that wasm ran out of memory.
 *
 *   node --import tsx bench/train-memory.ts OLD_ROOT NEW_ROOT [--sizes 256,448,480] [--batch 8] [--steps 3]
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { runInTree, treeTraining } from "./tree-training.ts";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: "string", default: "256,448,480" },
    batch: { type: "string", default: "8" },
    steps: { type: "string", default: "3" },
    child: { type: "string" },
    data: { type: "string", default: path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev") },
  },
});

async function child(root: string, size: number): Promise<void> {
  const { tf, run } = await treeTraining(root, args.data);
  await run({ batchSize: Number(args.batch), inputSize: size, steps: Number(args.steps) });
  const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  process.stdout.write(`${JSON.stringify({ heapMiB: heap / 2 ** 20 })}\n`);
}

function main(): void {
  const roots = positionals.map((p) => path.resolve(p));
  if (roots.length !== 2) throw new Error("usage: train-memory.ts OLD_ROOT NEW_ROOT [--sizes 256,448]");
  for (const size of args.sizes.split(",").map(Number))
    for (const [key, root] of [
      ["old", roots[0]],
      ["new", roots[1]],
    ] as const) {
      const r = runInTree(import.meta.filename, root, [
        "--child",
        String(size),
        ...["--batch", args.batch, "--steps", args.steps, "--data", args.data],
      ]);
      const result = r.ok
        ? `${(r.result as { heapMiB: number }).heapMiB.toFixed(0)} MiB`
        : /Aborted\(/.test(r.stderr)
          ? "out of memory (wasm aborted)"
          : `failed: ${r.stderr.slice(-300)}`;
      console.log(`${size}x${size}, batch ${args.batch}, ${key}: ${result}`);
    }
}

if (args.child) await child(positionals[0], Number(args.child));
else main();
