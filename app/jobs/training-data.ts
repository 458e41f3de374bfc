/**
 * What training reads from a project (project-training.ts runs it): the train images' sizes,
 * the working scale from the labeled structures, and the labeled images and masks themselves
 * (resized to the working scale as they are read), with the label snapshot a model records.
 */
import { readStoredImage, type SkippedImage } from "../images/decode.ts";
import type { RawImage } from "../ml/model/image.ts";
import { downsampleLabels, resizePixels, workingSize } from "../ml/training/working-resolution.ts";
import type { ProjectStore } from "../store/project-store.ts";
import type { ImageRow } from "../common/project-types.ts";
import type { TrainingSample } from "../ml/training/train.ts";
import type { EvaluationSample } from "../ml/training/evaluate.ts";
import { UNLABELED } from "../ml/method/losses.ts";
import {
  chooseWorkingScale,
  measureClassWidths,
  measureFactor,
  MIN_WORKING_WIDTH,
  sizeBasedScale,
  WIDTH_SAMPLE_IMAGES,
  type LabeledImage,
  type WorkingScaleChoice,
} from "../ml/training/working-scale.ts";

export interface LabelSnapshot {
  /** Per image used for training: its mask version and labeled pixel count at training time. */
  images: Array<{ id: number; version: number; labeledPixels: number; split: string }>;
  labeledPixels: number;
  classes: string[];
}

export interface LoadedData {
  samples: TrainingSample[];
  validation: EvaluationSample[];
  snapshot: LabelSnapshot;
  classCounts: number[];
  labeledImages: number;
  /** Train-split images without labels (loaded only for the semi-supervised term). */
  unlabeledImages: number;
  skipped: SkippedImage[];
}

/** Sizes of the train-split images, from their rows (before any is read). */
export function trainSides(rows: readonly ImageRow[]): { largestShortSide: number; medianShortSide: number } {
  const shortSides = rows
    .filter((r) => r.split === "train")
    .map((r) => Math.min(r.width, r.height))
    .sort((a, b) => a - b);
  return {
    largestShortSide: shortSides.length ? shortSides[shortSides.length - 1] : 0,
    medianShortSide: shortSides.length ? shortSides[Math.floor((shortSides.length - 1) / 2)] : 0,
  };
}

export function allImages(store: ProjectStore): ImageRow[] {
  const out: ImageRow[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = store.listImages({ limit: 1000, offset });
    out.push(...page);
    if (page.length < 1000) return out;
  }
}

/**
 * `--scale auto` for a project: the size-based scale, raised for thin labeled structures
 * measured on up to WIDTH_SAMPLE_IMAGES labeled train images (working-scale.ts). Images that
 * cannot be read are passed over here; loading the training data reports them.
 */
export async function autoWorkingScale(
  store: ProjectStore,
  rows: readonly ImageRow[],
  numClasses: number,
  medianShortSide: number,
): Promise<WorkingScaleChoice> {
  const names = store.classes().reduce<string[]>((a, c) => ((a[c.idx] = c.name), a), []);
  const sizeScale = sizeBasedScale(medianShortSide);
  if (sizeScale >= 1) return chooseWorkingScale(medianShortSide, [], names);
  const labeled = rows.filter((r) => r.split === "train" && r.labeledPixels > 0);
  const every = Math.max(1, labeled.length / WIDTH_SAMPLE_IMAGES);
  const picked = Array.from(
    { length: Math.min(labeled.length, WIDTH_SAMPLE_IMAGES) },
    (_, i) => labeled[Math.floor(i * every)],
  );
  async function* read(): AsyncGenerator<LabeledImage> {
    for (const row of picked) {
      const loaded = await loadImage(store, row, null);
      if ("skipped" in loaded) continue;
      const labels = store.mask(row.id).classes;
      for (let i = 0; i < labels.length; i++) if (labels[i] >= numClasses) labels[i] = UNLABELED;
      yield { image: loaded.image, labels };
    }
  }
  const factor = measureFactor(Math.max(...picked.map((r) => Math.max(r.width, r.height))));
  const widths = await measureClassWidths(read(), numClasses, MIN_WORKING_WIDTH / sizeScale, factor);
  return chooseWorkingScale(medianShortSide, widths, names);
}

