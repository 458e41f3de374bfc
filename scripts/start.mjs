// npm start: the desktop app when the Electron binary is present; otherwise one clear line
// and browser mode on the demo project (same core, same UI, served on 127.0.0.1).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    return { path: require("electron") };
  } catch (e) {
    return { error: String(e.message ?? e).split("\n")[0] };
  }
}

function run(cmd, args) {
  const child = spawn(cmd, args, { stdio: "inherit", cwd: root });
  child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
}

const args = process.argv.slice(2);
const electron = process.env.PIXELLOOP_BROWSER ? { error: "PIXELLOOP_BROWSER is set" } : electronBinary();
const bin = path.join(root, "bin", "pixelloop.mjs");
if (electron.path) {
  run(process.execPath, [path.join(root, "scripts", "build-main.mjs")]);
} else {
  console.error(`pixelloop: Electron is not available (${electron.error}); starting browser mode instead.`);
  run(process.execPath, [bin, "demo", "--serve", ...args]);
}
