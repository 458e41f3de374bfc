/** Small synthetic segmentation data for tests: two or three colored regions with scribbles. */
import type { TrainingSample } from "../training/train.ts";

/**
 * A width x height RGB image: left part red-ish (class 0), right part blue-ish (class 1), and a
 * green disc (class 2) when `withDisc`. Labels: a few scribbled columns/rows, 255 elsewhere.
 */
export function syntheticSample(
  width: number,
  height: number,
  seed: number,
  withDisc = false,
): TrainingSample & { gt: Uint8Array } {
  const pixels = new Uint8Array(width * height * 3);
  const labels = new Uint8Array(width * height).fill(255);
  const gt = new Uint8Array(width * height);
  const split = Math.floor(width * (0.35 + (0.3 * ((seed * 7919) % 100)) / 100));
  const cx = width * 0.5;
  const cy = height * 0.5;
  const r = Math.min(width, height) * 0.2;
  let noise = seed + 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      noise = (noise * 1103515245 + 12345) & 0x7fffffff;
      const n = (noise % 41) - 20;
      const inDisc = withDisc && (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      const cls = inDisc ? 2 : x < split ? 0 : 1;
      const base = cls === 0 ? [200, 60, 50] : cls === 1 ? [40, 70, 200] : [50, 190, 60];
      const i = y * width + x;
      for (let c = 0; c < 3; c++) pixels[i * 3 + c] = Math.max(0, Math.min(255, base[c] + n));
      gt[i] = cls;
      const scribble =
        x === Math.floor(split / 2) ||
        x === Math.floor((split + width) / 2) ||
        (inDisc && y === Math.floor(cy));
      if (scribble) labels[i] = cls;
    }
  }
  return { pixels, width, height, channels: 3, labels, gt };
}
