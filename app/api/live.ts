/**
 * Live mode as the labeling screen drives it (docs/live.md): the preview classifier retrains in
 * its worker (app/jobs/preview-job.ts) after each saved labels change, debounced so a burst of
 * strokes makes one retrain, and predicts the open image first, then its neighbours and the
 * queue. A change that comes while a job runs interrupts it after the image it is on (the open
 * image is always predicted first) and the next retrain starts when it has stopped. Nothing of
 * it runs on this thread but storing the results. State changes are pushed as "live.status"
 * events, each stored prediction as "preview.predicted". It starts once a labeling screen has
 * called live.set for the open project (a session that only lists images never retrains).
 */
import type { ProjectStore } from "../store/project-store.ts";
import { PreviewWorker } from "../jobs/preview-job.ts";
import type { CompareRequest, PreviewMetrics } from "../jobs/preview-run.ts";
import { suggestions } from "../loop/shown-queue.ts";
import { shownModelId } from "../loop/prediction-data.ts";
import type { ApiEvent, LiveComparison, LiveStatus } from "../common/api-types.ts";

/** Quiet time after a labels change before the retrain starts (strokes in a burst coalesce). */
export const LIVE_DEBOUNCE_MS = 200;
/** Images predicted per retrain: the open one, its two neighbours, then the queue's first. */
export const LIVE_MAX_PREDICT = 10;

export interface LiveController {
  status(): LiveStatus;
  /** Live mode on or off, and the open image (see the live.set method). */
  set(req: { enabled?: boolean; imageId?: number | null }): LiveStatus;
  /** Whether the preview's predictions are shown (live mode on). */
  enabled(): boolean;
  /** The last check found the preview better than the network the app shows: its predictions go first. */
  prefersPreview(): boolean;
  /** An image's labels changed (a stroke saved, undone, accepted; another process's commit). */
  labelsChanged(imageId: number): void;
  /**
   * Checks the preview classifier against network model `modelId` on labels neither learned
   * from (after the images the worker is on); with live mode at its default the better one is
   * shown from then on (status().comparison, .showing).
   */
  compare(req: CompareRequest & { on: LiveComparison["on"] }): void;
  /** Another project was opened (or none is): the worker and its caches go. */
  projectSwitched(): void;
  shutdown(): Promise<void>;
}

export interface LiveContext {
  project: () => ProjectStore | null;
  emit: (e: ApiEvent) => void;
  debounceMs?: number;
}

