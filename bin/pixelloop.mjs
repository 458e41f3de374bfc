#!/usr/bin/env node
// The `pixelloop` command: runs the TypeScript CLI (app/cli) through tsx.
const [major] = process.versions.node.split(".").map(Number);
if (major < 22) {
  console.error(
    `pixelloop: needs Node.js 22 or newer (this is ${process.version}); run ./run, which installs it`,
  );
  process.exit(1);
}
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../app/cli/main.ts");
process.exitCode = await main(process.argv);
