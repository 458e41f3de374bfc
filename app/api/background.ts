/**
 * Background training (docs/live.md): while it is on, the network trains round after round
 * behind the labeling screen, each round a short fine-tuning run of the training controller
 * (training.ts) at a low CPU priority on one core, so the UI, stroke saves and the preview
 * classifier keep the other. Each round reads the labels as they are when it starts, so new
 * strokes are learned by the next one. After a round that stored and predicted a model, the
 * preview classifier is checked against it (live.ts compare) on labels neither learned from, and
 * the better of the two is shown. It waits when nothing changed: no new labels and the last
 * round did not beat the model before it. It makes way for anything a run blocks (class edits,
 * imports, a training run started by a person) and is paused by turning it off or by Stop.
 */
import type { ProjectStore } from "../store/project-store.ts";
import type { BackgroundStatus, LiveComparison } from "../common/api-types.ts";
import type { ImageRow } from "../common/project-types.ts";
import { fineTuneBase } from "../jobs/project-training.ts";
import type { LiveController } from "./live.ts";
import type { RunEnd, TrainingController, TrainingRequest } from "./training.ts";

/** What each round trains (default: BACKGROUND_ROUND_MINUTES of the default network). */
export type BackgroundRound = Partial<
  Pick<TrainingRequest, "minutes" | "epochs" | "size" | "widths" | "backend">
>;

/** Minutes of training per round: new labels are learned within about this long. */
export const BACKGROUND_ROUND_MINUTES = 2;
/** Quiet time after a labels change before a waiting trainer starts its next round. */
export const BACKGROUND_DEBOUNCE_MS = 3000;
/** Rounds in a row without new labels before it waits for some (when no check says it stopped improving). */
export const MAX_ROUNDS_WITHOUT_LABELS = 3;
/** Labeled images checked per comparison (the first by id: the same set every round). */
export const COMPARE_IMAGES = 12;
/** Without val labels, a labeled train image is held out for the checks when its id hash falls in 1 of this many. */
export const HOLD_OUT_ONE_IN = 5;
/** Fewest labeled train images before some are held out (fewer: no check without val labels). */
export const HOLD_OUT_MIN_IMAGES = 5;

export interface BackgroundController {
  status(): BackgroundStatus;
  set(req: { enabled: boolean }): BackgroundStatus;
  /** An image's labels changed: the next round learns them. */
  labelsChanged(imageId: number): void;
  /** A run of the training controller ended (a round of ours, or another). */
  runEnded(end: RunEnd): void;
  /** Stops a round in progress (its model so far is kept) and waits for it, so a blocked action can go ahead; the trainer resumes after. */
  makeWay(): Promise<void>;
  projectSwitched(): void;
  shutdown(): Promise<void>;
}

export interface BackgroundContext {
  project: () => ProjectStore | null;
  training: () => TrainingController;
  live: () => LiveController;
  /** the status changed: tell the front doors (a training.status event) */
  changed: () => void;
  round?: BackgroundRound;
  debounceMs?: number;
}

/** Whether a labeled train image is in the slice background rounds hold out (stable per image). */
export function heldOutImage(id: number): boolean {
  return Math.imul(id, 2654435761) >>> 0 < 0x1_0000_0000 / HOLD_OUT_ONE_IN;
}