export function createLiveController(ctx: LiveContext): LiveController {
  const debounceMs = ctx.debounceMs ?? LIVE_DEBOUNCE_MS;
  const worker = new PreviewWorker();
  /** live mode as set by a person, per project file (unset: the default) */
  const chosen = new Map<string, boolean>();
  let imageId: number | null = null;
  let state: LiveStatus["state"] = "idle";
  let message: string | null = null;
  let metrics: PreviewMetrics | null = null;
  let lastRefreshMs: number | null = null;
  /** labels changed since the running (or last) retrain started; when the last change was */
  let dirty = false;
  let changedAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  /** a retrain was asked for while a job (perhaps one being ended) was still running */
  let pending = false;
  /** labels changed while live mode was off: learned when it is turned on */
  let staleWhileOff = false;
  /**
   * A labeling screen has said which image it shows (live.set) since the project was opened:
   * until then nothing retrains (the CLI, scripts and a grid-only session pay nothing).
   */
  let armed = false;
  let lastStatus = "";
  /** the last check against a network model, the one asked for next, and the one running */
  let comparison: LiveComparison | null = null;
  let compareWanted: (CompareRequest & { on: LiveComparison["on"] }) | null = null;
  let comparing = false;

  const store = () => {
    const s = ctx.project();
    return s && s.isOpen ? s : null;
  };
  /**
   * Live mode when nobody set it: on before the first network model; after that, on while the
   * last check found the preview better than the network the app would show (a check of a newer
   * model still running keeps the verdict before it), else off.
   */
  const defaultEnabled = (s: ProjectStore) => {
    if (s.latestModelId() === undefined) return true;
    if (!comparison) return false;
    const current = comparison.modelId === shownModelId(s) || comparing || compareWanted !== null;
    return current && comparison.preview > comparison.network;
  };
  const isEnabled = () => {
    const s = store();
    if (!s) return false;
    return chosen.get(s.file) ?? defaultEnabled(s);
  };

  function status(): LiveStatus {
    const s = store();
    const enabled = isEnabled();
    let classifier: LiveStatus["classifier"] = null;
    const trainedAt = s?.preview.trainedAt() ?? null;
    if (s && trainedAt) {
      let m = metrics;
      if (!m) {
        try {
          m = JSON.parse(s.preview.classifier()?.metrics ?? "{}") as PreviewMetrics;
        } catch {
          m = null;
        }
      }
      classifier = {
        trainedAt,
        images: m?.images ?? 0,
        trainSeconds: m?.trainSeconds ?? 0,
        perClass: m?.perClass ?? [],
      };
    }
    return {
      enabled,
      defaultEnabled: s ? defaultEnabled(s) : true,
      state: enabled ? state : "off",
      message: enabled ? message : null,
      imageId,
      classifier,
      lastRefreshMs,
      showing: showingNow(s, enabled, trainedAt !== null),
      comparison,
    };
  }

  function showingNow(
    s: ProjectStore | null,
    enabled: boolean,
    hasClassifier: boolean,
  ): LiveStatus["showing"] {
    if (!s) return null;
    if (enabled) return hasClassifier ? { kind: "preview" } : null;
    const modelId = shownModelId(s);
    return modelId === null ? null : { kind: "network", modelId };
  }

  /** Runs the check asked for, when the worker is free. */
  function runCompare(): void {
    const s = store();
    if (!s || !compareWanted || worker.busy) return;
    const req = compareWanted;
    compareWanted = null;
    comparing = true;
    const gen = generation;
    worker
      .run(s, {
        predict: [],
        compare: { modelId: req.modelId, imageIds: req.imageIds, heldOut: req.heldOut },
      })
      .then((outcome) => {
        if (gen === generation && outcome.compared) comparison = { ...outcome.compared, on: req.on };
      })
      .catch(() => {
        // the worker was stopped, or the check failed: the verdict before stands
      })
      .finally(() => {
        comparing = false;
        if (gen !== generation) return;
        tell();
        if (compareWanted) return runCompare();
        const now = store();
        if (now && isEnabled() && armed && (dirty || pending || needsRun(now))) schedule(0);
      });
  }

  function tell(): void {
    const st = status();
    const json = JSON.stringify(st);
    if (json === lastStatus) return;
    lastStatus = json;
    ctx.emit({ type: "live.status", status: st });
  }

  function schedule(delay: number): void {
    clearTimeout(timer);
    timer = setTimeout(kick, delay);
    timer.unref?.();
    // A job in progress stops after the image it is on; the retrain follows when it has.
    if (worker.busy) worker.interrupt();
  }

  /** The images to predict: the open one, its neighbours, then the shown queue's. */
  function toPredict(s: ProjectStore): number[] {
    const ids: number[] = [];
    const add = (id: number | null | undefined) => {
      if (id != null && !ids.includes(id) && ids.length < LIVE_MAX_PREDICT && s.images.get(id)) ids.push(id);
    };
    if (imageId !== null && s.images.get(imageId)) {
      add(imageId);
      const n = s.images.neighbors(imageId);
      add(n.next);
      add(n.prev);
    }
    for (const q of suggestions(s, LIVE_MAX_PREDICT)) add(q.imageId);
    return ids;
  }

  function kick(): void {
    timer = undefined;
    const s = store();
    if (!s || !isEnabled()) return;
    if (worker.busy) {
      pending = true;
      return;
    }
    pending = false;
    dirty = false;
    const since = changedAt;
    const open = imageId;
    const gen = generation;
    state = "training";
    message = null;
    tell();
    worker
      .run(
        s,
        { predict: toPredict(s) },
        {
          onTrained: (_at, m) => {
            if (gen !== generation) return;
            metrics = m;
            state = "predicting";
            tell();
          },
          onPredicted: (id) => {
            if (gen !== generation) return;
            if (id === open && since > 0) lastRefreshMs = Date.now() - since;
            ctx.emit({ type: "preview.predicted", imageId: id, trainedAt: s.preview.trainedAt() ?? "" });
            if (id === open) tell();
          },
        },
      )
      .then((outcome) => {
        if (gen !== generation) return;
        state = outcome.waiting ? "waiting" : "idle";
        message = outcome.waiting ? `Preview waits: ${outcome.waiting}.` : null;
      })
      .catch((err: unknown) => {
        if (gen !== generation) return;
        state = "failed";
        message = err instanceof Error ? err.message : String(err);
      })
      .finally(() => {
        if (gen === generation) tell();
        if (compareWanted && gen === generation) runCompare();
        else if ((dirty || pending) && isEnabled()) schedule(0);
      });
  }

  /** The open image has no prediction from the stored classifier (or there is none): retrain and predict. */
  function needsRun(s: ProjectStore): boolean {
    const at = s.preview.trainedAt();
    if (at === null) return true;
    if (imageId === null) return false;
    const p = s.preview.get(imageId);
    return !p || p.trained_at !== at;
  }

  function stop(): void {
    generation++;
    clearTimeout(timer);
    timer = undefined;
    dirty = false;
    pending = false;
    state = "idle";
    message = null;
    void worker.terminate().catch(() => undefined);
  }

  return {
    status,
    enabled: isEnabled,
    prefersPreview() {
      const s = store();
      return (
        s !== null &&
        comparison !== null &&
        comparison.modelId === shownModelId(s) &&
        comparison.preview > comparison.network
      );
    },
    set(req) {
      const s = store();
      if (!s) return status();
      armed = true;
      if (req.imageId !== undefined) imageId = req.imageId;
      if (req.enabled !== undefined) {
        const was = isEnabled();
        chosen.set(s.file, req.enabled);
        if (was && !req.enabled) stop();
      }
      if (isEnabled()) {
        worker.warm();
        if (!worker.busy && !timer && (staleWhileOff || needsRun(s))) {
          staleWhileOff = false;
          dirty = true;
          schedule(0);
        }
      }
      tell();
      return status();
    },
    labelsChanged(changed) {
      const s = store();
      if (!s) return;
      const row = s.images.get(changed);
      if (!row || row.split !== "train") return; // the preview learns from train images only
      if (!isEnabled() || !armed) {
        staleWhileOff = true;
        return;
      }
      dirty = true;
      changedAt = Date.now();
      schedule(debounceMs);
    },
    compare(req) {
      compareWanted = req;
      worker.warm();
      runCompare();
      tell();
    },
    projectSwitched() {
      stop();
      comparison = null;
      compareWanted = null;
      staleWhileOff = false;
      armed = false;
      imageId = null;
      metrics = null;
      lastRefreshMs = null;
      lastStatus = "";
      tell();
    },
    async shutdown() {
      generation++;
      clearTimeout(timer);
      await worker.terminate().catch(() => undefined);
    },
  };
}