/** An image's pixels for training (resized to `prescale` when given), or why it has to be left out. */
async function loadImage(
  store: ProjectStore,
  row: ImageRow,
  prescale: number | null,
): Promise<{ image: RawImage } | { skipped: SkippedImage }> {
  const read = await readStoredImage(store.absolutePath(row.path), row);
  if ("skipped" in read) return read;
  const px = read.pixels;
  const image: RawImage = { pixels: px.data, width: px.width, height: px.height, channels: px.channels };
  if (prescale === null) return { image };
  const size = workingSize(image.width, image.height, prescale);
  return { image: resizePixels(image, size.width, size.height) };
}

/**
 * Loads the labeled train images (and the unlabeled ones when `withUnlabeled`: the
 * semi-supervised term uses them) and the labeled val images. With `prescale`, images and labels
 * are resized to that scale as they are read (working-resolution.ts), one full-size image in
 * memory at a time; samples then carry the scale they were resized by.
 */
export async function loadProjectData(
  store: ProjectStore,
  rows: readonly ImageRow[],
  numClasses: number,
  shouldStop: () => boolean,
  {
    withUnlabeled,
    prescale,
    holdOut,
  }: { withUnlabeled: boolean; prescale: number | null; holdOut: ReadonlySet<number> },
): Promise<LoadedData> {
  const samples: TrainingSample[] = [];
  const validation: EvaluationSample[] = [];
  const snapshot: LabelSnapshot = {
    images: [],
    labeledPixels: 0,
    classes: store.classes().map((c) => c.name),
  };
  const classCounts = new Array<number>(numClasses).fill(0);
  let labeledImages = 0;
  let unlabeledImages = 0;
  const skipped: SkippedImage[] = [];
  for (const row of rows) {
    if (shouldStop()) break;
    if (row.split === "test") continue;
    const labeled = row.labeledPixels > 0;
    if (row.split === "val" && !labeled) continue;
    if (!labeled && !withUnlabeled) {
      unlabeledImages++;
      continue;
    }
    const loaded = await loadImage(store, row, prescale);
    if ("skipped" in loaded) {
      skipped.push(loaded.skipped);
      continue;
    }
    const { image } = loaded;
    const full = labeled ? store.mask(row.id).classes : undefined;
    if (full) for (let i = 0; i < full.length; i++) if (full[i] >= numClasses) full[i] = UNLABELED;
    const mask =
      full && prescale !== null
        ? downsampleLabels(full, row.width, row.height, image.width, image.height, numClasses)
        : full;
    /** how much the sample was resized from the original (crops and superpixels are sized by it) */
    const scale = prescale === null ? undefined : image.width / row.width;
    const checked = row.split === "val" || (mask !== undefined && holdOut.has(row.id));
    if (checked) {
      validation.push({ image, gt: mask as Uint8Array, scale });
      snapshot.images.push({
        id: row.id,
        version: row.maskVersion,
        labeledPixels: row.labeledPixels,
        split: row.split === "val" ? "val" : "held-out",
      });
      continue;
    }
    samples.push(mask ? { ...image, labels: mask, scale } : { ...image, scale });
    if (!mask) unlabeledImages++;
    snapshot.images.push({
      id: row.id,
      version: row.maskVersion,
      labeledPixels: row.labeledPixels,
      split: row.split,
    });
    if (full) {
      labeledImages++;
      snapshot.labeledPixels += row.labeledPixels;
      for (const v of full) if (v < numClasses) classCounts[v]++;
    }
  }
  return { samples, validation, snapshot, classCounts, labeledImages, unlabeledImages, skipped };
}
