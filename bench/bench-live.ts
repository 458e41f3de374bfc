/**
 * Live mode benchmark (npm run bench:live; docs/live.md, issue 33). On camvid-dev
 * (../shared/datasets/camvid-dev, 480x360 street scenes, 11 classes):
 *
 *  1. first prediction: a project of 8 train images without labels, the first one open in live
 *     mode; from saving the first stroke of a second class to the open image's preview
 *     prediction stored (the preview's worker has started when the screen opened);
 *  2. refresh: 20 more strokes, one a second (a person painting), each taken from the image's
 *     scribbles; per stroke, from its save to the first stored prediction of the open image by
 *     a classifier that learned it (median, p95, max);
 *  3. stroke save (strokes.commit, request to answer) over those strokes, while the preview
 *     retrains and predicts in its worker (median, p95);
 *  4. accuracy: the 60 scribbled train images (bench-domains.ts builds the project), the preview
 *     classifier trained by `train --preview`'s path with a 60 s budget to beat; val mIoU over
 *     the 30 val images (void ignored).
 *
 * The service runs in this process, as behind `pixelloop serve` (no HTTP hop: a save's time is
 * the handler's). Targets: 1 and 2 <= 3 s, 3 < 50 ms, 4 >= 0.25 mIoU within 60 s.
 * `--background`: 2 and 3 with background training on (docs/live.md): after the first
 * prediction, the network's first background round starts, and the 20 strokes begin once it
 * takes steps; 4 is not run.
 * `--json` prints one JSON object; `--out FILE` writes the results as markdown.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PixelloopService } from "../app/api/service.ts";
import type { ApiEvent, ImageList, LiveStatus, TrainingStatus } from "../app/common/api-types.ts";
import { ProjectStore } from "../app/store/project-store.ts";
import { readClassesFile } from "../app/exchange/classes-file.ts";
import { importImages } from "../app/images/importer.ts";
import { readIndexPng } from "../app/exchange/index-png.ts";
import { maskName } from "../app/jobs/project-prediction.ts";
import { ConfusionMatrix } from "../app/ml/prediction/metrics.ts";
import { initBackend } from "../app/ml/engine/backend.ts";
import { loadPreviewModel, previewPrediction, trainPreview } from "../app/ops/preview.ts";
import { defaultCache, domainFolder, loadDomain } from "./bench-domains.ts";

const asJson = process.argv.includes("--json");
const withBackground = process.argv.includes("--background");
const outAt = process.argv.indexOf("--out");
const outFile = outAt > 0 ? process.argv[outAt + 1] : undefined;
const log = (s: string) => {
  if (!asJson) process.stdout.write(s + "\n");
};

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))] ?? NaN;
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] ?? NaN, n: s.length };
}

/** Strokes from an image's scribbles: runs of scribbled pixels of one class, row-major, as brush polylines. */
function scribbleStrokes(
  labels: Uint8Array,
  width: number,
): Array<{ classIdx: number; points: [number, number][] }> {
  const byClass = new Map<number, [number, number][]>();
  for (let p = 0; p < labels.length; p++) {
    const c = labels[p];
    if (c === 255) continue;
    const list = byClass.get(c) ?? [];
    list.push([p % width, Math.floor(p / width)]);
    byClass.set(c, list);
  }
  // Each class's pixels in chunks of 40, every 4th point kept: short strokes over its scribble.
  const perClass = [...byClass.entries()]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([classIdx, pts]) => {
      const strokes: Array<{ classIdx: number; points: [number, number][] }> = [];
      for (let i = 0; i + 40 <= pts.length; i += 40)
        strokes.push({ classIdx, points: pts.slice(i, i + 40).filter((_, k) => k % 4 === 0) });
      return strokes;
    });
  // Round-robin over the classes: the first two strokes are of two classes.
  const out: Array<{ classIdx: number; points: [number, number][] }> = [];
  for (let i = 0; out.length < 200; i++) {
    let any = false;
    for (const s of perClass)
      if (s[i]) {
        out.push(s[i]);
        any = true;
      }
    if (!any) break;
  }
  return out;
}

