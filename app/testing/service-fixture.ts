/**
 * For API tests: the service as the app runs it, on a project of small gray images (a bright disc
 * on a dark ground) with hand-drawn strokes, made through the same calls the UI makes.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { PixelloopService, type ServiceOptions } from "../api/service.ts";
import type { ApiEvent, ImageList, ProjectInfo, TrainingStatus } from "../common/api-types.ts";

/** The two classes of the disc images. */
export const DISC_CLASSES = [
  { name: "ground", color: "#202020" },
  { name: "disc", color: "#e0e0e0" },
];

/** A fresh temporary folder for one test's projects. */
export function serviceDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A service whose projects, recent list and demo live in `dir`. */
export function newService(dir: string, opts: ServiceOptions = {}): PixelloopService {
  return new PixelloopService({
    projectsDir: dir,
    recentFile: path.join(dir, "recent.json"),
    demoDir: path.join(dir, "demo"),
    ...opts,
  });
}

/** Creates (and opens) a project of the disc classes in `dir`. */
export async function createDiscProject(service: PixelloopService, dir: string, name: string) {
  return (await service.call("project.create", { name, dir, classes: DISC_CLASSES })) as ProjectInfo;
}

/** A one-channel 8-bit PNG whose pixels `value` gives. */
export function writeGray(
  file: string,
  width: number,
  height: number,
  value: (x: number, y: number) => number,
) {
  const px = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px[y * width + x] = value(x, y);
  return sharp(px, { raw: { width, height, channels: 1 } })
    .png()
    .toFile(file);
}

/**
 * Gray images of a bright disc (squared radius `r2`) on a dark ground, centered 2 px left of the
 * middle and one pixel further right in each image, one per name, in `folder` (made).
 */
export async function writeDiscImages(
  folder: string,
  names: string[],
  width: number,
  height: number,
  r2: number,
): Promise<void> {
  fs.mkdirSync(folder, { recursive: true });
  const cx = width / 2 - 2;
  const cy = height / 2;
  for (const [i, name] of names.entries())
    await writeGray(path.join(folder, name), width, height, (x, y) =>
      (x - cx - i) ** 2 + (y - cy) ** 2 < r2 ? 200 : 40,
    );
}

/** One brush stroke (3 px wide) of a class through `points`, saved as the canvas saves it. */
export function brush(
  service: PixelloopService,
  imageId: number,
  classIdx: number,
  points: [number, number][],
) {
  return service.call("strokes.commit", { imageId, tool: "brush", classIdx, width: 3, points });
}

/**
 * Labels every image of the project with one horizontal brush stroke per class: from x0 to x1 on
 * row `rows[c]` for class c (the disc projects: background above the disc, disc through it).
 * Returns the images, by name.
 */
export async function scribbleEveryImage(
  service: PixelloopService,
  rows: number[],
  [x0, x1]: [number, number],
): Promise<ImageList["items"]> {
  const list = (await service.call("images.list", { limit: 1000, sort: "name" })) as ImageList;
  for (const img of list.items)
    for (const [classIdx, y] of rows.entries())
      await brush(service, img.id, classIdx, [
        [x0, y],
        [x1, y],
      ]);
  return list.items;
}

/**
 * A model's weights blob with its header only (no tensors): enough for what the app reads of a
 * stored model without running it (its class count), for tests that store one as the CLI would.
 */
export function headerOnlyWeights(numClasses: number): Buffer {
  const header = new TextEncoder().encode(
    JSON.stringify({ format: "pixelloop-weights", version: 1, config: { numClasses }, weights: [] }),
  );
  const out = Buffer.alloc(Math.ceil((8 + header.length) / 4) * 4);
  out.write("PXLW", 0, "latin1");
  out.writeUInt32LE(header.length, 4);
  out.set(header, 8);
  return out;
}

/**
 * The first event `match` accepts from the moment of the call (call it before the action that
 * causes the event; listeners are called synchronously, in order, so nothing is missed). Waits on
 * the event itself, never on a timer. Rejects when `until` accepts an event first (the event can
 * no longer come, e.g. the run ended without it), naming the events seen.
 */
export function nextEvent<T extends ApiEvent = ApiEvent>(
  service: PixelloopService,
  match: (e: ApiEvent) => boolean,
  until?: (e: ApiEvent) => boolean,
): Promise<T> {
  const seen: string[] = [];
  const event = new Promise<T>((resolve, reject) => {
    const off = service.on((e) => {
      seen.push(e.type === "training.status" ? `${e.status.state}: ${e.status.message}` : e.type);
      if (match(e)) {
        off();
        resolve(e as T);
      } else if (until?.(e)) {
        off();
        reject(new Error(`the awaited event did not come before this one; events seen:\n${seen.join("\n")}`));
      }
    });
  });
  // Rejected before the test awaits it is not an unhandled rejection; awaiting it still throws.
  event.catch(() => {});
  return event;
}

const ENDED = ["done", "failed", "cancelled"];

/** Whether a training status is a run's end (done, failed or cancelled). */
export function runEnded(status: TrainingStatus): boolean {
  return ENDED.includes(status.state);
}

/**
 * The next training status `match` accepts. By default it must come before the run ends (a
 * status of the end itself may match): a progress message that never came fails at once, with
 * the messages seen, rather than at the test's timeout.
 */
export function nextStatus(
  service: PixelloopService,
  match: (s: TrainingStatus) => boolean,
  { beforeEnd = true } = {},
): Promise<TrainingStatus> {
  const status = nextEvent<Extract<ApiEvent, { type: "training.status" }>>(
    service,
    (e) => e.type === "training.status" && match(e.status),
    beforeEnd ? (e) => e.type === "training.status" && runEnded(e.status) : undefined,
  ).then((e) => e.status);
  status.catch(() => {}); // as in nextEvent
  return status;
}

/** The next end of a run (training, or prediction of new images): its status. */
export function runEnd(service: PixelloopService): Promise<TrainingStatus> {
  return nextStatus(service, runEnded, { beforeEnd: false });
}
