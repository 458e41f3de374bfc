/**
 * npm run -s synthetic:membranes -- --out DIR [--train 20] [--val 8] [--seed 5]
 *
 * Writes a thin-structure benchmark domain laid out like camvid-dev (classes.json; train/images,
 * train/scribbles, train/gt; val/images, val/gt): two classes (background, membrane), 8-bit
 * frames like an electron micrograph of tissue, mostly 512x512 with some 384x448 and 448x576.
 * Each frame is a tessellation of 40-120 cells (for 512x512; a power diagram of dart-thrown
 * seeds of varied spacing, domain-warped so the boundaries bend) whose boundaries are dark
 * membranes 1-6 px wide (a width per boundary around a typical width per frame, varying slowly
 * along it) on a lighter, grainy cytoplasm that differs a little from cell to cell. Not membrane,
 * and there to be confused with it: small dark vesicles (filled, or rings with a thin dark rim)
 * and mitochondria-like ellipses (some with a dark rim) inside the cells. Then a Gaussian blur
 * (sigma 0.5-1.2), a smooth illumination gain (up to about +-20%), and Poisson-like plus
 * Gaussian noise. The gt is 1 where a membrane covers the pixel center (before the blur), 0
 * elsewhere: 5-13% of pixels. Scribbles (train only, 255 = unlabeled) are drawn as an annotator
 * would: 1-2 px strokes along stretches of membrane centerlines (a subset of the boundaries,
 * short of the junctions) and 3 px lines and arcs inside cells, at least 3 px from any membrane;
 * 3-5% of pixels, 25-40% of them membrane, and never on a pixel of the other gt class. Frames are
 * gray PNGs except every fourth (i = 3, 7, ...), stored as RGB with equal channels, as EM frames
 * exported through a viewer often are: same content, so a benchmark reads both kinds (gray is
 * replicated to three channels for the network either way). Frame i of a split depends only on
 * (seed, split, i), so --train 2 writes the first two frames of --train 20. A 512x512 frame takes
 * about 0.25 s. Tests: bench/synthetic-membranes.test.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { encode } from "fast-png";
import { seededRandom } from "../app/ml/engine/random.ts";

const SIZES = [
  [512, 512],
  [384, 448],
  [512, 512],
  [448, 576],
  [512, 512],
] as const;
const UNLABELED = 255;
const MEMBRANE = 1;
const BACKGROUND = 0;

/** Standard normal samples from `rnd` (Box-Muller, both of each pair). */
function gaussian(rnd: () => number): () => number {
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = NaN;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rnd()));
    const angle = 2 * Math.PI * rnd();
    spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  };
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** Value noise in about [-1, 1], smooth over `scale` px (random grid, smoothstep interpolation). */
function smoothField(width: number, height: number, scale: number, rnd: () => number): Float32Array {
  const gw = Math.ceil(width / scale) + 2;
  const gh = Math.ceil(height / scale) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rnd() * 2 - 1);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / scale;
    const iy = Math.floor(gy);
    const fy = gy - iy;
    const sy = fy * fy * (3 - 2 * fy);
    for (let x = 0; x < width; x++) {
      const gx = x / scale;
      const ix = Math.floor(gx);
      const fx = gx - ix;
      const sx = fx * fx * (3 - 2 * fx);
      const o = iy * gw + ix;
      const top = grid[o] + (grid[o + 1] - grid[o]) * sx;
      const bottom = grid[o + gw] + (grid[o + gw + 1] - grid[o + gw]) * sx;
      out[y * width + x] = top + (bottom - top) * sy;
    }
  }
  return out;
}

/** Separable Gaussian blur in place (edges clamped). */
function blur(data: Float32Array, width: number, height: number, sigma: number): void {
  const r = Math.ceil(3 * sigma);
  const kernel = Float32Array.from({ length: 2 * r + 1 }, (_, k) =>
    Math.exp(-((k - r) ** 2) / (2 * sigma ** 2)),
  );
  const sum = kernel.reduce((a, v) => a + v, 0);
  for (let k = 0; k < kernel.length; k++) kernel[k] /= sum;
  const line = new Float32Array(Math.max(width, height));
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) line[x] = data[row + x];
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -r; k <= r; k++) acc += kernel[k + r] * line[clamp(x + k, 0, width - 1)];
      data[row + x] = acc;
    }
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) line[y] = data[y * width + x];
    for (let y = 0; y < height; y++) {
      let acc = 0;
      for (let k = -r; k <= r; k++) acc += kernel[k + r] * line[clamp(y + k, 0, height - 1)];
      data[y * width + x] = acc;
    }
  }
}

