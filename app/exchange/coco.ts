import fs from "node:fs";
import path from "node:path";
import type { ProjectStore } from "../store/project-store.ts";
import { UserError } from "../store/errors.ts";
import { FILE_LIMITS, readFileSyncChecked } from "../store/safe-read.ts";
import { Source, UNLABELED, cloneMask, countLabeled, type LabelMask } from "../common/mask.ts";
import { polygonSpans, type Point } from "../common/raster.ts";
import { classRegions } from "../labels/components.ts";
import { countsToString, forEachCountsPixel, regionToCounts, stringToCounts } from "./coco-rle.ts";
import { allImageIds, importChange } from "./mask-files.ts";
import { classMapFor, sourceModelId, type MaskSource } from "./mask-source.ts";
import { ensureFolder } from "./folders.ts";
import { ProtectedFiles } from "./output-guard.ts";

/**
 * COCO JSON export: one annotation per connected region of a class per image, segmentation
 * as compressed RLE (pycocotools' string form), categories = the project's classes with
 * id = class index + 1 (COCO reserves 0). Refuses an `outFile` that is an image of the project.
 */
export function exportCoco(
  store: ProjectStore,
  outFile: string,
  opts: { source?: MaskSource; onProgress?: (done: number, total: number) => void } = {},
): { images: number; annotations: number } {
  const classes = store.classes();
  const modelId = sourceModelId(store, opts.source ?? "labels");
  ProtectedFiles.ofProject(store).check([outFile], path.dirname(path.resolve(outFile)));
  const images: object[] = [];
  const annotations: object[] = [];
  const ids = allImageIds(store);
  const contributors = new Set<string>();
  ids.forEach((id, k) => {
    const img = store.requireImage(id);
    opts.onProgress?.(k + 1, ids.length);
    images.push({ id, file_name: img.name, width: img.width, height: img.height });
    const map = classMapFor(store, id, opts.source ?? "labels", modelId);
    const authorsOf = regionAuthors(store, id, opts.source ?? "labels", contributors);
    for (const r of classRegions(map, img.width, img.height)) {
      annotations.push({
        id: annotations.length + 1,
        image_id: id,
        category_id: r.classIdx + 1,
        segmentation: {
          size: [img.height, img.width],
          counts: countsToString(regionToCounts(r.pixels, img.width, img.height)),
        },
        area: r.pixels.length,
        bbox: r.bbox,
        iscrowd: 0,
        ...(authorsOf ? { attributes: { authors: authorsOf(r.pixels) } } : {}),
      });
    }
  });
  const doc = {
    info: {
      description: `${store.name} (Pixelloop, source: ${opts.source ?? "labels"})`,
      date_created: new Date().toISOString(),
      ...(contributors.size > 0 ? { contributor: [...contributors].sort().join(", ") } : {}),
    },
    images,
    annotations,
    categories: classes
      .filter((c) => !c.deleted)
      .map((c) => ({ id: c.idx + 1, name: c.name, supercategory: "", color: c.color })),
  };
  ensureFolder(path.dirname(path.resolve(outFile)));
  fs.writeFileSync(outFile, JSON.stringify(doc));
  return { images: images.length, annotations: annotations.length };
}

/**
 * The people who set a region's labeled pixels last (#34; "unknown" before they were recorded),
 * for the annotation's `attributes.authors` (as CVAT keeps per-annotation attributes); null for
 * predictions, which no one drew. Adds them to `all`, for `info.contributor`.
 */
function regionAuthors(
  store: ProjectStore,
  imageId: number,
  source: MaskSource,
  all: Set<string>,
): ((pixels: Int32Array) => string[]) | null {
  if (source === "predictions") return null;
  const labeled = store.mask(imageId).classes;
  const { names, owner } = store.people.owners(imageId);
  return (pixels) => {
    const seen = new Set<number>();
    for (const i of pixels) if (labeled[i] !== UNLABELED) seen.add(owner[i]);
    const authors = [...seen].map((k) => names[k]).sort();
    for (const a of authors) all.add(a);
    return authors;
  };
}

export interface CocoImportSummary {
  images: number;
  annotations: number;
  labeledPixels: number;
}

/**
 * Imports COCO JSON (polygons, RLE lists or RLE strings). Categories are matched to classes
 * by name, images to project images by file name. The whole file is validated first: on any
 * error nothing is imported and the message names the file and the field.
 */
