/**
 * The one contract between the UI and the core: every method with its request schema (zod)
 * and its response type. The same map is served over HTTP (app/server), over Electron IPC
 * (main/ipc.ts; the preload exposes one function per method) and can be called in-process
 * (app/api/service.ts).
 */
import { z } from "zod";
import { MASK_SOURCES } from "../common/mask-sources.ts";
import { MAX_CLASSES_FILE_BYTES, MAX_POLYGON_VERTICES } from "../common/limits.ts";
import type {
  AppInfo,
  ClassDef,
  DatasetExportResult,
  ExportResult,
  FolderListing,
  ImageItem,
  ImageList,
  ImportResult,
  LiveStatus,
  MaskChange,
  MaskData,
  ModelExportResult,
  PersonInfo,
  PersonLabels,
  PredictionData,
  ProjectInfo,
  Suggestion,
  TrainingStatus,
} from "../common/api-types.ts";
import { ApiError } from "../common/api-error.ts";
export { ApiError };

/** A method: request schema plus a phantom response type (`_response` is never read). */
export interface MethodDef<Req extends z.ZodType, Res> {
  request: Req;
  _response: Res;
}

function method<Res>() {
  return <Req extends z.ZodType>(request: Req): MethodDef<Req, Res> => ({
    request,
    _response: undefined as unknown as Res,
  });
}

const empty = z.object({}).strict();
const imageId = z.number().int().positive();
const point = z.tuple([z.number().finite(), z.number().finite()]);
const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, "expected a color like #ff8800");
/** A classes file picked in the UI: its name (for messages) and its text, read by the browser. */
const classesFileText = z
  .object({
    file: z.string().trim().min(1, "name the classes file").max(255),
    // a file over the cap is refused by the parser, naming it; this bounds the request only
    text: z.string().max(4 * MAX_CLASSES_FILE_BYTES, "too big for a classes file"),
  })
  .strict();

