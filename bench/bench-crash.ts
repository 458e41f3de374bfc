/**
 * npm run bench:crash [-- --trials N] [--json]
 * kill -9 during saves (issue 32): each trial makes a fresh project, starts a child process that
 * writes to it through the real service (strokes.commit, one save after another; or
 * images.import, one image per call), kills it with SIGKILL at a random moment, reopens the
 * project and checks it: SQLite's integrity_check (ProjectStore.integrityCheck), every save the
 * child acknowledged present (its stroke and mask version; its image), and no half-imported
 * image visible (every listed image has its file, its thumbnail and a readable mask of its
 * size). Prints trials / lost / corrupt. Not part of npm test (about 2 s a trial).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PixelloopService } from "../app/api/service.ts";
import type { ImageList } from "../app/common/api-types.ts";
import { ProjectStore } from "../app/store/project-store.ts";

const DEMO_IMAGES = path.resolve(import.meta.dirname, "../resources/demo/images");
const CLASSES = [
  { idx: 0, name: "background", color: "#000000" },
  { idx: 1, name: "object", color: "#ff0000" },
];

export type Mode = "strokes" | "import";

/** What the child acknowledged: a save returned (so the user was told it is saved). */
export interface Acks {
  /** imageId -> the highest mask version and the number of strokes acknowledged */
  strokes: Map<number, { version: number; count: number }>;
  /** base names of images whose import call returned */
  imported: Set<string>;
}

export function newAcks(): Acks {
  return { strokes: new Map(), imported: new Set() };
}

/** Reads one line the child printed ("ack stroke <imageId> <version>", "ack import <name>"). */
export function readAck(acks: Acks, line: string): void {
  const m = /^ack stroke (\d+) (\d+)$/.exec(line);
  if (m) {
    const id = Number(m[1]);
    const prev = acks.strokes.get(id) ?? { version: 0, count: 0 };
    acks.strokes.set(id, { version: Math.max(prev.version, Number(m[2])), count: prev.count + 1 });
    return;
  }
  const i = /^ack import (.+)$/.exec(line);
  if (i) acks.imported.add(i[1]);
}

export interface Verdict {
  /** acknowledged saves missing from the file */
  lost: string[];
  /** damage: integrity problems, or a half-imported image visible */
  corrupt: string[];
}

