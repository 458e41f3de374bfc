/**
 * The service layer: one handler per API method, on top of ProjectStore. Both of the UI's
 * front doors (HTTP + WebSocket in app/server, which `pixelloop serve` starts; Electron IPC in
 * main/ipc.ts) call `service.call(method, body)`, which validates the body against the
 * method's schema first.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ProjectStore } from "../store/project-store.ts";
import { UserError, damagedProjectError } from "../store/errors.ts";
import { applyStrokeInPlace } from "../labels/edit.ts";
import { brushRowSpans } from "../common/raster.ts";
import { MAX_BRUSH_ROW_SPANS } from "../common/limits.ts";
import { applyPatch } from "../labels/patch.ts";
import { encodeRle } from "../labels/rle.ts";
import { Source, type LabelMask } from "../common/mask.ts";
import { changedSinceImport } from "../images/importer.ts";
import { checkApiPath } from "../exchange/output-guard.ts";
import { importWithMasks } from "../ops/import.ts";
import { exportDatasetFolder, exportMaskFiles, exportModelFolder } from "../ops/export.ts";
import { createDemoProject } from "../ops/demo.ts";
import { createProject } from "../ops/project.ts";
import { ApiError } from "../common/api-error.ts";
import { isApiMethod, parseRequest, type ApiMethod, type ApiParsed, type ApiResponse } from "./schema.ts";
import type { ApiEvent, ImportResult, MaskChange, ProjectInfo, TrainingStatus } from "../common/api-types.ts";
import { RecentProjects } from "./recent.ts";
import { parseClassesText } from "../exchange/classes-file.ts";
import { classDeleteCheck } from "./class-delete.ts";
import { imageItem, imageNeighbors, listImageItems } from "./image-queries.ts";
import { modelWithoutQueue, suggestions } from "../loop/shown-queue.ts";
import { acceptSuggestedRegion } from "../ops/accept.ts";
import { pickSuggestionsInWorker } from "../jobs/prediction-worker.ts";
import { APP_QUEUE_LENGTH, saveSuggestions } from "../loop/suggest.ts";
import { pickStartQueue, startQueueStale } from "../loop/start-queue.ts";
import { acceptAboveConfidence, acceptComponent, clearAccepted } from "../loop/accept.ts";
import { readPrediction } from "./predictions.ts";
import { createTrainingController, type TrainingController } from "./training.ts";
import { shownModelId } from "../loop/prediction-data.ts";
import { FolderAccess } from "./folder-access.ts";
import { createLiveController, type LiveController } from "./live.ts";
import {
  BACKGROUND_DEBOUNCE_MS,
  createBackgroundController,
  type BackgroundController,
  type BackgroundRound,
} from "./background.ts";
import { osPersonName, personNameProblem } from "./people.ts";
import { labelsByPerson } from "../ops/status.ts";
import { addClass, editClass } from "../ops/classes.ts";

export interface ServiceOptions {
  /** where new projects go by default */
  projectsDir?: string;
  /**
   * The app's own folder (the recent list and the demo project by default; paths from the API
   * stay out of it but for the demo and projects folders): $PIXELLOOP_HOME, else ~/.pixelloop
   */
  settingsDir?: string;
  /** JSON file with the recent projects list */
  recentFile?: string;
  /** where the demo project is created */
  demoDir?: string;
  /** the person acting when a call names none (the desktop app, scripts): default the OS user */
  author?: string;
  version?: string;
  /**
   * Folders the person chose for projects and exports besides the projects folder, the demo
   * folder and the open project's folder (`pixelloop serve --allow`, the folder of the project
   * given on its command line); see allowFolder.
   */
  allowedDirs?: string[];
  /** how the UI reaches this service: browser mode (HTTP) or the desktop app (IPC) */
  transport?: "http" | "ipc";
  /**
   * How often (ms) the open project file is checked for commits of other processes (the CLI, a
   * script, another server): see checkExternalChanges. 0: never (tests call it themselves).
   */
  watchMs?: number;
  /** background training rounds (default BACKGROUND_ROUND_MINUTES of the default network; tests train less) */
  backgroundRound?: BackgroundRound;
  /** quiet time after a labels change before a waiting background trainer goes on */
  backgroundDebounceMs?: number;
}