/**
 * The neighbours of each cell of the power diagram of seeds (x, y, weight w) within `box` (x0,
 * y0, x1, y1): the seeds whose bisector bounds the cell (its polygon, clipped by every other
 * seed's half-plane, touches their line). A cell's boundary is the nearest of its neighbours'
 * bisectors, so these are the only ones to test per pixel.
 */
function powerNeighbours(
  x: number[],
  y: number[],
  w: number[],
  box: [number, number, number, number],
): number[][] {
  const m = x.length;
  return x.map((_, a) => {
    let poly: [number, number][] = [
      [box[0], box[1]],
      [box[2], box[1]],
      [box[2], box[3]],
      [box[0], box[3]],
    ];
    // pd_a(p) <= pd_b(p)  <=>  p . n <= c
    const side = (b: number, p: [number, number]) =>
      2 * (p[0] * (x[b] - x[a]) + p[1] * (y[b] - y[a])) -
      (x[b] ** 2 + y[b] ** 2 - w[b] - x[a] ** 2 - y[a] ** 2 + w[a]);
    for (let b = 0; b < m && poly.length > 0; b++) {
      if (b === a) continue;
      const next: [number, number][] = [];
      for (let k = 0; k < poly.length; k++) {
        const p = poly[k];
        const q = poly[(k + 1) % poly.length];
        const sp = side(b, p);
        const sq = side(b, q);
        if (sp <= 0) next.push(p);
        if ((sp < 0 && sq > 0) || (sp > 0 && sq < 0)) {
          const t = sp / (sp - sq);
          next.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
        }
      }
      poly = next;
    }
    const result: number[] = [];
    if (poly.length === 0) return result;
    for (let b = 0; b < m; b++) {
      if (b === a) continue;
      const scale = 2 * Math.hypot(x[b] - x[a], y[b] - y[a]);
      if (Math.min(...poly.map((p) => Math.abs(side(b, p)))) <= 1e-6 * scale) result.push(b);
    }
    return result;
  });
}

export interface MembraneFrame {
  width: number;
  height: number;
  /** 8-bit gray, one byte per pixel */
  image: Uint8Array;
  /** 1 = membrane, 0 = background */
  gt: Uint8Array;
  /** 0, 1, or 255 (unlabeled) */
  scribbles: Uint8Array;
  /** cells with at least one pixel in the frame */
  cells: number;
}

