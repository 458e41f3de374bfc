// Bundles the Electron shell: main process (ESM) and preload (CommonJS, as sandboxed
// preloads require). Native and optional packages stay external.
import { build } from "esbuild";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const external = ["electron", "better-sqlite3", "sharp", "@tensorflow/*", "tsx", "tsx/*"];
await build({
  entryPoints: [path.join(root, "main/main.ts")],
  outfile: path.join(root, "dist/main/main.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  external,
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
});
await build({
  entryPoints: [path.join(root, "main/preload.ts")],
  outfile: path.join(root, "dist/main/preload.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node22",
  external: ["electron"],
  logLevel: "warning",
});
// The training worker thread, beside main.mjs where app/ml/worker.ts looks for it.
await build({
  entryPoints: [path.join(root, "app/ml/worker-main.ts")],
  outfile: path.join(root, "dist/main/worker-main.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  external,
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: "warning",
});
console.log("built dist/main/main.mjs, dist/main/preload.cjs and dist/main/worker-main.js");
