/**
 * Data shapes that cross the API boundary (HTTP, WebSocket, Electron IPC).
 * Plain JSON only, no Node or DOM types: the renderer type-checks this file too.
 */
import type { ClassDef, ImageRow, ImageStatus, ProjectSummary, Split } from "./project-types.ts";
import type { RegionScore } from "./queue-types.ts";
import type { UncertaintyMeasure } from "./queue-types.ts";
import type { FineTuneBase } from "./fine-tune.ts";
import type { PersonLabels } from "./person-name.ts";
import type { MethodTerm } from "./method-terms.ts";

export type { PersonLabels };

/** Who the UI acts as (people.me): `fixed` when the server knows it from the person's token. */
export interface PersonInfo {
  name: string;
  fixed: boolean;
}

export type { ClassDef, ImageStatus, ProjectSummary, Split, UncertaintyMeasure };

export interface ProjectInfo {
  file: string;
  name: string;
  classes: ClassDef[];
  summary: ProjectSummary;
}

export interface RecentProject {
  file: string;
  name: string;
  openedAt: string;
}

export interface AppInfo {
  version: string;
  /** The front door the core is reached through: "http" (browser mode) or "ipc" (the desktop app). */
  transport: "http" | "ipc";
  project: ProjectInfo | null;
  recent: RecentProject[];
  /** Folder where new projects go unless told otherwise. */
  projectsDir: string;
}

/** One image as the UI sees it: its row plus the uncertainty score of the latest prediction. */
export interface ImageItem extends ImageRow {
  /** mean normalized entropy of the latest model's prediction, null before any prediction */
  score: number | null;
  /** place in the suggestion queue the app shows (1 = label first), null when not in it */
  suggestedRank: number | null;
}

export type ImageSort = "id" | "name" | "labeled" | "uncertainty" | "suggested";

export interface ImageList {
  total: number;
  offset: number;
  items: ImageItem[];
}