export function importCoco(
  store: ProjectStore,
  file: string,
  opts: { author?: string } = {},
): CocoImportSummary {
  const fail = (field: string, reason: string): never => {
    throw new UserError(`${file}: ${field}: ${reason}`);
  };
  let doc: unknown;
  // A regular file within the size limit (a FIFO or /dev/zero is refused, not read forever);
  // a UTF-8 byte order mark, as some editors write, is not part of the JSON.
  const text = readFileSyncChecked(file, FILE_LIMITS.coco, "a COCO file")
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: malformed JSON (${(e as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    fail("(root)", "expected an object with images, annotations and categories");
  const d = doc as Record<string, unknown>;
  for (const key of ["images", "annotations", "categories"]) {
    if (!Array.isArray(d[key])) fail(key, "missing or not an array");
    (d[key] as unknown[]).forEach((e, i) => {
      if (typeof e !== "object" || e === null || Array.isArray(e)) fail(`${key}[${i}]`, "expected an object");
    });
  }
  const classByName = new Map(
    store
      .classes()
      .filter((c) => !c.deleted)
      .map((c) => [c.name, c.idx]),
  );
  const catToClass = new Map<number, number>();
  (d.categories as unknown[]).forEach((c, i) => {
    const cat = c as { id?: unknown; name?: unknown };
    if (typeof cat.id !== "number") fail(`categories[${i}].id`, "missing or not a number");
    if (typeof cat.name !== "string") fail(`categories[${i}].name`, "missing or not a string");
    const idx = classByName.get(cat.name as string);
    if (idx === undefined)
      fail(
        `categories[${i}].name`,
        `unknown category "${cat.name}" (project classes: ${[...classByName.keys()].join(", ")})`,
      );
    catToClass.set(cat.id as number, idx as number);
  });
  const imageById = new Map<number, { projectId: number; width: number; height: number; name: string }>();
  (d.images as unknown[]).forEach((im, i) => {
    const e = im as { id?: unknown; file_name?: unknown; width?: unknown; height?: unknown };
    if (typeof e.id !== "number") fail(`images[${i}].id`, "missing or not a number");
    if (typeof e.file_name !== "string") fail(`images[${i}].file_name`, "missing or not a string");
    const name = path.basename(e.file_name as string);
    const found = store.imagesByName(name)[0];
    if (!found) fail(`images[${i}].file_name`, `image "${name}" is not in the project`);
    const match = store.requireImage(found.id); // its stored size checked before masks are allocated
    if (
      typeof e.width === "number" &&
      typeof e.height === "number" &&
      (e.width !== match.width || e.height !== match.height)
    ) {
      fail(
        `images[${i}]`,
        `size ${e.width}x${e.height} does not match ${name} in the project (${match.width}x${match.height})`,
      );
    }
    imageById.set(e.id as number, { projectId: match.id, width: match.width, height: match.height, name });
  });
  // Rasterize everything before writing anything.
  const masks = new Map<number, LabelMask>();
  const befores = new Map<number, LabelMask>();
  (d.annotations as unknown[]).forEach((an, i) => {
    const a = an as { image_id?: unknown; category_id?: unknown; segmentation?: unknown };
    const img = imageById.get(a.image_id as number);
    if (!img) fail(`annotations[${i}].image_id`, `no image with id ${String(a.image_id)} in this file`);
    const cls = catToClass.get(a.category_id as number);
    if (cls === undefined)
      fail(`annotations[${i}].category_id`, `unknown category id ${String(a.category_id)}`);
    const { width, height, projectId } = img!;
    if (!masks.has(projectId)) {
      const before = store.mask(projectId);
      befores.set(projectId, before);
      masks.set(projectId, cloneMask(before));
    }
    // Written straight into the image's mask (a copy, stored only when the whole file is read):
    // cost ~ the annotation's pixels, not the image's.
    const m = masks.get(projectId)!;
    const label = (p: number) => {
      m.classes[p] = cls as number;
      m.sources[p] = Source.human;
    };
    const seg = a.segmentation;
    if (Array.isArray(seg)) {
      seg.forEach((poly, k) => {
        if (
          !Array.isArray(poly) ||
          poly.length < 6 ||
          poly.length % 2 !== 0 ||
          poly.some((v) => typeof v !== "number")
        ) {
          fail(
            `annotations[${i}].segmentation[${k}]`,
            "a polygon must be a flat list of at least 3 x,y pairs",
          );
        }
        const pts: Point[] = [];
        for (let j = 0; j < poly.length; j += 2) pts.push([poly[j], poly[j + 1]]);
        polygonSpans(width, height, pts, (y, from, to) => {
          for (let p = y * width + from; p <= y * width + to; p++) label(p);
        });
      });
    } else if (seg && typeof seg === "object") {
      const rle = seg as { size?: unknown; counts?: unknown };
      if (!Array.isArray(rle.size) || rle.size[0] !== height || rle.size[1] !== width) {
        fail(`annotations[${i}].segmentation.size`, `expected [${height}, ${width}] for ${img!.name}`);
      }
      try {
        const counts = typeof rle.counts === "string" ? stringToCounts(rle.counts) : (rle.counts as number[]);
        if (!Array.isArray(counts)) throw new Error("counts must be a string or a list of numbers");
        forEachCountsPixel(counts, width, height, label);
      } catch (e) {
        fail(`annotations[${i}].segmentation.counts`, (e as Error).message);
      }
    } else {
      fail(`annotations[${i}].segmentation`, "expected polygons or an RLE object");
    }
  });
  let labeledPixels = 0;
  store.transaction(() => {
    for (const [id, after] of masks) {
      const before = befores.get(id)!;
      labeledPixels += countLabeled(after.classes);
      store.commitDiff(id, before, after, importChange(file, opts.author));
    }
  });
  return { images: masks.size, annotations: (d.annotations as unknown[]).length, labeledPixels };
}