export const api = {
  "app.info": method<AppInfo>()(empty),

  "project.create": method<ProjectInfo>()(
    z
      .object({
        name: z.string().trim().min(1, "give the project a name").max(120),
        /** folder for the project file; default: the server's projects folder */
        dir: z.string().min(1).optional(),
        classes: z
          .array(z.object({ name: z.string().trim().min(1, "class names cannot be empty").max(60), color }))
          .min(1, "a project needs at least one class")
          .max(255)
          .refine(
            (cs) => new Set(cs.map((c) => c.name.toLowerCase())).size === cs.length,
            "two classes have the same name; give each class its own",
          ),
      })
      .strict(),
  ),
  "project.open": method<ProjectInfo>()(z.object({ file: z.string().min(1) }).strict()),
  "project.openDemo": method<ProjectInfo>()(empty),
  "project.close": method<{ closed: boolean }>()(empty),
  "project.status": method<ProjectInfo>()(empty),

  "classes.list": method<ClassDef[]>()(empty),
  /** A class at the next index; without a color, the palette's. Answers the project (classes and all). */
  "classes.add": method<ProjectInfo>()(
    z
      .object({
        name: z.string().trim().min(1, "class names cannot be empty").max(60),
        color: color.optional(),
      })
      .strict(),
  ),
  /** A classes file's text (as `--classes-file` reads it) checked and read as classes, for the new-project form. */
  "classes.parseFile": method<{ classes: { name: string; color: string }[] }>()(classesFileText),
  /** The classes of a classes file the project lacks (by name, any case), added at the next indices; the rest skipped. */
  "classes.addFromFile": method<{ project: ProjectInfo; added: string[]; skipped: string[] }>()(
    classesFileText,
  ),
  /** Whether a class can be deleted: its labeled pixels and images, and the reason when it cannot. */
  "classes.usage": method<{
    name: string;
    pixels: number;
    images: number;
    refused: string | null;
    /** remove: the last unused class's row goes; clear: its labels cleared, its index kept (tombstone) */
    mode: "remove" | "clear" | null;
  }>()(z.object({ idx: z.number().int().min(0).max(254) }).strict()),
  /** Deletes a class: its labels become unlabeled (in masks and undo patches), in one transaction. */
  "classes.delete": method<ProjectInfo>()(z.object({ idx: z.number().int().min(0).max(254) }).strict()),
  /** Rename or recolor a class; its labels keep their index. */
  "classes.update": method<ProjectInfo>()(
    z
      .object({
        idx: z.number().int().min(0).max(254),
        name: z.string().trim().min(1, "class names cannot be empty").max(60).optional(),
        color: color.optional(),
      })
      .strict(),
  ),

  "images.list": method<ImageList>()(
    z
      .object({
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
        status: z.enum(["unlabeled", "labeled", "predicted", "suggested"]).optional(),
        split: z.enum(["train", "val", "test"]).optional(),
        search: z.string().max(200).optional(),
        sort: z.enum(["id", "name", "labeled", "uncertainty", "suggested"]).default("id"),
      })
      .strict(),
  ),
  "images.get": method<ImageItem>()(z.object({ id: imageId }).strict()),
  /** Whether the image's file still holds what was imported (a file replaced by another picture of the same size) */
  "images.check": method<{ changed: boolean; reason: string | null }>()(z.object({ id: imageId }).strict()),
  /** the images before and after one, in id order (for previous/next) */
  "images.neighbors": method<{ prev: number | null; next: number | null; index: number; total: number }>()(
    z.object({ id: imageId }).strict(),
  ),
  /** Moves images to train, val or test; labels stay. Answers how many changed. */
  "images.setSplit": method<{ changed: number }>()(
    z
      .object({
        ids: z.array(imageId).min(1, "give at least one image").max(100_000),
        split: z.enum(["train", "val", "test"]),
      })
      .strict(),
  ),
  /** Takes images out of the project with their labels and predictions; the files stay on disk. */
  "images.remove": method<{ removed: number; names: string[]; labeledPixels: number }>()(
    z.object({ ids: z.array(imageId).min(1, "give at least one image").max(100_000) }).strict(),
  ),
  "images.import": method<ImportResult>()(
    z
      .object({
        paths: z.array(z.string().min(1)).min(1, "give at least one file or folder"),
        split: z.enum(["train", "val", "test"]).default("train"),
        /** folder of class-index PNG masks matched by file name (a.jpg takes a.png) */
        labels: z.string().min(1).optional(),
        /** two-class projects: masks are binary (0 = first class, anything else = second) */
        binary: z.boolean().default(false),
      })
      .strict(),
  ),

  "masks.get": method<MaskData>()(z.object({ imageId }).strict()),
  "strokes.commit": method<MaskChange>()(
    z
      .object({
        imageId,
        tool: z.enum(["brush", "eraser", "polygon"]),
        classIdx: z.number().int().min(0).max(254).nullable(),
        width: z.number().positive().max(2000),
        points: z.array(point).min(1).max(100_000),
        /** classes locked in the UI: the stroke neither paints over nor erases them */
        protect: z.array(z.number().int().min(0).max(254)).max(255).optional(),
        /** the brush's (and eraser's) tip: a disc of diameter `width` (default) or a square of side `width` */
        shape: z.enum(["round", "square"]).optional(),
      })
      .strict()
      .refine((s) => s.tool === "eraser" || s.classIdx !== null, {
        message: "brush and polygon need a class",
        path: ["classIdx"],
      })
      .refine((s) => s.tool !== "polygon" || s.points.length >= 3, {
        message: "a polygon needs at least 3 points",
        path: ["points"],
      })
      .refine((s) => s.tool !== "polygon" || s.points.length <= MAX_POLYGON_VERTICES, {
        message: `a polygon has at most ${MAX_POLYGON_VERTICES.toLocaleString("en-US")} points; split it into smaller ones`,
        path: ["points"],
      }),
  ),
  /** Who the call acts as: decided by the door (people.ts), never by a request body. */
  "people.me": method<PersonInfo>()(empty),
  /** Labeled pixels by person over every image (a person owns the pixels their live change set last). */
  "people.labels": method<PersonLabels[]>()(empty),
  /** The acting person's last change on the image (their own undo, #34). */
  "masks.undo": method<MaskChange>()(z.object({ imageId }).strict()),
  "masks.redo": method<MaskChange>()(z.object({ imageId }).strict()),
  "regions.accept": method<MaskChange>()(
    z.object({ imageId, x: z.number().int().min(0), y: z.number().int().min(0) }).strict(),
  ),
  "suggestions.acceptRegion": method<MaskChange>()(
    z.object({ imageId, regionId: z.number().int().min(0) }).strict(),
  ),
  "masks.acceptConfident": method<MaskChange>()(
    z.object({ imageId, minConfidence: z.number().min(0).max(1) }).strict(),
  ),
  "masks.clearAccepted": method<MaskChange>()(z.object({ imageId }).strict()),

  "predictions.get": method<PredictionData | null>()(
    z.object({ imageId, measure: z.enum(["entropy", "margin"]).default("entropy") }).strict(),
  ),
  "suggestions.list": method<Suggestion[]>()(
    z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict(),
  ),

  /** the live preview classifier (docs/live.md): its state */
  "live.status": method<LiveStatus>()(empty),
  /** live mode on or off, and the image the screen has open (predicted first) */
  "live.set": method<LiveStatus>()(
    z.object({ enabled: z.boolean().optional(), imageId: imageId.nullable().optional() }).strict(),
  ),

  "training.start": method<TrainingStatus>()(
    z
      .object({
        /** passes over the training pool; when absent, `minutes` bounds the run */
        epochs: z.number().positive().max(10_000).optional(),
        minutes: z
          .number()
          .positive()
          .max(24 * 60)
          .optional(),
        /** side of the square training crops, a multiple of 16 */
        size: z.number().int().min(16).max(1024).multipleOf(16).optional(),
        batchSize: z.number().int().min(1).max(64).optional(),
        /** encoder widths, e.g. [8, 16] for a tiny network */
        widths: z.array(z.number().int().min(1).max(512)).min(1).max(6).optional(),
        backend: z.enum(["auto", "tfjs-node-gpu", "tfjs-node", "wasm", "cpu"]).optional(),
        /** switch method terms on or off (defaults: app/common/method-terms.ts): semi-supervised, PiXL alignment, CRF, superpixel propagation, labels from the pixel classifier, self-training rounds */
        terms: z
          .object({
            semiSupervised: z.boolean(),
            pixl: z.boolean(),
            crf: z.boolean(),
            propagation: z.boolean(),
            forestLabels: z.boolean(),
            selfTraining: z.boolean(),
          })
          .partial()
          .strict()
          .optional(),
        /** predict every image with the new model afterwards (default true) */
        predict: z.boolean().default(true),
        /** start from the latest model (fine-tune) instead of from scratch */
        fineTune: z.boolean().default(false),
      })
      .strict(),
  ),
  "training.stop": method<TrainingStatus>()(empty),
  /** background training on or off: the network trains round after round while people label (docs/live.md) */
  "training.background": method<TrainingStatus>()(z.object({ enabled: z.boolean() }).strict()),
  "training.status": method<TrainingStatus>()(empty),
  /** predict the images without a prediction from the shown model (imported after it) */
  "training.predictNew": method<TrainingStatus>()(empty),

  "export.masks": method<ExportResult>()(
    z
      .object({
        /** index / color: one PNG per image; coco: one coco.json (RLE) in the folder */
        format: z.enum(["index", "color", "coco"]),
        source: z.enum(MASK_SOURCES).default("labels"),
        /** default: <project folder>/exports/masks-<format> */
        outDir: z.string().min(1).optional(),
        /** index and color: skip images without labels */
        onlyLabeled: z.boolean().default(false),
      })
      .strict(),
  ),
  "export.dataset": method<DatasetExportResult>()(
    z
      .object({
        source: z.enum(MASK_SOURCES).default("labels"),
        /** leave out images without labels */
        onlyLabeled: z.boolean().default(false),
        /** default: <project folder>/exports/dataset */
        outDir: z.string().min(1).optional(),
      })
      .strict(),
  ),
  "export.model": method<ModelExportResult>()(
    z
      .object({
        /** default: the latest model */
        modelId: z.number().int().positive().optional(),
        /** default: <project folder>/exports/model-<id> */
        outDir: z.string().min(1).optional(),
      })
      .strict(),
  ),

  // The browser UI's folder picker (app/api/folders.ts; docs/security.md). Refused over IPC:
  // the desktop app picks folders in the system's dialog (main/dialogs.ts).
  /** The subfolders of a folder on the server (names only, capped), with their image counts. */
  "folders.list": method<FolderListing>()(
    z
      .object({
        /** absolute; default: the open project's folder, else the projects folder, else home */
        dir: z.string().min(1).max(4096).optional(),
        /** list names starting with a dot too */
        hidden: z.boolean().default(false),
      })
      .strict(),
  ),
  /** Makes one new, empty folder in a folder (as a system dialog's "New folder"). */
  "folders.create": method<{ dir: string }>()(
    z.object({ parent: z.string().min(1).max(4096), name: z.string().min(1).max(255) }).strict(),
  ),
  /** The person chose this folder: paths in it may be used from now on (like serve --allow). */
  "folders.choose": method<{ dir: string }>()(z.object({ dir: z.string().min(1).max(4096) }).strict()),
} as const;