export interface ImportResult {
  imported: number;
  importedIds: number[];
  /** project images whose file had moved, found again by content: read from `file` from now on */
  relinked: { file: string; from: string }[];
  /** image files left out because they lie in the import's labels folder */
  excluded: number;
  duplicates: { file: string; reason: string }[];
  skipped: { file: string; reason: string }[];
  ignored: number;
  /** With a labels folder: the masks read (app/exchange/mask-files.ts, importIndexMasks). */
  masks?: {
    imported: number;
    /** the pixels the masks label (not the images' totals, which count earlier labels too) */
    labeledPixels: number;
    /** of those, the pixels that were unlabeled before */
    addedPixels: number;
    /** mask pixels left unlabeled (255, or values >= the number of classes) */
    unlabeledValues: number;
    /** images of this import without a mask of their name */
    withoutMask: number;
    /** binary-looking masks read without `binary` (their 255 stayed unlabeled) */
    binaryLooking: number;
    errors: { file: string; reason: string }[];
    /**
     * Files of the labels folder no image takes, each named with the reason (the first
     * MAX_UNMATCHED_LISTED; unmatchedCount has them all)
     */
    unmatched: { file: string; reason: string }[];
    unmatchedCount: number;
  };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The label layer of an image: class index per pixel (255 = unlabeled), RLE, base64. */
export interface MaskData {
  imageId: number;
  width: number;
  height: number;
  version: number;
  /** (value u8, run LEB128)* over row-major pixels; decode with app/common/wire.ts decodeRleBase64 */
  classesRle: string;
  /** 1 where the label is an accepted prediction (not hand-drawn), else 0; RLE base64 as classesRle */
  acceptedRle: string;
  /** how many labeled pixels are accepted predictions */
  acceptedPixels: number;
}

export interface MaskChange {
  imageId: number;
  /** mask version after the change (unchanged when nothing happened) */
  version: number;
  /** false when the request changed nothing (stroke outside the image, nothing to undo) */
  changed: boolean;
  /** the rectangle that changed, image pixels */
  rect: Rect | null;
  labeledPixels: number;
  status: ImageStatus;
  strokeId: number | null;
  /** why nothing changed, when there is more to say than "nothing to undo" */
  reason?: string;
}

export interface PredictionData {
  imageId: number;
  /** the network that made it; 0 for the live preview classifier (source "preview") */
  modelId: number;
  /** which model made it: a network, or the live preview classifier (docs/live.md) */
  source: "network" | "preview";
  /** what the screen calls that model: "network N" or "preview classifier" */
  modelLabel: string;
  /** when this prediction was stored (a retrain of the preview replaces it with a newer one) */
  madeAt: string | null;
  width: number;
  height: number;
  /** arg-max class per pixel, RLE base64 (as MaskData.classesRle) */
  classesRle: string;
  /** what `uncertaintyRle` shows: normalized entropy, or 1 - margin (top-1 minus top-2 probability) */
  measure: UncertaintyMeasure;
  /** uncertainty per pixel by `measure`, 0..255 for 0..1, RLE base64; null when not stored */
  uncertaintyRle: string | null;
  /** why uncertaintyRle is null, if it is */
  uncertaintyMissing: string | null;
  score: number;
}

/** A suggested region as the loop scores it (bounding box in image pixels, score). */
export type SuggestedRegion = RegionScore;

export interface Suggestion {
  imageId: number;
  name: string;
  score: number;
  status: ImageStatus;
  rank: number;
  /** where to look in the image, best first */
  regions: SuggestedRegion[];
  /** labels were drawn, erased or accepted on it since the queue was picked (not undone) */
  worked: boolean;
}

export interface LossPoint {
  step: number;
  losses: Record<string, number>;
}

export interface TrainingRound {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  status: "running" | "done" | "cancelled" | "failed";
  modelId: number | null;
  valMiou: number | null;
  /** IoU per class index at that check (null: the class is in neither the val labels nor the prediction) */
  classIou: (number | null)[] | null;
  steps: number | null;
  /**
   * the labels the model was trained on (the loop's round record; null for a run without a model):
   * pixels of the train images, or of every split (scope "all") in rounds recorded before project format 7
   */
  labels: {
    drawn: number;
    accepted: number;
    labelingSeconds: number;
    scope: "train" | "all";
    /** by person (#34); null for rounds recorded before project format 10 */
    byPerson: PersonLabels[] | null;
  } | null;
  /** continued from the model before (fine-tune) rather than trained from scratch; null without a model */
  fineTuned: boolean | null;
}

export interface TrainingStatus {
  /** false when this build has no project-level training; `reason` says why */
  available: boolean;
  reason: string | null;
  state: "idle" | "starting" | "training" | "predicting" | "stopping" | "done" | "failed" | "cancelled";
  /** what the run (in progress or last) does: train then predict every image, or predict the images imported after the model */
  job: "train" | "predict-new" | null;
  backend: string | null;
  step: number;
  totalSteps: number;
  etaSec: number | null;
  imagesPerSec: number | null;
  losses: LossPoint[];
  valMiou: { step: number; miou: number }[];
  message: string | null;
  rounds: TrainingRound[];
  /** the model "continue from the last model" would start from (modelId null: none yet) and its class count */
  fineTune: FineTuneBase;
  /**
   * The model whose predictions the app shows (null: no model yet), how many images have no
   * prediction from it (imported after it, or not reached or unreadable when it predicted), and
   * why it cannot predict them (a class added after it), if so. Imports start their prediction.
   */
  unpredicted: { modelId: number | null; images: number; refused: string | null };
  /** the settings of the training run in progress (or the last one this server ran): null before any */
  settings: TrainingSettings | null;
  /** a run bounded by time: its budget and the seconds it has trained so far (null otherwise or before it trains) */
  time: { budgetSec: number; elapsedSec: number } | null;
  /** the run in progress (or the last) is a round of background training */
  backgroundRun: boolean;
  /** background training (app/api/background.ts, docs/live.md) */
  background: BackgroundStatus;
}

/** Background training: the network keeps training, round after round, while people label. */
export interface BackgroundStatus {
  enabled: boolean;
  /** off; a round in progress; waiting (for new labels, or for another run to end); failed (the message says why) */
  state: "off" | "training" | "waiting" | "failed";
  message: string | null;
  /** rounds ended since it was turned on */
  rounds: number;
  /** minutes each round trains */
  roundMinutes: number;
}

/** What a training run was started with, every method term filled in (the defaults where it named none). */
export interface TrainingSettings {
  minutes: number | null;
  epochs: number | null;
  /** crop side in px (null: the default) */
  size: number | null;
  /** encoder widths (null: the default network) */
  widths: number[] | null;
  terms: Record<MethodTerm, boolean>;
  fineTune: boolean;
}

export interface ExportResult {
  outDir: string;
  /** index / color: mask files written; coco: images in coco.json */
  written: number;
  format: "index" | "color" | "coco";
  source: string;
  /** coco: the file written and its annotation count */
  file?: string;
  annotations?: number;
}

export interface DatasetExportResult {
  outDir: string;
  /** images written (the skipped ones not counted) */
  images: number;
  splits: { train: number; val: number; test: number };
  /** images left out: their file cannot be read (moved, deleted, damaged) or changed size */
  skipped: { file: string; reason: string }[];
}

export interface ModelExportResult {
  outDir: string;
  modelId: number;
}

/** The live preview classifier as the labeling screen shows it (app/api/live.ts, docs/live.md). */
export interface LiveStatus {
  /** live mode: the preview retrains after each saved stroke and its predictions are shown */
  enabled: boolean;
  /** what live mode is when nobody set it: on while the project has no network model */
  defaultEnabled: boolean;
  state: "off" | "idle" | "waiting" | "training" | "predicting" | "failed";
  /** why it waits (e.g. labels of a second class needed) or what failed */
  message: string | null;
  /** the image it predicts first (the open one) */
  imageId: number | null;
  /** the stored classifier (null: none yet) */
  classifier: {
    trainedAt: string;
    /** labeled train images it learned from */
    images: number;
    trainSeconds: number;
    /** training pixels per class index (0: never predicted) */
    perClass: number[];
  } | null;
  /** milliseconds from the last labels change to the open image's new prediction (null: none yet) */
  lastRefreshMs: number | null;
  /** whose predictions the labeling screen shows: the preview classifier's, a network's, or none yet */
  showing: { kind: "preview" } | { kind: "network"; modelId: number } | null;
  /**
   * The last check of the preview classifier against a network model on the same labels it was
   * not trained on (labeled val images; without them, the slice background training holds out):
   * mIoU of each. With live mode at its default, the better one is shown.
   */
  comparison: LiveComparison | null;
}

export interface LiveComparison {
  modelId: number;
  on: "val" | "held-out";
  images: number;
  preview: number;
  network: number;
}

/** Events pushed to every connected client (WebSocket in browser mode). */
export type ApiEvent =
  | { type: "project.changed"; project: ProjectInfo | null }
  | { type: "import.progress"; done: number; total: number; file: string }
  | { type: "training.status"; status: TrainingStatus }
  | { type: "mask.changed"; imageId: number; version: number }
  | { type: "predictions.changed"; modelId: number }
  | { type: "live.status"; status: LiveStatus }
  /** the live preview stored a new prediction of this image */
  | { type: "preview.predicted"; imageId: number; trainedAt: string };

// ---- the folder picker (folders.list, folders.create, folders.choose; app/api/folders.ts) ----

/** A subfolder as the picker lists it: its name and how many images it holds. */
export interface FolderEntry {
  name: string;
  /** its path where it is listed (a link's own path: used through its target, resolved) */
  path: string;
  /** image files directly in it; null when not counted (unreadable, or over the request's budget) */
  images: number | null;
  /** more images than counted (a very large folder): "at least" */
  moreImages?: boolean;
  /** a symbolic link: the folder it leads to, or null with the reason (a loop, a dead link) */
  link?: { target: string | null; reason?: string };
}

export interface FolderListing {
  /** the folder listed, with `..` and symbolic links resolved */
  dir: string;
  parent: string | null;
  /** from the root down to `dir` */
  crumbs: { name: string; path: string }[];
  folders: FolderEntry[];
  /** project files (.pxl) directly in it, by name */
  projects: string[];
  /** image files directly in it */
  images: number;
  /** the folder holds more entries than one request reads: some are not listed */
  truncated: boolean;
  /** entries whose names are not valid UTF-8, left out (they cannot be used through the API) */
  skipped: number;
  /** the allowed folder it lies in ("the projects folder", "a folder you chose"), or null */
  allowed: string | null;
  /** places to start from: the open project's folder, the projects folder, chosen folders, home */
  places: { what: string; path: string }[];
}
