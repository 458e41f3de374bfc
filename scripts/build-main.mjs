// Bundles the Electron shell: main process (ESM), preload (CommonJS, as sandboxed preloads
// require) and the training worker with its gradient helpers. Native and optional packages stay external.
import { build } from "esbuild";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const external = ["electron", "better-sqlite3", "sharp", "@tensorflow/*", "tsx", "tsx/*"];
const common = { bundle: true, platform: "node", target: "node22", logLevel: "warning" };
// ESM bundles still meet CommonJS dependencies that call require().
const esm = {
  ...common,
  format: "esm",
  external,
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
};

await build({
  ...esm,
  entryPoints: [path.join(root, "main/main.ts")],
  outfile: path.join(root, "dist/main/main.mjs"),
});
await build({
  ...common,
  format: "cjs",
  external: ["electron"],
  entryPoints: [path.join(root, "main/preload.ts")],
  outfile: path.join(root, "dist/main/preload.cjs"),
});
// The core's process (the service on a message port), beside main.mjs, which forks it.
await build({
  ...esm,
  entryPoints: [path.join(root, "app/server/service-host-main.ts")],
  outfile: path.join(root, "dist/main/service-host.js"),
});
// The training and prediction worker, beside main.mjs where app/jobs/worker.ts looks for it.
await build({
  ...esm,
  entryPoints: [path.join(root, "app/jobs/worker-main.ts")],
  outfile: path.join(root, "dist/main/worker-main.js"),
});
// Its data-parallel gradient helpers (app/ml/training/gradient-helpers.ts looks beside the worker too).
await build({
  ...esm,
  entryPoints: [path.join(root, "app/ml/training/gradient-worker-main.ts")],
  outfile: path.join(root, "dist/main/gradient-worker-main.js"),
});
console.log(
  "built dist/main/main.mjs, dist/main/preload.cjs, dist/main/service-host.js, dist/main/worker-main.js and dist/main/gradient-worker-main.js",
);
