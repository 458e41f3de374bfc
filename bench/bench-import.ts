/**
 * npm run bench:import [-- --json]
 * Import throughput on camvid-dev (real PNG decode, hash, thumbnail, SQLite insert), and
 * open time + first-page listing for a 10,000-image project.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ProjectStore } from "../app/store/project-store.ts";
import { importImages } from "../app/images/importer.ts";
import { importIndexMasks } from "../app/exchange/mask-files.ts";
import { readClassesFile } from "../app/exchange/classes-file.ts";
import { applyStroke } from "../app/labels/edit.ts";
import { insertFakeImages } from "./fake-images.ts";

const CAMVID = path.resolve(import.meta.dirname, "../../shared/datasets/camvid-dev");
const json = process.argv.includes("--json");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-bench-"));

try {
  const classes = readClassesFile(path.join(CAMVID, "classes.json"));
  // 1. Import throughput.
  const store = ProjectStore.create(path.join(dir, "import.pxl"), { name: "bench", classes });
  let t0 = performance.now();
  const summary = await importImages(store, [
    path.join(CAMVID, "train/images"),
    path.join(CAMVID, "val/images"),
  ]);
  const importSec = (performance.now() - t0) / 1000;
  t0 = performance.now();
  importIndexMasks(store, path.join(CAMVID, "train/scribbles"));
  const maskSec = (performance.now() - t0) / 1000;
  store.close();

  // 2. A 10,000-image project: rows, thumbnails and label masks as import would write them.
  const bigFile = path.join(dir, "big.pxl");
  const big = ProjectStore.create(bigFile, { name: "big", classes });
  const thumb = crypto.randomBytes(6000);
  t0 = performance.now();
  insertFakeImages(
    big,
    {
      count: 10_000,
      width: 480,
      height: 360,
      dir: path.join(dir, "images"),
      split: (i) => (i % 10 === 0 ? "val" : "train"),
      thumbnail: { width: 256, height: 192, webp: thumb },
    },
    (id, i) => {
      if (i % 4 !== 0) return;
      const before = big.mask(id);
      const r = applyStroke(before, {
        tool: "brush",
        classIdx: i % 11,
        width: 3,
        points: [
          [10, 10 + (i % 300)],
          [400, 50 + (i % 300)],
        ],
      });
      if (r)
        big.commitChange(id, before, r.mask, r.rect, {
          tool: "brush",
          classIdx: i % 11,
          width: 3,
          points: [],
          author: "bench",
        });
    },
  );
  const buildSec = (performance.now() - t0) / 1000;
  big.close();
  const sizeMb = fs.statSync(bigFile).size / 1e6;

  const opens: number[] = [];
  const pages: number[] = [];
  for (let k = 0; k < 5; k++) {
    t0 = performance.now();
    const s = ProjectStore.open(bigFile);
    s.summary();
    s.classes();
    opens.push(performance.now() - t0);
    t0 = performance.now();
    const page = s.listImages({ offset: 0, limit: 100 });
    pages.push(performance.now() - t0);
    if (page.length !== 100) throw new Error("listing returned a short page");
    s.close();
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const result = {
    importImagesPerSec: summary.imported.length / importSec,
    importedImages: summary.imported.length,
    maskImportPerSec: 60 / maskSec,
    bigProject: { images: 10_000, fileMb: +sizeMb.toFixed(1), buildSec: +buildSec.toFixed(1) },
    openMs: +median(opens).toFixed(1),
    firstPageMs: +median(pages).toFixed(2),
  };
  if (json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `import:      ${result.importedImages} camvid images in ${importSec.toFixed(2)} s = ${result.importImagesPerSec.toFixed(1)} images/s (decode, sha256, thumbnail, insert)`,
    );
    console.log(`mask import: ${result.maskImportPerSec.toFixed(1)} masks/s`);
    console.log(
      `10,000-image project (${result.bigProject.fileMb} MB): open + summary ${result.openMs} ms (target < 1000), first page of 100 ${result.firstPageMs} ms (target < 50)`,
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
