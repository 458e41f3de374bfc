// Test fixture: writes strokes to a project in a loop, printing each stroke id after its
// write returned, until killed. Used by the crash-safety test.
import fs from "node:fs";
import { ProjectStore } from "../store/project-store.ts";
import { applyStroke } from "../labels/edit.ts";

const [file, imageIdArg] = process.argv.slice(2);
const store = ProjectStore.open(file);
const imageId = Number(imageIdArg);
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let i = 0; ; i++) {
  const img = store.requireImage(imageId);
  const points: [number, number][] = [
    [rand() * img.width, rand() * img.height],
    [rand() * img.width, rand() * img.height],
  ];
  const tool = i % 5 === 4 ? "eraser" : "brush";
  const classIdx = tool === "eraser" ? null : i % 2;
  const before = store.mask(imageId);
  const r = applyStroke(before, { tool, classIdx, width: 6, points });
  if (!r) continue;
  const row = store.commitChange(imageId, before, r.mask, r.rect, {
    tool,
    classIdx,
    width: 6,
    points,
    author: "crash",
  });
  fs.writeSync(1, `${row.id}\n`);
}
