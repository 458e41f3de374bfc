// npm's "prepare" step (runs on npm ci / npm install): points git at the committed hooks in
// .githooks/ (pre-commit: prettier and eslint on staged files). Does nothing, and never fails,
// outside a git checkout (a tarball, CI without .git), or when core.hooksPath is set to
// something else already.
import { execFileSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const git = (...args) =>
  execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
try {
  if (path.resolve(git("rev-parse", "--show-toplevel")) !== root) process.exit(0);
  let current = "";
  try {
    current = git("config", "--get", "core.hooksPath");
  } catch {
    // not set
  }
  if (current === ".githooks") process.exit(0);
  if (current) {
    console.log(
      `pixelloop: core.hooksPath is ${current}; left as it is (.githooks/ has the pre-commit hook)`,
    );
    process.exit(0);
  }
  git("config", "core.hooksPath", ".githooks");
  console.log("pixelloop: git hooks installed (.githooks/pre-commit: prettier and eslint on staged files)");
} catch {
  // no git, or not a checkout: nothing to install
}
