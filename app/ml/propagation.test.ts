import { describe, expect, it } from "vitest";
import { propagateScribbles, slic } from "./propagation.ts";
import { UNLABELED } from "./losses.ts";

/** A 64x48 RGB image: a red disc on a noisy green background. */
function discImage(): { pixels: Uint8Array; inside: (x: number, y: number) => boolean } {
  const W = 64;
  const H = 48;
  const pixels = new Uint8Array(W * H * 3);
  const inside = (x: number, y: number) => (x - 40) ** 2 + (y - 24) ** 2 < 14 ** 2;
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 30;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      if (inside(x, y)) pixels.set([200 + noise(), 30 + noise(), 30 + noise()], o);
      else pixels.set([40 + noise(), 160 + noise(), 50 + noise()], o);
    }
  }
  return { pixels, inside };
}

describe("superpixel propagation", () => {
  it("SLIC cuts the image into connected superpixels of about the requested size", () => {
    const { pixels } = discImage();
    const { labels, count } = slic(pixels, 64, 48, 3, { regionSize: 8 });
    expect(count).toBeGreaterThan((64 * 48) / 64 / 2);
    expect(count).toBeLessThan(((64 * 48) / 64) * 3); // noisy edges leave some fragments
    expect(Math.max(...labels)).toBe(count - 1);
    expect(Math.min(...labels)).toBe(0);
  });

  it("spreads each scribble over its region and never across the color edge", () => {
    const { pixels, inside } = discImage();
    const W = 64;
    const H = 48;
    const scribbles = new Uint8Array(W * H).fill(UNLABELED);
    for (let x = 34; x <= 46; x++) scribbles[24 * W + x] = 1; // across the disc
    for (let y = 4; y < 44; y++) scribbles[y * W + 8] = 0; // down the background
    const out = propagateScribbles(pixels, W, H, 3, scribbles, 2, {
      regionSize: 8,
      compactness: 10,
      purity: 0.9,
      minScribbled: 3,
    });
    let labeled = 0;
    let wrong = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const v = out[y * W + x];
        if (v === UNLABELED) continue;
        labeled++;
        if (v !== (inside(x, y) ? 1 : 0)) wrong++;
      }
    }
    const scribbled = scribbles.filter((v) => v !== UNLABELED).length;
    expect(labeled).toBeGreaterThan(5 * scribbled);
    expect(wrong).toBe(0);
    // Scribbled pixels keep their own class.
    expect(out[24 * W + 40]).toBe(1);
    expect(out[10 * W + 8]).toBe(0);
  });

  it("leaves a superpixel unlabeled when its scribbles disagree", () => {
    const W = 16;
    const H = 16;
    const pixels = new Uint8Array(W * H * 3).fill(128); // flat: one color everywhere
    const scribbles = new Uint8Array(W * H).fill(UNLABELED);
    for (let x = 2; x < 14; x++) scribbles[8 * W + x] = x % 2; // alternating classes
    const out = propagateScribbles(pixels, W, H, 3, scribbles, 2, {
      regionSize: 16,
      compactness: 10,
      purity: 0.9,
      minScribbled: 3,
    });
    expect(out.filter((v) => v !== UNLABELED).length).toBe(12);
  });
});