export type Api = typeof api;
export type ApiMethod = keyof Api;
export const API_METHODS = Object.keys(api) as ApiMethod[];

/** What a caller sends (defaults may be left out). */
export type ApiRequest<M extends ApiMethod> = z.input<Api[M]["request"]>;
/** What a handler receives (after validation, defaults filled in). */
export type ApiParsed<M extends ApiMethod> = z.output<Api[M]["request"]>;
export type ApiResponse<M extends ApiMethod> = Api[M]["_response"];

export function isApiMethod(name: string): name is ApiMethod {
  return Object.prototype.hasOwnProperty.call(api, name);
}

/** Validates a request; returns the parsed value or a one-line reason naming the field. */
export function parseRequest<M extends ApiMethod>(
  m: M,
  body: unknown,
): { ok: true; value: ApiParsed<M> } | { ok: false; message: string } {
  const r = api[m].request.safeParse(body ?? {});
  if (r.success) return { ok: true, value: r.data as ApiParsed<M> };
  const issue = r.error.issues[0];
  const where = issue.path.length ? issue.path.join(".") : "request";
  return { ok: false, message: `${m}: ${where}: ${issue.message}` };
}

/** Any transport: send one request, get its response (rejects with ApiError). */
export interface ApiTransport {
  call<M extends ApiMethod>(m: M, req: ApiRequest<M>): Promise<ApiResponse<M>>;
}