/**
 * What the open project file held at the last check, as far as the UI shows it: told apart from
 * what another connection committed since (PRAGMA data_version moves only on their commits).
 */
interface Seen {
  dataVersion: number;
  latestModel: number | null;
  /** the predictions' and the queue's signatures (counts, newest rows) */
  predictions: string;
  queue: string;
  /** mask version by image */
  masks: Map<number, number>;
}

/** Default of ServiceOptions.watchMs. */
export const WATCH_MS = 1500;

/** Unmatched mask files an import answers by name (the count has them all). */
export const MAX_UNMATCHED_LISTED = 100;

/**
 * Who is acting on a call, as its door decided (app/api/people.ts): never from the body. `fixed`:
 * the door knows the person (a person's token), so the UI does not ask for a name.
 */
export interface CallContext {
  person?: string;
  fixed?: boolean;
}
type Who = { person: string; fixed: boolean };
type Handlers = {
  [M in ApiMethod]: (req: ApiParsed<M>, who: Who) => Promise<ApiResponse<M>> | ApiResponse<M>;
};
type Listener = (e: ApiEvent) => void;

/** Raised when a method needs an open project and there is none (HTTP 409). */
export class NoProjectError extends ApiError {
  constructor() {
    super(409, "no project is open: create or open one first");
  }
}

export class PixelloopService {
  private store: ProjectStore | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly recent: RecentProjects;
  private readonly opts: Required<ServiceOptions>;
  /** which folders the API may use, and the folder picker */
  private readonly folders: FolderAccess;
  /** The mask last written, so a run of strokes on one image does not decode it every time. */
  private cached: { file: string; imageId: number; version: number; mask: LabelMask } | null = null;
  private readonly training: TrainingController;
  /** live mode: the preview classifier (live.ts) */
  private readonly live: LiveController;
  private readonly background: BackgroundController;
  /** the open project as last checked for other processes' commits; the timer that checks it */
  private seen: Seen | null = null;
  private watchTimer: ReturnType<typeof setInterval> | undefined;
  /** what the last project.changed / training.status event said (JSON): told again only when it differs */
  private lastProject = "";
  private lastTraining = "";
  readonly handlers: Handlers;

  constructor(opts: ServiceOptions = {}) {
    const home = opts.settingsDir ?? process.env.PIXELLOOP_HOME ?? path.join(os.homedir(), ".pixelloop");
    this.opts = {
      settingsDir: home,
      projectsDir: opts.projectsDir ?? path.join(os.homedir(), "Pixelloop"),
      recentFile: opts.recentFile ?? recentFileFor(home, opts.projectsDir),
      demoDir: opts.demoDir ?? path.join(home, "demo"),
      author: opts.author ?? osPersonName(),
      version: opts.version ?? "0.1.0",
      transport: opts.transport ?? "http",
      allowedDirs: opts.allowedDirs ?? [],
      watchMs: opts.watchMs ?? WATCH_MS,
      backgroundRound: opts.backgroundRound ?? {},
      backgroundDebounceMs: opts.backgroundDebounceMs ?? BACKGROUND_DEBOUNCE_MS,
    };
    this.recent = new RecentProjects(this.opts.recentFile);
    this.folders = new FolderAccess(this.opts, () => this.store?.dir ?? null);
    for (const d of this.opts.allowedDirs) this.allowFolder(d);
    this.training = createTrainingController({
      project: () => this.requireStore(),
      emit: (e) => this.emit(e),
      onRunEnded: (end) => {
        // What the run wrote through its workers' connections is its own, told by the run: a
        // check now takes it in, so the next timed check does not tell it again as another
        // process's (a second predictions.changed after every run, when the timer fell between).
        if (this.store?.isOpen) this.checkForChanges(true);
        this.background.runEnded(end);
      },
      background: () => this.background.status(),
    });
    this.live = createLiveController({ project: () => this.store, emit: (e) => this.emit(e) });
    this.background = createBackgroundController({
      project: () => this.store,
      training: () => this.training,
      live: () => this.live,
      changed: () => this.emit({ type: "training.status", status: this.training.status() }),
      round: this.opts.backgroundRound,
      debounceMs: this.opts.backgroundDebounceMs,
    });
    this.handlers = this.makeHandlers();
  }