/** Reopens the project after the kill and checks it against what was acknowledged. */
export function checkProject(file: string, acks: Acks): Verdict {
  const lost: string[] = [];
  const corrupt: string[] = [];
  let store: ProjectStore;
  try {
    store = ProjectStore.open(file);
  } catch (e) {
    return { lost, corrupt: [`the project does not open: ${(e as Error).message}`] };
  }
  try {
    corrupt.push(...store.integrityCheck().map((p) => `integrity_check: ${p}`));
    for (const [id, a] of acks.strokes) {
      const version = store.maskVersion(id);
      if (version < a.version) lost.push(`image ${id}: mask version ${version}, ${a.version} acknowledged`);
      const strokes = store.strokes(id).length;
      if (strokes < a.count) lost.push(`image ${id}: ${strokes} strokes, ${a.count} acknowledged`);
    }
    for (const name of acks.imported)
      if (store.imagesByName(name).length !== 1)
        lost.push(`image ${name}: acknowledged as imported, not listed`);
    for (const img of store.listImages()) {
      if (!store.thumbnail(img.id)) corrupt.push(`image ${img.id} (${img.name}): listed without a thumbnail`);
      if (!fs.existsSync(store.absolutePath(img.path)))
        corrupt.push(`image ${img.id} (${img.name}): listed, its file is missing`);
      try {
        const mask = store.mask(img.id);
        if (mask.width !== img.width || mask.height !== img.height)
          corrupt.push(
            `image ${img.id}: mask ${mask.width}x${mask.height}, image ${img.width}x${img.height}`,
          );
      } catch (e) {
        corrupt.push(`image ${img.id}: mask unreadable: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    corrupt.push(`reading the project failed: ${(e as Error).message}`);
  } finally {
    store.close();
  }
  return { lost, corrupt };
}

// ---- the child: writes through the service until killed ----

async function child(mode: Mode, file: string, images: string): Promise<void> {
  const service = new PixelloopService({
    projectsDir: path.dirname(file),
    settingsDir: path.join(path.dirname(file), "home"),
    watchMs: 0,
  });
  service.open(file);
  const say = (s: string) => process.stdout.write(s + "\n");
  if (mode === "import") {
    say("ready");
    for (const f of fs.readdirSync(images).sort()) {
      await service.call("images.import", { paths: [path.join(images, f)] });
      say(`ack import ${f}`);
    }
  } else {
    const ids = (service.call("images.list", { limit: 10 }) as Promise<ImageList>).then((l) =>
      l.items.map((i) => i.id),
    );
    const list = await ids;
    say("ready");
    for (let n = 0; n < 100_000; n++) {
      const imageId = list[n % list.length];
      const y = 10 + ((n * 7) % 200);
      const r = (await service.call("strokes.commit", {
        imageId,
        tool: "brush",
        classIdx: n % 2,
        width: 6 + (n % 20),
        points: [
          [5 + (n % 50), y],
          [300 - (n % 50), y + 20],
        ],
      })) as { version: number; changed: boolean };
      if (r.changed) say(`ack stroke ${imageId} ${r.version}`);
    }
  }
  say("done");
  await service.close();
}

// ---- the parent: trials ----

interface Trial {
  mode: Mode;
  killedMidway: boolean;
  acks: number;
  verdict: Verdict;
}

async function trial(n: number, root: string, self: string): Promise<Trial> {
  const mode: Mode = n % 2 === 0 ? "strokes" : "import";
  const dir = path.join(root, `t${n}`);
  const images = path.join(dir, "incoming");
  fs.mkdirSync(images, { recursive: true });
  for (const f of fs.readdirSync(DEMO_IMAGES).filter((f) => f.endsWith(".png")))
    fs.copyFileSync(path.join(DEMO_IMAGES, f), path.join(images, f));
  const file = path.join(dir, "crash.pxl");
  const store = ProjectStore.create(file, { name: "crash", classes: CLASSES });
  store.close();
  if (mode === "strokes") {
    // A project with a few images to draw on, imported before the child starts.
    const s = new PixelloopService({ projectsDir: dir, settingsDir: path.join(dir, "home"), watchMs: 0 });
    s.open(file);
    await s.call("images.import", {
      paths: fs
        .readdirSync(images)
        .slice(0, 3)
        .map((f) => path.join(images, f)),
    });
    await s.close();
  }
  const acks = newAcks();
  let acked = 0;
  let finished = false;
  const proc = spawn(process.execPath, ["--import", "tsx", self, "--child", mode, file, images], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const importsBeforeKill = Math.floor(Math.random() * fs.readdirSync(images).length);
  const kill = (ms: number) => setTimeout(() => proc.kill("SIGKILL"), ms);
  let buf = "";
  await new Promise<void>((resolve) => {
    proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === "ready") {
          // Saves run on until killed: the kill lands at a random moment of them.
          if (mode === "strokes") kill(Math.random() * 1500);
          else if (importsBeforeKill === 0) kill(Math.random() * 60);
          resolve();
        } else if (line === "done") finished = true;
        else if (line.startsWith("ack ")) {
          readAck(acks, line);
          acked++;
          // Imports end within a second: the kill comes during the import after a random number
          // of them (an image takes tens of milliseconds: decode, hash, thumbnail, insert).
          if (mode === "import" && acked === importsBeforeKill) kill(Math.random() * 60);
        }
      }
    });
    void exited.then(resolve);
  });
  await exited;
  if (!acked && !finished && stderr.trim()) throw new Error(`trial ${n}: the child failed: ${stderr}`);
  const verdict = checkProject(file, acks);
  fs.rmSync(dir, { recursive: true, force: true });
  return { mode, killedMidway: !finished, acks: acked, verdict };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--trials");
  const trials = at >= 0 ? Number(args[at + 1]) : 100;
  if (!Number.isInteger(trials) || trials < 1)
    throw new Error(`--trials: "${args[at + 1]}" is not a whole number ≥ 1`);
  const json = args.includes("--json");
  const self = fileURLToPath(import.meta.url);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pixelloop-crash-"));
  const results: Trial[] = [];
  try {
    for (let n = 0; n < trials; n++) {
      const t = await trial(n, root, self);
      results.push(t);
      const bad = [...t.verdict.lost, ...t.verdict.corrupt];
      if (!json)
        process.stdout.write(
          `trial ${n + 1}/${trials} ${t.mode}: ${t.acks} acknowledged, ${t.killedMidway ? "killed mid-way" : "finished first"}` +
            (bad.length ? `: ${bad.join("; ")}` : "") +
            "\n",
        );
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  const lost = results.filter((t) => t.verdict.lost.length).length;
  const corrupt = results.filter((t) => t.verdict.corrupt.length).length;
  const summary = {
    trials: results.length,
    lost,
    corrupt,
    strokeTrials: results.filter((t) => t.mode === "strokes").length,
    importTrials: results.filter((t) => t.mode === "import").length,
    killedMidway: results.filter((t) => t.killedMidway).length,
    acknowledgedSaves: results.reduce((a, t) => a + t.acks, 0),
  };
  if (json) process.stdout.write(JSON.stringify(summary) + "\n");
  else
    process.stdout.write(
      `trials ${summary.trials} / lost ${lost} / corrupt ${corrupt}  ` +
        `(${summary.strokeTrials} during stroke saves, ${summary.importTrials} during imports; ` +
        `${summary.killedMidway} killed mid-way; ${summary.acknowledgedSaves} acknowledged saves)\n`,
    );
  if (lost || corrupt) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const c = process.argv.indexOf("--child");
  if (c >= 0) {
    const [mode, file, images] = process.argv.slice(c + 1);
    await child(mode as Mode, file, images);
  } else await main();
}
