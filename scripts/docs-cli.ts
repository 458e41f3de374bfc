/**
 * npm run docs:cli: writes docs/cli.md's reference part from the commands' help (app/cli/reference.ts),
 * keeping the hand-written part above the marker line.
 */
import fs from "node:fs";
import path from "node:path";
import { updatedCliDoc } from "../app/cli/reference.ts";

const file = path.resolve(import.meta.dirname, "../docs/cli.md");
const current = fs.readFileSync(file, "utf8");
const next = updatedCliDoc(current);
if (next === current) console.log("docs/cli.md is up to date");
else {
  fs.writeFileSync(file, next);
  console.log("docs/cli.md written");
}