  /** Validates and runs one request. Throws ApiError (status + message) on failure. */
  async call(method: string, body: unknown, ctx: CallContext = {}): Promise<unknown> {
    if (!isApiMethod(method)) throw new ApiError(404, `unknown API method "${method}"`);
    const parsed = parseRequest(method, body);
    if (!parsed.ok) throw new ApiError(400, parsed.message);
    // The doors check the name they pass (people.ts); an in-process caller is held to it too.
    const problem = ctx.person === undefined ? null : personNameProblem(ctx.person);
    if (problem) throw new ApiError(400, `${method}: the acting person's name is not usable: ${problem}`);
    const who: Who = { person: ctx.person ?? this.opts.author, fixed: ctx.fixed ?? false };
    try {
      const handler = this.handlers[method] as (req: unknown, who: Who) => unknown;
      return await handler(parsed.value, who);
    } catch (e) {
      if (e instanceof ApiError) throw e;
      if (e instanceof UserError) throw new ApiError(422, e.message);
      // SQLite found the open project's file damaged: say which file, as a user error.
      const damaged = this.store && damagedProjectError(this.store.file, e);
      if (damaged) throw new ApiError(422, damaged.message);
      throw e;
    }
  }

  /**
   * A folder the person chose (on the command line, in the desktop app's open dialog): project
   * files and exports asked for over the API may lie in it from now on (docs/security.md).
   */
  allowFolder(dir: string): void {
    this.folders.allowFolder(dir);
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get project(): ProjectStore | null {
    return this.store;
  }

  /** Opens a project file (closing the one open before) and predicts its images without a prediction. */
  open(file: string): ProjectInfo {
    const abs = path.resolve(file);
    if (!fs.existsSync(abs)) throw new UserError(`${abs}: no such project file`);
    if (fs.statSync(abs).isDirectory())
      throw new UserError(`${abs}: is a folder, not a project file (a .pxl file)`);
    // A damaged file is refused whole, naming it, before it replaces the open project: a file
    // that opens but whose tables cannot be read must not be left half-open.
    const damaged = (e: unknown) =>
      e instanceof UserError
        ? e
        : (damagedProjectError(abs, e) ??
          new UserError(`${abs}: the project file is damaged and cannot be read (${(e as Error).message})`));
    let next: ProjectStore;
    try {
      next = ProjectStore.open(abs);
    } catch (e) {
      throw damaged(e);
    }
    try {
      // Everything the switch reads (the name for the recent list, the classes, the counts):
      // read here, so a damaged file fails before it replaces the open project.
      void next.name;
      next.classes();
      next.summary();
      this.snapshot(next);
    } catch (e) {
      next.close();
      throw damaged(e);
    }
    this.swapStore(next);
    // Images the model the app shows has not predicted (imported by the CLI after it, or left
    // when a prediction was stopped) are predicted with it in the background, as after an import.
    this.training.predictNew();
    return this.info();
  }

  async close(): Promise<void> {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    await this.background.shutdown();
    await this.training.shutdown();
    await this.live.shutdown();
    this.swapStore(null);
  }

  private swapStore(next: ProjectStore | null): void {
    this.store?.close();
    this.store = next;
    this.cached = null;
    if (next) this.recent.add(next.file, next.name);
    this.watch(next);
    this.emit({ type: "project.changed", project: next ? this.info() : null });
    this.background.projectSwitched();
    this.training.projectSwitched();
    this.live.projectSwitched();
  }

  /** Checks the open project for other processes' commits every watchMs (none open: no timer). */
  private watch(store: ProjectStore | null): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
    this.seen = store ? this.snapshot(store) : null;
    if (!store || this.opts.watchMs <= 0) return;
    this.watchTimer = setInterval(() => {
      try {
        this.checkExternalChanges();
      } catch {
        // the file went away or is locked for a moment: the next check tries again
      }
    }, this.opts.watchMs);
    this.watchTimer.unref();
  }

