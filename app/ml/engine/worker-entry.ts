/**
 * Where a worker's entry module is, and how to start it: beside the module that asks (`base`,
 * its import.meta.url), as .ts under tsx (development, tests) or as the bundled .js beside
 * dist/main/main.mjs in the desktop app (scripts/build-main.mjs builds them there).
 */
export function workerEntry(name: string, base: string = import.meta.url): { url: URL; execArgv: string[] } {
  const isTs = base.endsWith(".ts");
  const url = new URL(`./${name}.${isTs ? "ts" : "js"}`, base);
  // Under tsx the worker needs the TypeScript loader too.
  return { url, execArgv: isTs ? ["--import", import.meta.resolve("tsx")] : [] };
}