function waitFor<T extends ApiEvent>(
  service: PixelloopService,
  match: (e: ApiEvent) => boolean,
  ms = 120_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event within ${ms} ms`));
    }, ms);
    const off = service.on((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      off();
      resolve(e as T);
    });
  });
}

/** The mask version the stored classifier learned of an image (0: not learned). */
function learnedVersion(store: ProjectStore, imageId: number): number {
  const row = store.preview.classifier();
  if (!row) return 0;
  const snap = JSON.parse(row.label_snapshot) as { images: Array<{ id: number; version: number }> };
  return snap.images.find((i) => i.id === imageId)?.version ?? 0;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function liveLatency(folder: string, work: string) {
  const file = path.join(work, "live.pxl");
  const classes = readClassesFile(path.join(folder, "classes.json"));
  const names = fs.readdirSync(path.join(folder, "train/images")).sort().slice(0, 8);
  const imagesDir = path.join(work, "images");
  fs.mkdirSync(imagesDir, { recursive: true });
  for (const n of names) fs.copyFileSync(path.join(folder, "train/images", n), path.join(imagesDir, n));
  const store0 = ProjectStore.create(file, { name: "live bench", classes });
  await importImages(store0, [imagesDir], { split: "train" });
  store0.close();

  const service = new PixelloopService({
    projectsDir: work,
    recentFile: path.join(work, "recent.json"),
    demoDir: path.join(work, "demo"),
    watchMs: 0,
  });
  service.open(file);
  const store = service.project!;
  const open = ((await service.call("images.list", { limit: 1, sort: "name" })) as ImageList).items[0];
  const scribbles = Uint8Array.from(
    readIndexPng(path.join(folder, "train/scribbles", maskName(open.name))).values,
  );
  const strokes = scribbleStrokes(scribbles, open.width);
  if (strokes.length < 22) throw new Error(`${open.name}: too few scribble strokes (${strokes.length})`);
  // The screen opens the image: live mode (on by default, no network) starts its worker.
  await service.call("live.set", { imageId: open.id });
  await sleep(3000); // the worker has loaded the tensor backend, as it has by the time a person paints

  const saves: number[] = [];
  const commit = async (s: (typeof strokes)[number]) => {
    const t0 = performance.now();
    const r = (await service.call("strokes.commit", {
      imageId: open.id,
      tool: "brush",
      classIdx: s.classIdx,
      width: 5,
      points: s.points,
    })) as { version: number };
    saves.push(performance.now() - t0);
    return { t0, version: r.version };
  };
  /** From t0 to the first stored prediction of the open image by a classifier that learned `version`. */
  const refreshed = (t0: number, version: number) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no refresh within 120 s")), 120_000);
      const off = service.on((e) => {
        if (e.type !== "preview.predicted" || e.imageId !== open.id) return;
        if (learnedVersion(store, open.id) < version) return;
        clearTimeout(timer);
        off();
        resolve(performance.now() - t0);
      });
    });

  // 1. first strokes of two classes
  await commit(strokes[0]);
  await waitFor<Extract<ApiEvent, { type: "live.status" }>>(
    service,
    (e) => e.type === "live.status" && e.status.state === "waiting",
  );
  const second = await commit(strokes[1]);
  const first = await refreshed(second.t0, second.version);
  log(`first prediction after the second class's stroke: ${(first / 1000).toFixed(2)} s`);
  let roundSteps: [number, number] | null = null;
  if (withBackground) {
    // The network's first round, from scratch, on the two strokes: strokes start once it steps.
    const stepping = waitFor<Extract<ApiEvent, { type: "training.status" }>>(
      service,
      (e) =>
        e.type === "training.status" &&
        e.status.backgroundRun &&
        e.status.state === "training" &&
        e.status.step > 0,
      300_000,
    );
    await service.call("training.background", { enabled: true });
    roundSteps = [(await stepping).status.step, 0];
    log(`background round training (step ${roundSteps[0]}): 20 strokes now`);
  }

  // 2 and 3. 20 strokes, one a second
  const pending: Promise<number>[] = [];
  for (let i = 2; i < 22; i++) {
    const c = await commit(strokes[i]);
    const p = refreshed(c.t0, c.version);
    p.catch(() => undefined);
    pending.push(p);
    await sleep(1000);
  }
  const refresh = await Promise.all(pending);
  const status = (await service.call("live.status", {})) as LiveStatus;
  if (roundSteps) {
    const t = (await service.call("training.status", {})) as TrainingStatus;
    roundSteps[1] = t.step;
    log(`background round: ${t.state} at step ${t.step} (${t.message ?? ""})`);
  }
  await service.close();
  return { first, refresh: stats(refresh), saves: stats(saves), image: open.name, status, roundSteps };
}

