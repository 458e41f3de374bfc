/**
 * The working resolution `--scale auto` trains and predicts at, chosen from the image sizes and
 * from what is labeled.
 *
 * By size: the median short side of the train images becomes AUTO_WORKING_SIDE pixels (never
 * upscaled): at half resolution a crop of the same size covers 4x the scene for the same cost,
 * the largest single gain measured on street scenes (docs/learning.md). By labels: that scale
 * is raised, up to 1, until the thinnest labeled class is at least MIN_WORKING_WIDTH pixels wide
 * (structure-width.ts measures the widths), so a 3-px membrane is never shrunk to one pixel;
 * projects of large objects keep the size-based scale and its speed.
 */
import type { RawImage } from "../model/image.ts";
import { accumulateWidths, classWidths, widthAccumulator, type ClassWidth } from "./structure-width.ts";
import { downsampleLabels, resizePixels, workingSize } from "./working-resolution.ts";

/** The working short side the size-based scale brings the median train image to. */
export const AUTO_WORKING_SIDE = 192;
/**
 * The thinnest labeled class keeps at least this width (pixels) at the working resolution: the
 * network's classifier head runs at half the working resolution, where it is then 1.5 px wide.
 */
export const MIN_WORKING_WIDTH = 3;
/** Labeled train images read to measure widths (spread evenly over the project). */
export const WIDTH_SAMPLE_IMAGES = 16;
/** Images are measured at most this large (longer side); widths are converted back. */
const MEASURE_MAX_SIDE = 1024;

/** Working resolution by image size alone: the median short side `shortSide` becomes AUTO_WORKING_SIDE, never above 1. */
export function sizeBasedScale(shortSide: number): number {
  if (!(shortSide > AUTO_WORKING_SIDE)) return 1;
  return Math.round((AUTO_WORKING_SIDE / shortSide) * 1000) / 1000;
}

export interface WorkingScaleChoice {
  scale: number;
  /** how it was chosen: "auto" (sizes and labels), "set" (--scale), "parent" (fine-tuning keeps its model's) */
  source: "auto" | "set" | "parent";
  /** the size-based scale (auto only) */
  sizeScale?: number;
  /** the thinnest measured labeled class and its width in image pixels (auto, when measured) */
  thinnest?: { name: string; width: number };
  /** one line for the CLI and the training panel */
  reason: string;
}

/** A labeled train image to measure: pixels and labels (>= numClasses = unlabeled), full size. */
export type LabeledImage = { image: RawImage; labels: Uint8Array };

/** How much images are reduced for measuring: one factor for all, so their sums pool in the same units. */
export function measureFactor(largestLongSide: number): number {
  return Math.min(1, MEASURE_MAX_SIDE / Math.max(1, largestLongSide));
}

/**
 * Per-class widths (image pixels) measured on `images`, each reduced by `factor`
 * (measureFactor of the largest). `upTo`: widths beyond it (image pixels) need not be resolved.
 */
export async function measureClassWidths(
  images: AsyncIterable<LabeledImage> | Iterable<LabeledImage>,
  numClasses: number,
  upTo: number,
  factor = 1,
): Promise<ClassWidth[]> {
  // rings in measured pixels: half the width that matters, plus one for the departure itself
  const acc = widthAccumulator(numClasses, Math.min(64, Math.ceil((upTo * factor) / 2) + 1));
  let measured = 0;
  for await (const { image, labels } of images) {
    let img = image;
    let lab = labels;
    if (factor < 1) {
      const size = workingSize(image.width, image.height, factor);
      img = resizePixels(image, size.width, size.height);
      lab = downsampleLabels(labels, image.width, image.height, size.width, size.height, numClasses);
    }
    accumulateWidths(acc, img, lab);
    measured++;
  }
  if (!measured) return [];
  return classWidths(acc).map((w) => ({
    ...w,
    width: w.width === null ? null : w.width / factor,
    strokeWidth: w.strokeWidth / factor,
  }));
}

const fmtScale = (s: number) => (s === 1 ? "1x (native)" : `${s}x`);

/**
 * `--scale auto`: the size-based scale, raised (at most to 1) so that the thinnest class in
 * `widths` is MIN_WORKING_WIDTH pixels wide at the working resolution.
 */
export function chooseWorkingScale(
  medianShortSide: number,
  widths: readonly ClassWidth[],
  classNames: readonly string[],
): WorkingScaleChoice {
  const sizeScale = sizeBasedScale(medianShortSide);
  const measured = widths.filter((w): w is ClassWidth & { width: number } => w.width !== null);
  const thin = measured.length ? measured.reduce((a, b) => (b.width < a.width ? b : a)) : undefined;
  const bySize = `median short side ${medianShortSide} px`;
  if (sizeScale >= 1)
    return {
      scale: 1,
      source: "auto",
      sizeScale,
      reason: `Working resolution 1x (native): ${bySize}, at most ${AUTO_WORKING_SIDE}`,
    };
  if (!thin) {
    const what = widths.length
      ? "no labeled class is thin enough to need more"
      : "no class has enough labels to measure";
    return {
      scale: sizeScale,
      source: "auto",
      sizeScale,
      reason: `Working resolution ${fmtScale(sizeScale)}: ${bySize} -> ${AUTO_WORKING_SIDE} px; ${what}`,
    };
  }
  const name = classNames[thin.classIdx] ?? `class ${thin.classIdx}`;
  const thinnest = { name, width: Math.round(thin.width * 10) / 10 };
  const needed = Math.min(1, Math.ceil((MIN_WORKING_WIDTH / thin.width) * 1000) / 1000);
  if (needed <= sizeScale) {
    return {
      scale: sizeScale,
      source: "auto",
      sizeScale,
      thinnest,
      reason: `Working resolution ${fmtScale(sizeScale)}: ${bySize} -> ${AUTO_WORKING_SIDE} px; the thinnest labeled class, "${name}" (~${thinnest.width} px wide), stays ${(thin.width * sizeScale).toFixed(1)} px wide`,
    };
  }
  return {
    scale: needed,
    source: "auto",
    sizeScale,
    thinnest,
    reason: `Working resolution ${fmtScale(needed)}, not ${sizeScale}x by image size: the thinnest labeled class, "${name}", is ~${thinnest.width} px wide and keeps ${(thin.width * needed).toFixed(1)} px (at least ${MIN_WORKING_WIDTH})`,
  };
}
