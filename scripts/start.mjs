// npm start: the desktop app when the Electron binary is present; otherwise one clear line
// and browser mode on the demo project (same core, same UI, served on 127.0.0.1).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);

/** The Electron binary, downloading it once (quietly) when the package is there without it. */
function electronBinary() {
  let dir;
  try {
    dir = path.dirname(require.resolve("electron/package.json"));
  } catch {
    return { error: "the electron package is not installed" };
  }
  const locate = () => {
    const pathFile = path.join(dir, "path.txt");
    if (!fs.existsSync(pathFile)) return null;
    const bin = path.join(
      process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(dir, "dist"),
      fs.readFileSync(pathFile, "utf8"),
    );
    return fs.existsSync(bin) ? bin : null;
  };
  let bin = locate();
  if (!bin) {
    const r = spawnSync(process.execPath, [path.join(dir, "install.js")], {
      stdio: "pipe",
      timeout: 120_000,
    });
    bin = r.status === 0 ? locate() : null;
    if (!bin) return { error: "its binary is not installed and could not be downloaded" };
  }
  return { path: bin };
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
  console.error(`pixelloop: starting the desktop app (Electron ${electron.path})`);
  const { execFileSync } = await import("node:child_process");
  execFileSync(process.execPath, [path.join(root, "scripts", "build-main.mjs")], {
    stdio: "inherit",
    cwd: root,
  });
  execFileSync("npm", ["run", "-s", "build:renderer"], { stdio: "inherit", cwd: root });
  run(electron.path, [root, ...args]);
} else {
  console.error(`pixelloop: Electron is not available (${electron.error}); starting browser mode instead.`);
  if (!fs.existsSync(path.join(root, "dist", "renderer", "index.html"))) {
    console.error("pixelloop: building the UI (first start)");
    const { execFileSync } = await import("node:child_process");
    execFileSync("npm", ["run", "-s", "build:renderer"], {
      stdio: ["ignore", "ignore", "inherit"],
      cwd: root,
    });
  }
  run(process.execPath, [
    bin,
    "demo",
    "--dir",
    process.env.PIXELLOOP_DEMO_DIR ?? path.join(root, "demo-project"),
    "--serve",
    ...args,
  ]);
}