async function accuracy(work: string) {
  const domain = await loadDomain("camvid-dev", defaultCache(), work);
  const t0 = performance.now();
  const r = await trainPreview(domain.project, { predict: false });
  const seconds = (performance.now() - t0) / 1000;
  await initBackend("auto");
  const store = ProjectStore.open(domain.project, { readonly: true });
  const { model } = loadPreviewModel(store);
  store.close();
  const m = new ConfusionMatrix(domain.classNames.length);
  for (const v of domain.val) m.add(previewPrediction(model, v.image).classMap, v.gt, domain.voidValue);
  const metrics = m.metrics();
  return { seconds, miou: metrics.miou, pixelAccuracy: metrics.pixelAccuracy, metrics: r.metrics };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-bench-live-"));
try {
  const folder = domainFolder("camvid-dev", defaultCache());
  const load = os.loadavg();
  const live = await liveLatency(folder, work);
  const fmt = (s: ReturnType<typeof stats>, unit: "s" | "ms") =>
    unit === "s"
      ? `median ${(s.median / 1000).toFixed(2)} s, p95 ${(s.p95 / 1000).toFixed(2)} s, max ${(s.max / 1000).toFixed(2)} s (n=${s.n})`
      : `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (n=${s.n})`;
  log(`refresh after each stroke: ${fmt(live.refresh, "s")}`);
  log(`stroke save while live: ${fmt(live.saves, "ms")}`);
  if (withBackground) {
    if (asJson)
      process.stdout.write(
        JSON.stringify({
          background: true,
          first: live.first,
          refresh: live.refresh,
          saves: live.saves,
          roundSteps: live.roundSteps,
        }) + "\n",
      );
    fs.rmSync(work, { recursive: true, force: true });
    process.exit(0);
  }
  const acc = await accuracy(work);
  log(
    `camvid-dev: preview trained on 60 scribbled images in ${acc.seconds.toFixed(1)} s, val mIoU ${acc.miou.toFixed(3)} (pixel accuracy ${acc.pixelAccuracy.toFixed(3)})`,
  );
  const loadAfter = os.loadavg();
  const result = {
    machine: {
      cores: os.cpus().length,
      loadBefore: load.map((l) => +l.toFixed(2)),
      loadAfter: loadAfter.map((l) => +l.toFixed(2)),
    },
    firstSeconds: live.first / 1000,
    refreshSeconds: {
      median: live.refresh.median / 1000,
      p95: live.refresh.p95 / 1000,
      max: live.refresh.max / 1000,
      n: live.refresh.n,
    },
    saveMs: live.saves,
    image: live.image,
    accuracy: acc,
  };
  if (asJson) process.stdout.write(JSON.stringify(result) + "\n");
  if (outFile) {
    const ok = (b: boolean) => (b ? "met" : "**missed**");
    fs.writeFileSync(
      outFile,
      `# Live mode (bench:live)

\`npm run bench:live -- --out bench/results/live.md\` on ${new Date().toISOString().slice(0, 10)}: camvid-dev,
the preview classifier's defaults (LIVE_DEFAULTS: 32 trees, depth 16, 2,000 pixels per class,
feature maps cached up to 256 MB), wasm backend, the service in the benchmark's process.

This 2-core VM was shared with four other helpers working at the same time: load average
${load.map((l) => l.toFixed(1)).join(" / ")} (1/5/15 min) before the run and ${loadAfter.map((l) => l.toFixed(1)).join(" / ")} after.
Wall-clock times are inflated by that load (the benchmark itself ran under \`nice -n 10\`).

| what | target | measured | |
| --- | --- | --- | --- |
| first prediction on the open image after the first strokes of two classes (480x360, ${live.image}) | <= 3 s | ${(live.first / 1000).toFixed(2)} s | ${ok(live.first <= 3000)} |
| refresh after each stroke, 20 strokes one a second | median <= 3 s | ${fmt(live.refresh, "s")} | ${ok(live.refresh.median <= 3000)} |
| stroke save (strokes.commit) while live mode retrains and predicts | median < 50 ms | ${fmt(live.saves, "ms")} | ${ok(live.saves.median < 50)} |
| camvid-dev val mIoU of the preview trained on the 60 scribbled train images | >= 0.25 within 60 s | ${acc.miou.toFixed(3)} (pixel accuracy ${acc.pixelAccuracy.toFixed(3)}), trained in ${acc.seconds.toFixed(1)} s | ${ok(acc.miou >= 0.25 && acc.seconds <= 60)} |

How each is measured:

1. A project of the first 8 camvid-dev train images without labels; the first is open in live
   mode (its worker started when the screen opened). Strokes are runs of that image's own
   scribbles (brush 5 px). Time from the save of the first stroke of a second class to the
   open image's preview prediction being stored.
2. 20 more strokes, one a second; for each, from its save to the first stored prediction of the
   open image by a classifier that learned it (a burst of strokes coalesces into one retrain, so
   a stroke can be served by the retrain of a later one).
3. The same 22 saves, each timed from request to answer.
4. \`trainPreview\` (the path of \`pixelloop train --preview\`: the worker reads the 60 images and their
   scribbles from the project file, computes features, trains the forest and stores it), then
   the stored classifier predicts the 30 val images, scored against val/gt, void ignored.
   ${acc.metrics ? `${acc.metrics.perClass.reduce((a, b) => a + b, 0)} training pixels (${acc.metrics.trees} trees); the worker's retrain itself (reading the images, features, forest): ${acc.metrics.trainSeconds.toFixed(1)} s.` : ""}
`,
    );
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