/** One frame, a function of its size and seed alone. */
export function membraneFrame(width: number, height: number, seed: number): MembraneFrame {
  const rnd = seededRandom(seed);
  const normal = gaussian(rnd);
  const n = width * height;
  const areaScale = n / 512 ** 2;

  // Seeds: dart throwing with a spacing per seed (cells of varied size), over the frame and a
  // margin so that border cells are cut, not swollen. Power-diagram weights enlarge the cells of
  // widely spaced seeds further.
  const margin = 48;
  const extW = width + 2 * margin;
  const extH = height + 2 * margin;
  const targetInside = (33 + rnd() * 62) * areaScale; // cells cut by the border add ~25%
  const target = Math.round((targetInside * extW * extH) / n);
  const spacing = 0.72 * Math.sqrt((extW * extH) / target);
  const sx: number[] = [];
  const sy: number[] = [];
  const sr: number[] = [];
  for (let attempt = 0; attempt < 80 * target && sx.length < target; attempt++) {
    const x = rnd() * extW - margin;
    const y = rnd() * extH - margin;
    const r = spacing * Math.exp(0.35 * normal());
    let ok = true;
    for (let k = 0; k < sx.length && ok; k++)
      ok = (x - sx[k]) ** 2 + (y - sy[k]) ** 2 >= ((r + sr[k]) / 2) ** 2;
    if (!ok) continue;
    sx.push(x);
    sy.push(y);
    sr.push(r);
  }
  const m = sx.length;
  const sw = sr.map((r) => 0.2 * r * r);
  /** 1 / (2 |a - b|): turns a power-distance difference into a distance from the a|b boundary */
  const inv2 = new Float64Array(m * m);
  /** per boundary: membrane width (px) and darkness (fraction of the cytoplasm removed) */
  const edgeWidth = new Float32Array(m * m);
  const edgeDark = new Float32Array(m * m);
  const typicalWidth = 1.8 + rnd() * 2;
  for (let a = 0; a < m; a++) {
    for (let b = a + 1; b < m; b++) {
      const inv = 1 / (2 * Math.hypot(sx[a] - sx[b], sy[a] - sy[b]));
      inv2[a * m + b] = inv2[b * m + a] = inv;
      const w = clamp(typicalWidth * Math.exp(0.45 * normal()), 1, 6);
      edgeWidth[a * m + b] = edgeWidth[b * m + a] = w;
      const dark = 0.5 + rnd() * 0.25;
      edgeDark[a * m + b] = edgeDark[b * m + a] = dark;
    }
  }

  // Domain warp (boundaries bend) and the slow variation of width along a boundary.
  const warpX = smoothField(width, height, 110, rnd);
  const warpY = smoothField(width, height, 110, rnd);
  const wiggleX = smoothField(width, height, 37, rnd);
  const wiggleY = smoothField(width, height, 37, rnd);
  const widthGain = smoothField(width, height, 45, rnd);
  const px = new Float32Array(n);
  const py = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    px[i] = (i % width) + 13 * warpX[i] + 3 * wiggleX[i];
    py[i] = Math.floor(i / width) + 13 * warpY[i] + 3 * wiggleY[i];
  }

  // Nearest cell (a), nearest other cell (b) and the distance to the a|b boundary, per pixel.
  const cellOf = new Uint16Array(n);
  const otherOf = new Uint16Array(n);
  const dist = new Float32Array(n);
  const halfWidth = new Float32Array(n);
  const gt = new Uint8Array(n);
  // Only a cell's neighbours can hold its nearest boundary, and per block of pixels only a few
  // cells can be nearest: exactly what testing every cell gives, several times faster.
  const neighbours = powerNeighbours(sx, sy, sw, [
    -margin - 40,
    -margin - 40,
    width + margin + 40,
    height + margin + 40,
  ]);
  const block = 16;
  const candidates: number[] = [];
  for (let by = 0; by < height; by += block) {
    for (let bx = 0; bx < width; bx += block) {
      const yEnd = Math.min(height, by + block);
      const xEnd = Math.min(width, bx + block);
      let x0 = Infinity;
      let x1 = -Infinity;
      let y0 = Infinity;
      let y1 = -Infinity;
      for (let y = by; y < yEnd; y++) {
        for (let x = bx; x < xEnd; x++) {
          const i = y * width + x;
          x0 = Math.min(x0, px[i]);
          x1 = Math.max(x1, px[i]);
          y0 = Math.min(y0, py[i]);
          y1 = Math.max(y1, py[i]);
        }
      }
      // a cell can be nearest somewhere in the block only if its least power distance to the
      // block's box is below the least of the cells' greatest ones
      let upper = Infinity;
      for (let k = 0; k < m; k++) {
        const dx = Math.max(Math.abs(sx[k] - x0), Math.abs(sx[k] - x1));
        const dy = Math.max(Math.abs(sy[k] - y0), Math.abs(sy[k] - y1));
        upper = Math.min(upper, dx * dx + dy * dy - sw[k]);
      }
      candidates.length = 0;
      for (let k = 0; k < m; k++) {
        const dx = Math.max(0, x0 - sx[k], sx[k] - x1);
        const dy = Math.max(0, y0 - sy[k], sy[k] - y1);
        if (dx * dx + dy * dy - sw[k] <= upper) candidates.push(k);
      }
      for (let y = by; y < yEnd; y++) {
        for (let x = bx; x < xEnd; x++) {
          const i = y * width + x;
          const qx = px[i];
          const qy = py[i];
          let best = Infinity;
          let a = 0;
          for (const k of candidates) {
            const d = (qx - sx[k]) ** 2 + (qy - sy[k]) ** 2 - sw[k];
            if (d < best) {
              best = d;
              a = k;
            }
          }
          let near = Infinity;
          let b = 0;
          const row = a * m;
          for (const k of neighbours[a]) {
            const d = ((qx - sx[k]) ** 2 + (qy - sy[k]) ** 2 - sw[k] - best) * inv2[row + k];
            if (d < near) {
              near = d;
              b = k;
            }
          }
          cellOf[i] = a;
          otherOf[i] = b;
          dist[i] = near;
          const hw = clamp(edgeWidth[row + b] * (1 + 0.3 * widthGain[i]), 1, 6) / 2;
          halfWidth[i] = hw;
          if (near < hw) gt[i] = MEMBRANE;
        }
      }
    }
  }
  const cellsInside = new Set(cellOf).size;

  // Cytoplasm: a level per image and per cell, grainy texture; membranes darken it.
  const grain = smoothField(width, height, 2.5, rnd);
  const mottle = smoothField(width, height, 12, rnd);
  const level = 150 + rnd() * 40;
  const cellLevel = Float32Array.from({ length: m }, () => 7 * normal());
  const grainAmp = 6 + rnd() * 8;
  const img = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const e = cellOf[i] * m + otherOf[i];
    const cover = clamp(halfWidth[i] - dist[i] + 0.5, 0, 1);
    const base = level + cellLevel[cellOf[i]] + grainAmp * grain[i] + 6 * mottle[i] + 4 * normal();
    img[i] = base * (1 - edgeDark[e] * cover);
  }

  // Distractors inside the cells, clear of membranes: vesicles (filled or rings), mitochondria.
  const clearance = (i: number) => dist[i] - halfWidth[i];
  const place = (room: number) => {
    for (let t = 0; t < 20; t++) {
      const i = Math.floor(rnd() * n);
      if (clearance(i) >= room) return i;
    }
    return -1;
  };
  const stamp = (cx: number, cy: number, reach: number, darkness: (x: number, y: number) => number) => {
    for (let y = Math.max(0, Math.floor(cy - reach)); y <= Math.min(height - 1, Math.ceil(cy + reach)); y++)
      for (let x = Math.max(0, Math.floor(cx - reach)); x <= Math.min(width - 1, Math.ceil(cx + reach)); x++)
        img[y * width + x] *= 1 - darkness(x - cx, y - cy);
  };
  const vesicles = Math.round(cellsInside * (0.8 + rnd() * 1.2));
  for (let v = 0; v < vesicles; v++) {
    const ring = rnd() < 0.5;
    const r = ring ? 3 + rnd() * 5 : 1.5 + rnd() * 3;
    const i = place(r + 3);
    if (i < 0) continue;
    const dark = 0.3 + rnd() * 0.25;
    const rim = 0.5 + rnd() * 0.5;
    stamp(i % width, Math.floor(i / width), r + 2, (dx, dy) => {
      const d = Math.hypot(dx, dy);
      return ring ? dark * clamp(rim - Math.abs(d - r) + 0.5, 0, 1) : dark * clamp(r - d + 0.5, 0, 1);
    });
  }
  const mitochondria = Math.round(cellsInside * (0.1 + rnd() * 0.25));
  for (let v = 0; v < mitochondria; v++) {
    const ra = 6 + rnd() * 10;
    const rb = 3 + rnd() * Math.min(5, ra - 3);
    const i = place(ra + 3);
    if (i < 0) continue;
    const angle = rnd() * Math.PI;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const fill = 0.15 + rnd() * 0.15;
    const rim = rnd() < 0.6 ? 0.35 + rnd() * 0.2 : 0;
    stamp(i % width, Math.floor(i / width), ra + 2, (dx, dy) => {
      const u = (dx * cos + dy * sin) / ra;
      const w = (-dx * sin + dy * cos) / rb;
      const edge = (Math.hypot(u, w) - 1) * rb; // about the distance to the outline, in px
      return Math.max(fill * clamp(0.5 - edge, 0, 1), rim * clamp(1 - Math.abs(edge), 0, 1));
    });
  }

  // Optics and detector: blur, uneven illumination, shot-like and read noise.
  blur(img, width, height, 0.5 + rnd() * 0.7);
  const gainField = smoothField(width, height, 0.7 * Math.max(width, height), rnd);
  const tiltX = (rnd() - 0.5) * 0.2;
  const tiltY = (rnd() - 0.5) * 0.2;
  const shot = 0.3 + rnd() * 0.9;
  const read = 3 + rnd() * 5;
  const image = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const gain = 1 + 0.15 * gainField[i] + tiltX * ((i % width) / width - 0.5) + tiltY * (i / n - 0.5);
    const v = img[i] * gain;
    image[i] = clamp(Math.round(v + Math.sqrt(Math.max(v, 0) * shot) * normal() + read * normal()), 0, 255);
  }

  return { width, height, image, gt, scribbles: scribble(), cells: cellsInside };

  function scribble(): Uint8Array {
    const scribbles = new Uint8Array(n).fill(UNLABELED);
    const labeledTarget = (0.033 + rnd() * 0.012) * n;
    const membraneTarget = labeledTarget * (0.28 + rnd() * 0.09);
    const backgroundTarget = labeledTarget - membraneTarget;

    // Membrane: stretches of boundaries, parametrized along the boundary (t, in warped
    // coordinates), short of the junctions, 1 px or (on wider membranes) 2 px wide.
    const onEdge = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      if (dist[i] >= 1 || gt[i] !== MEMBRANE) continue;
      const a = cellOf[i];
      const b = otherOf[i];
      const key = a < b ? a * m + b : b * m + a;
      let list = onEdge.get(key);
      if (!list) onEdge.set(key, (list = []));
      list.push(i);
    }
    const edges = [...onEdge.keys()];
    shuffle(edges);
    let membranePixels = 0;
    for (const key of edges) {
      if (membranePixels >= membraneTarget) break;
      const a = Math.floor(key / m);
      const b = key % m;
      const len = Math.hypot(sx[b] - sx[a], sy[b] - sy[a]);
      const tx = -(sy[b] - sy[a]) / len;
      const ty = (sx[b] - sx[a]) / len;
      const pixels = onEdge.get(key)!;
      const t = pixels.map((i) => px[i] * tx + py[i] * ty);
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < pixels.length; k++) {
        if (dist[pixels[k]] >= 0.5) continue;
        lo = Math.min(lo, t[k]);
        hi = Math.max(hi, t[k]);
      }
      const room = hi - lo - 2 * 6; // clear of the junction blobs
      if (!(room >= 12)) continue;
      const length = room * (0.5 + rnd() * 0.5);
      const from = lo + 6 + rnd() * (room - length);
      const half = edgeWidth[key] >= 2.5 && rnd() < 0.6 ? 1 : 0.5;
      for (let k = 0; k < pixels.length; k++) {
        const i = pixels[k];
        if (t[k] < from || t[k] > from + length || dist[i] >= half || scribbles[i] !== UNLABELED) continue;
        scribbles[i] = MEMBRANE;
        membranePixels++;
      }
    }

    // Background: 3 px lines and arcs around each cell's innermost point, kept 3 px from
    // membranes and inside that cell; more passes over the cells until the budget is spent.
    const pole = new Int32Array(m).fill(-1);
    for (let i = 0; i < n; i++) {
      const a = cellOf[i];
      if (pole[a] < 0 || dist[i] > dist[pole[a]]) pole[a] = i;
    }
    const cells = [...Array(m).keys()].filter((a) => pole[a] >= 0 && dist[pole[a]] >= 10);
    let backgroundPixels = 0;
    for (let pass = 0; pass < 4 && backgroundPixels < backgroundTarget; pass++) {
      shuffle(cells);
      for (const a of cells) {
        if (backgroundPixels >= backgroundTarget) break;
        const inner = dist[pole[a]];
        const cx = (pole[a] % width) + (rnd() - 0.5) * 0.2 * inner;
        const cy = Math.floor(pole[a] / width) + (rnd() - 0.5) * 0.2 * inner;
        const points: [number, number][] = [];
        if (rnd() < 0.6) {
          const angle = rnd() * Math.PI;
          const half = (0.35 + rnd() * 0.35) * inner;
          for (let s = -half; s <= half; s += 1.5)
            points.push([cx + s * Math.cos(angle), cy + s * Math.sin(angle)]);
        } else {
          const radius = (0.3 + rnd() * 0.3) * inner;
          const start = rnd() * 2 * Math.PI;
          const span = ((90 + rnd() * 110) * Math.PI) / 180;
          for (let s = 0; s <= span * radius; s += 1.5)
            points.push([
              cx + radius * Math.cos(start + s / radius),
              cy + radius * Math.sin(start + s / radius),
            ]);
        }
        const xs = points.map((p) => p[0]);
        const ys = points.map((p) => p[1]);
        const x0 = Math.max(0, Math.floor(Math.min(...xs) - 2));
        const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs) + 2));
        const y0 = Math.max(0, Math.floor(Math.min(...ys) - 2));
        const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys) + 2));
        for (let y = y0; y <= y1; y++) {
          for (let x = x0; x <= x1; x++) {
            const i = y * width + x;
            if (scribbles[i] !== UNLABELED || gt[i] !== BACKGROUND || cellOf[i] !== a || clearance(i) < 3)
              continue;
            if (!points.some(([qx, qy]) => (qx - x) ** 2 + (qy - y) ** 2 < 1.5 ** 2)) continue;
            scribbles[i] = BACKGROUND;
            backgroundPixels++;
          }
        }
      }
    }
    return scribbles;
  }

  function shuffle<T>(items: T[]): void {
    for (let k = items.length - 1; k > 0; k--) {
      const j = Math.floor(rnd() * (k + 1));
      [items[k], items[j]] = [items[j], items[k]];
    }
  }
}

