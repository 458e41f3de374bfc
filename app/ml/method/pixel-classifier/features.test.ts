import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../engine/backend.ts";
import {
  computeFeatures,
  DEFAULT_SCALES,
  featureNames,
  forEachFeatureBand,
  type FilterInput,
} from "./features.ts";
import { filterRadius, gaussian1, gaussian2, symmetricIndex } from "./kernels.ts";
import { imagePlanes, reduceLabels } from "./input.ts";

function grayInput(width: number, height: number, value: (x: number, y: number) => number): FilterInput {
  const plane = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) plane[y * width + x] = value(x, y);
  return { width, height, full: [plane], fullNames: ["g"], smooth: [], smoothNames: [] };
}

/** Feature `name` at (x, y). */
function at(
  f: { data: Float32Array; names: string[]; width: number },
  name: string,
  x: number,
  y: number,
): number {
  const k = f.names.indexOf(name);
  if (k < 0) throw new Error(`no feature ${name}`);
  return f.data[(y * f.width + x) * f.names.length + k];
}

describe("pixel classifier features", () => {
  beforeAll(async () => {
    await initBackend("cpu");
  });

  it("names seven filters per channel and scale, then smoothing of smooth channels", () => {
    const names = featureNames({ fullNames: ["L"], smoothNames: ["R-G"] }, [1, 2]);
    expect(names.length).toBe(7 * 2 + 2);
    expect(names.slice(0, 3)).toEqual(["L smooth s1", "L gradient s1", "L laplacian s1"]);
    expect(names[13]).toBe("L hess-ev2 s2");
    expect(names[15]).toBe("R-G smooth s2");
  });

  it("smooths a delta into the sampled, normalized Gaussian", () => {
    const sigma = 2;
    const input = grayInput(31, 27, (x, y) => (x === 15 && y === 13 ? 1000 : 0));
    const f = computeFeatures(input, [sigma]);
    const r = filterRadius(sigma);
    let norm = 0;
    for (let d = -r; d <= r; d++) norm += Math.exp(-(d * d) / (2 * sigma * sigma));
    for (const [dx, dy] of [
      [0, 0],
      [1, 0],
      [2, 3],
      [-4, 1],
      [7, -7],
    ]) {
      const expected = (1000 * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))) / (norm * norm);
      expect(at(f, "g smooth s2", 15 + dx, 13 + dy)).toBeCloseTo(expected, 4);
    }
    expect(at(f, "g smooth s2", 15 + r + 1, 13)).toBeCloseTo(0, 6);
  });

  it("normalizes the derivative kernels exactly (ramp slope 1, parabola curvature 1)", () => {
    for (const sigma of [0.7, 1, 3.5]) {
      const r = filterRadius(sigma);
      const g1 = gaussian1(sigma, r);
      const g2 = gaussian2(sigma, r);
      let slope = 0;
      let sum2 = 0;
      let curvature = 0;
      for (let d = -r; d <= r; d++) {
        slope += d * g1[d + r];
        sum2 += g2[d + r];
        curvature += ((d * d) / 2) * g2[d + r];
      }
      expect(slope).toBeCloseTo(1, 5);
      expect(sum2).toBeCloseTo(0, 5);
      expect(curvature).toBeCloseTo(1, 5);
    }
    const ramp = computeFeatures(
      grayInput(40, 30, (x, y) => 3 * x + 2 * y),
      [1],
    );
    expect(at(ramp, "g gradient s1", 20, 15)).toBeCloseTo(Math.sqrt(13), 3);
    expect(at(ramp, "g st-ev1 s1", 20, 15)).toBeCloseTo(13, 2);
    expect(at(ramp, "g laplacian s1", 20, 15)).toBeCloseTo(0, 3);
  });

  it("peaks the gradient magnitude at a step edge", () => {
    const f = computeFeatures(
      grayInput(40, 20, (x) => (x < 20 ? 50 : 150)),
      [1],
    );
    const row = Array.from({ length: 40 }, (_, x) => at(f, "g gradient s1", x, 10));
    const peak = row.indexOf(Math.max(...row));
    expect([19, 20]).toContain(peak);
    expect(row[19]).toBeGreaterThan(5 * row[14]);
    expect(row[20]).toBeGreaterThan(5 * row[25]);
    // the Laplacian changes sign across the edge
    expect(at(f, "g laplacian s1", 18, 10)).toBeGreaterThan(0);
    expect(at(f, "g laplacian s1", 21, 10)).toBeLessThan(0);
  });

  it("gives a thin bright line a strongly negative Hessian eigenvalue across it", () => {
    const f = computeFeatures(
      grayInput(41, 41, (x) => (x === 20 ? 200 : 20)),
      [1],
    );
    const onLine = at(f, "g hess-ev2 s1", 20, 20);
    expect(onLine).toBeLessThan(-20);
    // along the line the curvature is ~0: the other eigenvalue is small
    expect(Math.abs(at(f, "g hess-ev1 s1", 20, 20))).toBeLessThan(1);
    // off the line it is much weaker
    expect(Math.abs(at(f, "g hess-ev2 s1", 26, 20))).toBeLessThan(Math.abs(onLine) / 10);
  });

  it("extends borders symmetrically: a constant image has constant smoothing and zero derivatives", () => {
    const f = computeFeatures(
      grayInput(9, 7, () => 77),
      DEFAULT_SCALES,
    );
    for (let k = 0; k < f.names.length; k++) {
      for (const p of [0, 8, 31, 62]) {
        const v = f.data[p * f.names.length + k];
        if (f.names[k].includes("smooth")) expect(v).toBeCloseTo(77, 3);
        else expect(Math.abs(v)).toBeLessThan(1e-3);
      }
    }
    expect([-1, 0, 4, 5, 9].map((i) => symmetricIndex(i, 5))).toEqual([0, 0, 4, 4, 0]);
  });

  it("computes bands of rows exactly as the whole image", () => {
    const input = grayInput(50, 37, (x, y) => 100 + 60 * Math.sin(x / 3) * Math.cos(y / 5) + ((x * y) % 7));
    const whole = computeFeatures(input, DEFAULT_SCALES);
    const banded = new Float32Array(whole.data.length);
    let bands = 0;
    forEachFeatureBand(
      input,
      DEFAULT_SCALES,
      (b) => {
        banded.set(b.data, b.y0 * b.width * b.count);
        bands++;
      },
      { bandPixels: 50 * 8 },
    );
    expect(bands).toBe(5);
    let worst = 0;
    for (let i = 0; i < banded.length; i++) worst = Math.max(worst, Math.abs(banded[i] - whole.data[i]));
    expect(worst).toBeLessThan(1e-3);
  });

  it("computes the large scales on reduced planes close to the exact filters", () => {
    const input = grayInput(
      96,
      80,
      (x, y) => 100 + 60 * Math.sin(x / 9) * Math.cos(y / 11) + (x > 50 ? 40 : 0),
    );
    const exact = computeFeatures(input, [3.5, 10], { minCoarseSigma: Infinity });
    const fast = computeFeatures(input, [3.5, 10]);
    for (let k = 0; k < exact.names.length; k++) {
      let err = 0;
      let spread = 0;
      let mean = 0;
      const n = input.width * input.height;
      for (let p = 0; p < n; p++) mean += exact.data[p * exact.names.length + k] / n;
      for (let p = 0; p < n; p++) {
        const e = exact.data[p * exact.names.length + k];
        err += (e - fast.data[p * exact.names.length + k]) ** 2;
        spread += (e - mean) ** 2;
      }
      expect(Math.sqrt(err / spread), exact.names[k]).toBeLessThan(0.2);
    }
  });

  it("filters luminance fully and two opponent colors by smoothing in the luminance mode", () => {
    const pixels = new Uint8Array(6 * 5 * 3).map((_, i) => (i * 37) % 256);
    const image = { pixels, width: 6, height: 5, channels: 3 as const };
    const lum = imagePlanes(image, { color: true, colorMode: "luminance", maxSide: 1024 });
    expect(lum.fullNames).toEqual(["L"]);
    expect(lum.smoothNames).toEqual(["R-G", "Y-B"]);
    expect(lum.full[0][0]).toBeCloseTo(0.299 * pixels[0] + 0.587 * pixels[1] + 0.114 * pixels[2], 3);
    const rgb = imagePlanes(image, { color: true, colorMode: "rgb", maxSide: 1024 });
    expect(rgb.full.length).toBe(3);
    expect(computeFeatures(lum, [1]).names.length).toBe(7 + 2);
  });

  it("reduces large images to maxSide and their labels alongside", () => {
    const image = { pixels: new Uint8Array(40 * 20).fill(9), width: 40, height: 20, channels: 1 as const };
    const planes = imagePlanes(image, { color: false, colorMode: "rgb", maxSide: 10 });
    expect([planes.width, planes.height]).toEqual([10, 5]);
    expect(planes.full[0][7]).toBeCloseTo(9, 4);
    const labels = new Uint8Array(40 * 20).fill(255);
    labels[0] = 1; // alone in its 4x4 block
    labels[44] = 2; // block (1, 0) with a disagreeing neighbour
    labels[45] = 3;
    const reduced = reduceLabels(labels, 40, 20, 10, 5);
    expect(reduced[0]).toBe(1);
    expect(reduced[1]).toBe(255);
    expect(reduced.filter((v) => v !== 255).length).toBe(1);
  });
});
