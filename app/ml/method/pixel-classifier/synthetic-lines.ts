/**
 * Synthetic thin-line images for tests: dark lines 1-3 px wide on a noisy lighter background
 * under uneven illumination (a ramp and a broad bump, so raw intensity alone cannot separate the
 * classes), with sparse scribbles (short strokes on a few lines and on background) and the
 * ground truth. Class 0 = background, 1 = line.
 */
import type { RawImage } from "../../model/image.ts";
import { seededRandom } from "../../engine/random.ts";

export interface LineImage {
  image: RawImage;
  /** scribbles: 0, 1, or 255 (unlabeled) */
  labels: Uint8Array;
  truth: Uint8Array;
}

export function lineImage(width: number, height: number, seed: number): LineImage {
  const random = seededRandom(seed);
  const lines = Array.from({ length: 6 }, () => ({
    x: width * (0.15 + 0.7 * random()),
    y: height * (0.15 + 0.7 * random()),
    angle: Math.PI * random(),
    halfWidth: 0.5 * (1 + Math.floor(3 * random())),
  }));
  const distance = (l: (typeof lines)[number], x: number, y: number) =>
    Math.abs((x - l.x) * Math.sin(l.angle) - (y - l.y) * Math.cos(l.angle));
  const pixels = new Uint8Array(width * height);
  const truth = new Uint8Array(width * height);
  const labels = new Uint8Array(width * height).fill(255);
  const bx = width * random();
  const by = height * random();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const light =
        120 + (60 * x) / width + 50 * Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (0.1 * width * height));
      const onLine = lines.some((l) => distance(l, x + 0.5, y + 0.5) < l.halfWidth);
      const noise = 24 * (random() + random() - 1);
      truth[i] = onLine ? 1 : 0;
      pixels[i] = Math.max(0, Math.min(255, Math.round((onLine ? light - 55 : light) + noise)));
    }
  }
  // scribbles: a 16-px stroke along the middle of four lines, six 24-px strokes on background
  for (const l of lines.slice(0, 4)) {
    for (let t = -8; t < 8; t++) {
      const x = Math.floor(l.x + t * Math.cos(l.angle));
      const y = Math.floor(l.y + t * Math.sin(l.angle));
      if (x >= 0 && y >= 0 && x < width && y < height && truth[y * width + x] === 1)
        labels[y * width + x] = 1;
    }
  }
  for (let k = 0; k < 6; k++) {
    const y = Math.floor(height * (0.1 + 0.8 * random()));
    const x0 = Math.floor(width * 0.7 * random());
    for (let x = x0; x < Math.min(width, x0 + 24); x++) {
      const near = lines.some((l) => distance(l, x + 0.5, y + 0.5) < l.halfWidth + 1);
      if (!near) labels[y * width + x] = 0;
    }
  }
  return { image: { pixels, width, height, channels: 1 }, labels, truth };
}

/** IoU of class `c` between prediction and truth. */
export function iou(predicted: Uint8Array, truth: Uint8Array, c: number): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = predicted[i] === c;
    const t = truth[i] === c;
    if (p && t) inter++;
    if (p || t) union++;
  }
  return union === 0 ? 1 : inter / union;
}