export interface MembraneDatasetOptions {
  out: string;
  train?: number;
  val?: number;
  seed?: number;
}

/** Frame i of a split: its seed mixes (seed, split, i), so counts don't change earlier frames. */
const frameSeed = (seed: number, split: "train" | "val", i: number) =>
  (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i + (split === "train" ? 1 : 1 << 20), 0x85ebca6b)) >>> 0;

const png = (data: Uint8Array, width: number, height: number, channels: 1 | 3) =>
  encode({ width, height, data, depth: 8, channels });

/** Writes the dataset under `out`; returns its frames' statistics. */
export function writeMembraneDataset(options: MembraneDatasetOptions) {
  const root = path.resolve(options.out);
  const seed = options.seed ?? 5;
  const frames: { split: "train" | "val"; name: string; width: number; height: number; cells: number }[] = [];
  let pixels = 0;
  let membrane = 0;
  let labeled = 0;
  let labeledMembrane = 0;
  for (const [split, count] of [
    ["train", options.train ?? 20],
    ["val", options.val ?? 8],
  ] as const) {
    const dirs = split === "train" ? ["images", "gt", "scribbles"] : ["images", "gt"];
    for (const d of dirs) fs.mkdirSync(path.join(root, split, d), { recursive: true });
    for (let i = 0; i < count; i++) {
      const [width, height] = SIZES[i % SIZES.length];
      const f = membraneFrame(width, height, frameSeed(seed, split, i));
      const name = `membrane_${split}_${i}.png`;
      const rgb = i % 4 === 3;
      const image = rgb
        ? Uint8Array.from({ length: f.image.length * 3 }, (_, k) => f.image[(k / 3) | 0])
        : f.image;
      fs.writeFileSync(path.join(root, split, "images", name), png(image, width, height, rgb ? 3 : 1));
      fs.writeFileSync(path.join(root, split, "gt", name), png(f.gt, width, height, 1));
      pixels += f.gt.length;
      for (const v of f.gt) membrane += v;
      if (split === "train") {
        fs.writeFileSync(path.join(root, split, "scribbles", name), png(f.scribbles, width, height, 1));
        for (const v of f.scribbles) {
          if (v === UNLABELED) continue;
          labeled++;
          labeledMembrane += v;
        }
      }
      frames.push({ split, name, width, height, cells: f.cells });
    }
  }
  fs.writeFileSync(
    path.join(root, "classes.json"),
    JSON.stringify(
      {
        void: 2,
        classes: [
          { index: 0, name: "background", color: "#202020" },
          { index: 1, name: "membrane", color: "#f0c020" },
        ],
      },
      null,
      2,
    ) + "\n",
  );
  const trainPixels = frames.filter((f) => f.split === "train").reduce((a, f) => a + f.width * f.height, 0);
  return {
    root,
    frames,
    membraneShareOfGt: membrane / pixels,
    labeledShare: labeled / Math.max(1, trainPixels),
    membraneShareOfLabels: labeledMembrane / Math.max(1, labeled),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: {
      out: { type: "string" },
      train: { type: "string", default: "20" },
      val: { type: "string", default: "8" },
      seed: { type: "string", default: "5" },
    },
  });
  if (!args.out) throw new Error("--out DIR is required");
  const r = writeMembraneDataset({
    out: args.out,
    train: Number(args.train),
    val: Number(args.val),
    seed: Number(args.seed),
  });
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log(
    `wrote ${args.train} train and ${args.val} val frames to ${r.root}: membrane ${pct(r.membraneShareOfGt)} of gt pixels; scribbles on ${pct(r.labeledShare)} of train pixels, ${pct(r.membraneShareOfLabels)} of them membrane`,
  );
}