  private snapshot(store: ProjectStore): Seen {
    return {
      dataVersion: store.dataVersion(),
      latestModel: store.latestModelId() ?? null,
      predictions: store.predictions.signature(),
      queue: store.queue.signature(),
      masks: store.masks.maskVersions(),
    };
  }

  /**
   * One check of the open project file for commits of other connections (`pixelloop accept`,
   * `train`, `predict`, `import`, `suggest --repick` on the same file): when there were any,
   * every front door is told what changed with the events it already handles (project.changed,
   * mask.changed per image, predictions.changed for new predictions or a new queue, training.status
   * with the new rounds). Cheap when nothing changed (one pragma). True when something was told.
   */
  checkExternalChanges(): boolean {
    return this.checkForChanges(false);
  }

  /** checkExternalChanges; `runEnded`: a run of this server has just ended (its writes are its own). */
  private checkForChanges(runEnded: boolean): boolean {
    const store = this.store;
    if (!store || !store.isOpen) return false;
    const before = this.seen;
    if (before && store.dataVersion() === before.dataVersion) return false;
    const now = this.snapshot(store);
    this.seen = now;
    if (!before) return false;
    let told = false;
    const info = this.info();
    const queueChanged = now.queue !== before.queue || now.predictions !== before.predictions;
    const predictionModel = shownModelId(store);
    // A new queue before any model (no predictions.changed to carry it) shows as a project change.
    if (JSON.stringify(info) !== this.lastProject || (queueChanged && predictionModel === null)) {
      this.emit({ type: "project.changed", project: info });
      told = true;
    }
    for (const [imageId, version] of now.masks) {
      if (before.masks.get(imageId) === version) continue;
      this.emit({ type: "mask.changed", imageId, version });
      this.live.labelsChanged(imageId);
      this.background.labelsChanged(imageId);
      told = true;
    }
    // A run of this server writes through its workers' connections too: it tells its own
    // progress, predictions and rounds, and stores them when it ends.
    if (runEnded || this.training.busy()) return told;
    if (queueChanged && predictionModel !== null) {
      this.emit({ type: "predictions.changed", modelId: predictionModel });
      told = true;
    }
    if (now.latestModel !== null && now.latestModel !== before.latestModel)
      this.training.modelStoredElsewhere(now.latestModel);
    const status = this.training.status();
    if (trainingData(status) !== this.lastTraining) {
      this.emit({ type: "training.status", status });
      told = true;
    }
    return told;
  }

  /**
   * A run in progress reads the classes and images it started with and predicts them afterwards,
   * so changing them waits for it; the message names the run (training, or predicting new images).
   */
  private async refuseWhileBusy(action: string): Promise<void> {
    await this.background.makeWay();
    if (!this.training.busy()) return;
    if (this.training.status().job === "predict-new")
      throw new UserError(`new images are being predicted; ${action} when that has finished`);
    throw new UserError(`training is running; ${action} when it has finished (or stop it)`);
  }

  /** Tells every front door the project changed (classes, images, counts) and answers it. */
  private projectChanged(): ProjectInfo {
    const info = this.info();
    this.emit({ type: "project.changed", project: info });
    return info;
  }

  private emit(e: ApiEvent): void {
    if (e.type === "project.changed") this.lastProject = JSON.stringify(e.project);
    if (e.type === "training.status") this.lastTraining = trainingData(e.status);
    for (const l of this.listeners) l(e);
  }

  private requireStore(): ProjectStore {
    if (!this.store) throw new NoProjectError();
    return this.store;
  }

  private info(): ProjectInfo {
    const s = this.requireStore();
    return { file: s.file, name: s.name, classes: s.classes(), summary: s.summary() };
  }

  private currentMask(imageId: number): LabelMask {
    const s = this.requireStore();
    const version = s.maskVersion(imageId);
    const c = this.cached;
    if (c && c.file === s.file && c.imageId === imageId && c.version === version) return c.mask;
    const mask = s.mask(imageId);
    this.cached = { file: s.file, imageId, version, mask };
    return mask;
  }