export function createBackgroundController(ctx: BackgroundContext): BackgroundController {
  const round: BackgroundRound = { minutes: BACKGROUND_ROUND_MINUTES, ...ctx.round };
  const roundMinutes = round.minutes ?? BACKGROUND_ROUND_MINUTES;
  const debounceMs = ctx.debounceMs ?? BACKGROUND_DEBOUNCE_MS;
  let enabled = false;
  let state: BackgroundStatus["state"] = "off";
  let message: string | null = null;
  let rounds = 0;
  /** a round of ours is running */
  let ours = false;
  /** labels changed since the running (or last) round read them */
  let newLabels = true;
  let roundsWithoutLabels = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** makeWay() is holding the trainer back until the blocked action is done */
  let holding = 0;
  let ended: (() => void) | null = null;

  const store = () => {
    const s = ctx.project();
    return s && s.isOpen ? s : null;
  };

  function status(): BackgroundStatus {
    return {
      enabled,
      state: enabled ? state : "off",
      message: enabled ? message : null,
      rounds,
      roundMinutes,
    };
  }

  function put(next: BackgroundStatus["state"], text: string | null): void {
    state = next;
    message = text;
    ctx.changed();
  }

  /** The labeled train images (each round reads them once). */
  const labeledTrain = (s: ProjectStore) =>
    s.listImages({ split: "train", limit: 10_000 }).filter((r) => r.labeledPixels > 0);

  /** Labeled images to check on: val ones when there are, else the held-out slice of `labeled` train ones. */
  function checkSet(
    s: ProjectStore,
    labeled: ImageRow[],
  ): { ids: number[]; on: LiveComparison["on"] } | null {
    const val = s.listImages({ split: "val", limit: 1000 }).filter((r) => r.labeledPixels > 0);
    if (val.length > 0) return { ids: val.slice(0, COMPARE_IMAGES).map((r) => r.id), on: "val" };
    if (labeled.length < HOLD_OUT_MIN_IMAGES) return null;
    const held = labeled.filter((r) => heldOutImage(r.id));
    if (held.length === 0 || held.length === labeled.length) return null;
    return { ids: held.slice(0, COMPARE_IMAGES).map((r) => r.id), on: "held-out" };
  }

  function startRound(): void {
    clearTimeout(timer);
    timer = undefined;
    const s = store();
    if (!enabled || !s || ours || holding > 0) return;
    const training = ctx.training();
    if (training.busy()) return put("waiting", "Waits for the run in progress to end.");
    const labeled = labeledTrain(s);
    if (labeled.length === 0) return put("waiting", "Waits for labels on train images.");
    if (!newLabels && roundsWithoutLabels >= MAX_ROUNDS_WITHOUT_LABELS)
      return put("waiting", "Waits for new labels: the last rounds did not improve the model.");
    const base = fineTuneBase(s);
    const fineTune = base.modelId !== null && base.modelClasses === s.classes().length;
    const check = checkSet(s, labeled);
    newLabels = false;
    ours = true;
    training.start({
      ...round,
      predict: true,
      fineTune,
      replicas: 1,
      background: true,
      holdOut: check?.on === "held-out" ? check.ids : undefined,
    });
    put(
      "training",
      `Round ${rounds + 1}: ${fineTune ? `continues model ${base.modelId}` : "trains from scratch"} for ${round.epochs !== undefined ? `${round.epochs} epochs` : `${roundMinutes} min`} on one core.`,
    );
  }

  function schedule(delay: number): void {
    clearTimeout(timer);
    timer = setTimeout(startRound, delay);
    timer.unref?.();
  }

  return {
    status,
    set(req) {
      if (!store()) return status();
      if (req.enabled && !enabled) {
        enabled = true;
        rounds = 0;
        roundsWithoutLabels = 0;
        newLabels = true;
        put("waiting", null);
        startRound();
      } else if (!req.enabled && enabled) {
        enabled = false;
        clearTimeout(timer);
        if (ours) ctx.training().stop();
        put("off", null);
      }
      return status();
    },
    labelsChanged() {
      newLabels = true;
      roundsWithoutLabels = 0;
      // A waiting trainer goes on; a failed one tries again (the labels may be what it lacked).
      if (enabled && !ours && (state === "waiting" || state === "failed")) schedule(debounceMs);
    },
    runEnded(end) {
      const s = store();
      if (!end.background || !ours) {
        // Another run (a person's, or predicting new images) ended: a waiting trainer goes on.
        if (enabled && !ours && holding === 0) schedule(0);
        return;
      }
      ours = false;
      rounds++;
      const done = ended;
      ended = null;
      done?.();
      if (!enabled) return ctx.changed();
      if (end.state === "failed") return put("failed", ctx.training().status().message);
      if (newLabels) roundsWithoutLabels = 0;
      else roundsWithoutLabels = end.keptParent ? MAX_ROUNDS_WITHOUT_LABELS : roundsWithoutLabels + 1;
      if (s && end.modelId !== null && end.predicted) {
        const check = checkSet(s, labeledTrain(s));
        if (check)
          ctx.live().compare({
            modelId: end.modelId,
            imageIds: check.ids,
            heldOut: check.on === "held-out",
            on: check.on,
          });
      }
      put("waiting", null);
      if (holding === 0) schedule(0);
    },
    async makeWay() {
      if (!ours) return;
      holding++;
      try {
        const over = new Promise<void>((resolve) => (ended = resolve));
        ctx.training().stop();
        await over;
      } finally {
        holding--;
        if (holding === 0 && enabled) schedule(debounceMs);
      }
    },
    projectSwitched() {
      clearTimeout(timer);
      enabled = false;
      state = "off";
      message = null;
      rounds = 0;
    },
    async shutdown() {
      clearTimeout(timer);
      enabled = false;
    },
  };
}
