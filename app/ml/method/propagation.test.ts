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
      colorGate: 0,
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
      colorGate: 0,
    });
    expect(out.filter((v) => v !== UNLABELED).length).toBe(12);
  });

  it("with a color gate, a stroke on a thin line does not spread to the background around it", () => {
    // A 2-px dark line down a bright, noisy background; the line is scribbled, and so is the
    // background far from it.
    const W = 48;
    const H = 48;
    const pixels = new Uint8Array(W * H);
    let seed = 3;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 20;
    const onLine = (x: number) => x === 23 || x === 24;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) pixels[y * W + x] = (onLine(x) ? 120 : 190) + noise();
    const scribbles = new Uint8Array(W * H).fill(UNLABELED);
    for (let y = 2; y < 46; y++) {
      scribbles[y * W + 23] = 1;
      scribbles[y * W + 4] = 0;
    }
    const wrong = (gate: number) => {
      const out = propagateScribbles(pixels, W, H, 1, scribbles, 2, {
        regionSize: 12,
        compactness: 20,
        purity: 0.9,
        minScribbled: 3,
        colorGate: gate,
      });
      let n = 0;
      for (let p = 0; p < out.length; p++) if (out[p] === 1 && !onLine(p % W)) n++;
      return { n, background: out.filter((v) => v === 0).length };
    };
    const open = wrong(0);
    const gated = wrong(5);
    expect(open.n).toBeGreaterThan(20); // without the gate the line's superpixels spill into the background
    expect(gated.n).toBe(0);
    expect(gated.background).toBe(open.background); // the uniform background still spreads
  });
});