  private change(
    imageId: number,
    changed: boolean,
    rect: MaskChange["rect"],
    strokeId: number | null,
  ): MaskChange {
    const s = this.requireStore();
    const img = s.requireImage(imageId);
    if (changed) {
      this.emit({ type: "mask.changed", imageId, version: img.maskVersion });
      this.live.labelsChanged(imageId);
      this.background.labelsChanged(imageId);
    }
    return {
      imageId,
      version: img.maskVersion,
      changed,
      rect,
      labeledPixels: img.labeledPixels,
      status: img.status,
      strokeId,
    };
  }

  private picking: Promise<void> | null = null;
  /** Models whose queue was picked here ("file#model"): an empty queue is not picked again on every request. */
  private readonly picked = new Set<string>();

  /**
   * A latest model without a queue (predicted by the CLI, or stopped before its queue was
   * picked) gets one when no run is in progress, picked in a worker: this thread keeps serving
   * meanwhile, and requests that come in during the pick wait for the same one.
   */
  private async ensureQueue(): Promise<void> {
    while (this.picking) await this.picking;
    // A run in progress picks its model's queue itself when its predictions are done.
    if (this.training.busy()) return;
    const store = this.requireStore();
    // No model yet: the start queue (varied images to label first), again after an import.
    if (startQueueStale(store)) {
      this.picking = pickStartQueue(store, APP_QUEUE_LENGTH)
        .then(() => undefined)
        .catch((e: unknown) => {
          if (this.store === store) throw e; // else the project was closed meanwhile
        })
        .finally(() => {
          this.picking = null;
        });
      await this.picking;
      return;
    }
    const modelId = modelWithoutQueue(store);
    const key = `${store.file}#${modelId}`;
    if (modelId === null || this.picked.has(key)) return;
    this.picking = (async () => {
      const items = await pickSuggestionsInWorker(store.file, modelId, APP_QUEUE_LENGTH);
      this.picked.add(key);
      // Stored only if the same project is still open.
      if (this.store === store) saveSuggestions(store, modelId, "uncertainty", items);
    })().finally(() => {
      this.picking = null;
    });
    await this.picking;
  }

