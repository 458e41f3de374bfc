/**
 * Which labeled pixels the forest trains on: per class a uniform random sample of at most `cap`
 * of its labeled pixels over all images (reservoir sampling, so memory is cap x classes whatever
 * the project's size), seeded. Classes are balanced up to the cap: a class scribbled everywhere
 * does not drown one scribbled once.
 */
import { UNLABELED } from "../losses.ts";
import type { Random } from "../../engine/random.ts";

export interface LabeledSample {
  /** per image, the chosen pixel indices (ascending) and their classes */
  pixels: Int32Array;
  classes: Uint8Array;
}

export function sampleLabeledPixels(
  labels: readonly Uint8Array[],
  numClasses: number,
  cap: number,
  random: Random,
): { perImage: LabeledSample[]; perClass: number[] } {
  const seen = new Float64Array(numClasses);
  const image = Array.from({ length: numClasses }, () => new Int32Array(cap));
  const pixel = Array.from({ length: numClasses }, () => new Int32Array(cap));
  labels.forEach((l, i) => {
    for (let p = 0; p < l.length; p++) {
      const c = l[p];
      if (c === UNLABELED) continue;
      const s = seen[c]++;
      const slot = s < cap ? s : Math.floor(random() * (s + 1));
      if (slot < cap) {
        image[c][slot] = i;
        pixel[c][slot] = p;
      }
    }
  });
  const chosen: number[][] = labels.map(() => []);
  const perClass: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const m = Math.min(cap, seen[c]);
    perClass.push(m);
    for (let j = 0; j < m; j++) chosen[image[c][j]].push(pixel[c][j]);
  }
  const perImage = chosen.map((list, i) => {
    const pixels = Int32Array.from(list).sort();
    const classes = new Uint8Array(pixels.length);
    for (let j = 0; j < pixels.length; j++) classes[j] = labels[i][pixels[j]];
    return { pixels, classes };
  });
  return { perImage, perClass };
}