  private makeHandlers(): Handlers {
    return {
      "app.info": () => ({
        version: this.opts.version,
        transport: this.opts.transport,
        project: this.store ? this.info() : null,
        recent: this.recent.list(),
        projectsDir: this.opts.projectsDir,
      }),

      "project.create": async (req) => {
        const dir =
          req.dir === undefined
            ? path.resolve(this.opts.projectsDir)
            : this.folders.requireAllowed(
                checkApiPath(req.dir, "folder", "dir", this.folders.appFolders()),
                "dir",
                "a project may not be made",
              );
        const slug =
          req.name
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-|-$/g, "") || "project";
        const file = path.join(dir, `${slug}.pxl`);
        if (fs.existsSync(file))
          throw new UserError(`${file} already exists: open it, or choose another name`);
        fs.mkdirSync(dir, { recursive: true });
        await this.training.shutdown();
        const store = createProject(file, {
          name: req.name,
          classes: req.classes.map((c, idx) => ({ idx, name: c.name, color: c.color.toLowerCase() })),
        });
        this.swapStore(store);
        return this.info();
      },
      "project.open": async (req) => {
        const file = checkApiPath(req.file, "file", "file", this.folders.appFolders());
        // A project in the recent list was opened before (chosen then): it may be opened again.
        if (!this.recent.list().some((r) => path.resolve(r.file) === file))
          this.folders.requireAllowed(file, "file", "a project may not be opened from");
        await this.training.shutdown();
        return this.open(file);
      },
      "project.openDemo": async () => {
        const file = await createDemoProject(this.opts.demoDir);
        await this.training.shutdown();
        return this.open(file);
      },
      "project.close": async () => {
        const was = this.store !== null;
        await this.close();
        return { closed: was };
      },
      "project.status": () => this.info(),

      "classes.list": () => this.requireStore().classes(),
      "classes.add": async (req) => {
        const s = this.requireStore();
        // The run in progress makes a model of the classes it started with; its predictions follow.
        await this.refuseWhileBusy("add the class");
        addClass(s, req.name, req.color);
        return this.projectChanged();
      },
      "classes.parseFile": (req) => ({
        classes: parseClassesText(req.text, req.file).map((c) => ({ name: c.name, color: c.color })),
      }),
      "classes.addFromFile": async (req) => {
        const s = this.requireStore();
        const classes = parseClassesText(req.text, req.file);
        await this.refuseWhileBusy("add classes");
        const r = s.addClasses(classes, req.file);
        return { project: this.projectChanged(), added: r.added.map((c) => c.name), skipped: r.skipped };
      },
      "classes.usage": (req) => classDeleteCheck(this.requireStore(), req.idx),
      "classes.delete": async (req) => {
        const s = this.requireStore();
        // The run in progress makes a model of the classes it started with.
        await this.refuseWhileBusy("delete a class");
        const check = classDeleteCheck(s, req.idx);
        if (check.refused) throw new UserError(`cannot delete class ${req.idx}: ${check.refused}`);
        if (check.mode === "remove") s.deleteUnusedClass(req.idx);
        else {
          // Its labels cleared everywhere (one transaction): open windows reload those masks.
          const cleared = s.deleteClass(req.idx);
          this.cached = null;
          for (const im of cleared.images)
            this.emit({ type: "mask.changed", imageId: im.id, version: im.version });
        }
        return this.projectChanged();
      },
      "classes.update": (req) => {
        editClass(this.requireStore(), req.idx, { name: req.name, color: req.color });
        return this.projectChanged();
      },

      "images.setSplit": (req) => {
        const changed = this.requireStore().setSplits(req.ids, req.split);
        if (changed > 0) this.projectChanged();
        return { changed };
      },
      "images.remove": async (req) => {
        const s = this.requireStore();
        // A run in progress reads the images it started with and predicts them afterwards.
        await this.refuseWhileBusy("remove images");
        const rows = s.removeImages(req.ids);
        this.projectChanged();
        return {
          removed: rows.length,
          names: rows.map((r) => r.name),
          labeledPixels: rows.reduce((n, r) => n + r.labeledPixels, 0),
        };
      },
      "images.list": async (req) => {
        // Listing by the queue needs one: a model predicted by the CLI gets its queue picked here.
        if (req.sort === "suggested") await this.ensureQueue();
        return listImageItems(this.requireStore(), req);
      },
      "images.get": (req) => {
        const item = imageItem(this.requireStore(), req.id);
        if (!item) throw new ApiError(404, `no image with id ${req.id}`);
        return item;
      },
      "images.check": async (req) => {
        const s = this.requireStore();
        const img = s.requireImage(req.id);
        const reason = await changedSinceImport(s.absolutePath(img.path), img.sha256);
        return { changed: reason !== null, reason };
      },
      "images.neighbors": (req) => imageNeighbors(this.requireStore(), req.id),
      "images.import": async (req) => {
        const s = this.requireStore();
        // Read, not written, but limited alike: only from the folders the person chose.
        const paths = req.paths.map((p) => this.folders.importPath(s, p, "paths"));
        const labels = req.labels ? this.folders.importPath(s, req.labels, "labels") : undefined;
        const done = await importWithMasks(s, {
          paths,
          split: req.split,
          labels,
          binary: req.binary,
          onProgress: (p) => this.emit({ type: "import.progress", ...p }),
        });
        const r = done.images;
        let masks: ImportResult["masks"];
        if (done.masks) {
          const m = done.masks;
          masks = {
            imported: m.imported.length,
            labeledPixels: done.maskPixels,
            addedPixels: done.addedPixels,
            unlabeledValues: m.unlabeledValues,
            withoutMask: m.withoutMask,
            binaryLooking: m.binaryLooking,
            errors: m.errors,
            unmatched: m.unmatched.slice(0, MAX_UNMATCHED_LISTED),
            unmatchedCount: m.unmatched.length,
          };
        }
        this.projectChanged();
        // With a model, the new images get its prediction in the background, as after training
        // (progress as training.status events), so the accept tools and uncertainty work on them.
        if (r.imported.length > 0) this.training.predictNew();
        return {
          imported: r.imported.length,
          importedIds: r.imported.map((i) => i.id),
          relinked: r.relinked.map(({ file, from }) => ({ file, from })),
          excluded: r.excluded,
          duplicates: r.duplicates.map(({ file, reason }) => ({ file, reason })),
          skipped: r.skipped,
          ignored: r.ignored,
          ...(masks ? { masks } : {}),
        };
      },

      "masks.get": (req) => {
        const s = this.requireStore();
        const img = s.requireImage(req.imageId);
        const mask = this.currentMask(req.imageId);
        const accepted = new Uint8Array(mask.sources.length);
        let acceptedPixels = 0;
        for (let i = 0; i < accepted.length; i++) {
          if (mask.sources[i] === Source.accepted) {
            accepted[i] = 1;
            acceptedPixels++;
          }
        }
        return {
          imageId: img.id,
          width: img.width,
          height: img.height,
          version: img.maskVersion,
          classesRle: encodeRle(mask.classes).toString("base64"),
          acceptedRle: encodeRle(accepted).toString("base64"),
          acceptedPixels,
        };
      },
      "strokes.commit": (req, who) => {
        const s = this.requireStore();
        const img = s.requireImage(req.imageId);
        if (req.classIdx !== null && req.classIdx >= s.classes().length) {
          throw new ApiError(400, `strokes.commit: classIdx: no class ${req.classIdx} in this project`);
        }
        if (req.classIdx !== null && s.classes()[req.classIdx].deleted)
          throw new ApiError(400, `strokes.commit: classIdx: class ${req.classIdx} was deleted`);
        // Work bounded before it starts: one request must not hold the server for seconds.
        if (req.tool !== "polygon") {
          const rows = brushRowSpans(req.points, req.width, img.height);
          if (rows > MAX_BRUSH_ROW_SPANS)
            throw new ApiError(
              400,
              `strokes.commit: points: this stroke would fill ${rows.toLocaleString("en-US")} rows, over the limit of ${MAX_BRUSH_ROW_SPANS.toLocaleString("en-US")}; draw it in parts or with a smaller brush`,
            );
        }
        // Edit the cached mask in place (no full-image copies); restore it if the write fails.
        const mask = this.currentMask(img.id);
        const r = applyStrokeInPlace(mask, {
          tool: req.tool,
          classIdx: req.classIdx,
          width: req.width,
          points: req.points,
          protect: req.protect,
          shape: req.shape,
        });
        if (!r) return this.change(img.id, false, null, null);
        let row;
        try {
          row = s.commitPatch(img.id, mask, r.patch, {
            tool: req.tool,
            classIdx: req.tool === "eraser" ? null : req.classIdx,
            width: req.width,
            points: req.points,
            author: who.person,
            person: who.person,
          });
        } catch (e) {
          applyPatch(mask, r.patch, "undo");
          throw e;
        }
        this.cached = { file: s.file, imageId: img.id, version: row.maskVersion, mask };
        return this.change(img.id, true, r.rect, row.id);
      },
      // Per person (#34): the acting person's own changes on this image only.
      "masks.undo": (req, who) => {
        const s = this.requireStore();
        const row = s.undo(req.imageId, who.person);
        const change = this.change(req.imageId, row !== null, null, row?.id ?? null);
        const stop = row === null ? s.undoStop(req.imageId, who.person) : null;
        if (stop) return { ...change, reason: `Nothing undone: ${stop}.` };
        if (row === null && s.masks.othersChanged(req.imageId, who.person))
          return {
            ...change,
            reason: `Nothing undone: ${who.person} has no change left to undo on this image; the others on it are other people's to undo.`,
          };
        return change;
      },
      "masks.redo": (req, who) => {
        const row = this.requireStore().redo(req.imageId, who.person);
        return this.change(req.imageId, row !== null, null, row?.id ?? null);
      },
      "regions.accept": (req, who) => {
        const s = this.requireStore();
        const img = s.requireImage(req.imageId);
        if (req.x >= img.width || req.y >= img.height) {
          throw new ApiError(
            400,
            `regions.accept: point ${req.x},${req.y} is outside ${img.name} (${img.width}x${img.height})`,
          );
        }
        const r = acceptComponent(s, img.id, req.x, req.y, who.person);
        return this.change(img.id, r.acceptedPixels > 0, r.rect, r.strokeId);
      },

      "suggestions.acceptRegion": (req, who) => {
        const s = this.requireStore();
        const img = s.requireImage(req.imageId);
        // The regions the app shows for this image (the queue it shows).
        const done = acceptSuggestedRegion(s, img.id, req.regionId, { person: who.person });
        if (done.kind !== "accepted") {
          const ids = done.kind === "no-region" ? done.regions : [];
          throw new ApiError(
            404,
            `${img.name} has no suggested region ${req.regionId} (its regions: ${ids.join(", ") || "none"}); the queue may have changed since the page loaded it`,
          );
        }
        const r = done.result;
        return this.change(img.id, r.acceptedPixels > 0, r.rect, r.strokeId);
      },

      "masks.acceptConfident": (req, who) => {
        const r = acceptAboveConfidence(this.requireStore(), req.imageId, req.minConfidence, who.person);
        return this.change(req.imageId, r.acceptedPixels > 0, r.rect, r.strokeId);
      },
      "masks.clearAccepted": (req, who) => {
        const cleared = clearAccepted(this.requireStore(), req.imageId, who.person);
        return this.change(req.imageId, cleared > 0, null, null);
      },

      "predictions.get": (req) =>
        readPrediction(
          this.requireStore(),
          req.imageId,
          req.measure,
          this.live.enabled(),
          this.live.prefersPreview(),
        ),
      "live.status": () => this.live.status(),
      "live.set": (req) => {
        this.requireStore();
        return this.live.set(req);
      },
      "suggestions.list": async (req) => {
        await this.ensureQueue();
        return suggestions(this.requireStore(), req.limit);
      },

      // ---- people (#34) ----
      "people.me": (_req, who) => ({ name: who.person, fixed: who.fixed }),
      "people.labels": () => labelsByPerson(this.requireStore()),

      "training.start": async (req) => {
        // A person's run goes first: a background round stops (its model so far is kept).
        await this.background.makeWay();
        return this.training.start(req);
      },
      // Stop during a background round pauses background training.
      "training.stop": () => {
        if (this.training.status().backgroundRun && this.training.busy()) {
          this.background.set({ enabled: false });
          return this.training.status();
        }
        return this.training.stop();
      },
      "training.background": (req) => {
        this.requireStore();
        this.background.set(req);
        return this.training.status();
      },
      "training.status": () => this.training.status(),
      "training.predictNew": () => this.training.predictNew(),

      "export.masks": async (req) => {
        const s = this.requireStore();
        const outDir = this.folders.outDir(s, req.outDir, `masks-${req.format}`);
        return exportMaskFiles(s, outDir, {
          format: req.format,
          source: req.source,
          onlyLabeled: req.onlyLabeled,
        });
      },
      "export.dataset": async (req) => {
        const s = this.requireStore();
        const outDir = this.folders.outDir(s, req.outDir, "dataset");
        return exportDatasetFolder(s, outDir, { source: req.source, onlyLabeled: req.onlyLabeled });
      },
      "export.model": async (req) => {
        const s = this.requireStore();
        const modelId = req.modelId ?? s.latestModelId();
        if (modelId === undefined) throw new UserError("no model yet: train one first (T)");
        const outDir = this.folders.outDir(s, req.outDir, `model-${modelId}`);
        // Rebuilding the network to write it needs tensors: the plain CPU backend is enough.
        return exportModelFolder(s, outDir, { modelId, backend: "cpu" });
      },
      ...this.folders.pickerHandlers(),
    };
  }
}

/** What a training.status says about the project (not a run's progress), to tell a change. */
function trainingData(s: TrainingStatus): string {
  return JSON.stringify([s.rounds, s.fineTune, s.unpredicted, s.message]);
}

/**
 * The recent list belongs to a projects folder: the default one's is `recent.json` in the app's
 * folder (the desktop app, a plain `serve`); a server started on another projects folder keeps
 * its own (`recent/<hash of the folder>.json`), so two servers sharing a home folder do not show
 * each other's projects (#34).
 */
export function recentFileFor(home: string, projectsDir?: string): string {
  if (!projectsDir || path.resolve(projectsDir) === path.join(os.homedir(), "Pixelloop"))
    return path.join(home, "recent.json");
  const key = createHash("sha256").update(path.resolve(projectsDir)).digest("hex").slice(0, 16);
  return path.join(home, "recent", `${key}.json`);
}
