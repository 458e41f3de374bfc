/**
 * Typical regions: with few labels, ask first about the kinds of image parts that are common and
 * that no label covers yet (TypiClust-style selection, Hacohen et al. 2022, "Active learning on a
 * budget": at low budgets, typical examples beat uncertain ones), on the network's embedding grid.
 *
 * Every grid cell of every image is a candidate, described by its mean pixel embedding. k-means
 * with k = (cells that hold labels) + (regions to ask for) clusters them; clusters with no labeled
 * cell come first, largest first. From each, the queue asks about its most typical cell (densest:
 * closest on average to its nearest cluster neighbours) weighted by how unsure the model is there,
 * so a cluster is asked about where it is typical and the model still errs. The queue holds at
 * most n images, each with up to perImage regions (windows centred on the picked cells).
 */
import { UNLABELED } from "../common/mask.ts";
import { seededRandom, type Random } from "../ml/engine/random.ts";
import type { EmbeddingGrid } from "../store/embedding-blobs.ts";
import { distance, iou, windowSide } from "./scoring.ts";
import type { RegionScore } from "../common/queue-types.ts";

export interface GridImage {
  width: number;
  height: number;
  grid: EmbeddingGrid;
  /** normalized entropy 0..255 per pixel */
  entropy: Uint8Array;
  /** current labels (UNLABELED where none) */
  labels: Uint8Array;
}

export interface TypicalOptions {
  /** images in the queue */
  n: number;
  perImage: number;
  /** region window side as a fraction of the image's shorter side (default 0.2) */
  windowFraction?: number;
  seed?: number;
  /** at most this many cells are clustered (a seeded sample of big projects) */
  maxCells?: number;
  /** at most this many clusters */
  maxClusters?: number;
}

export interface TypicalPick {
  /** index into the images passed in */
  image: number;
  regions: RegionScore[];
}

/** A cell counts as labeled (its cluster is covered) from this fraction of labeled pixels. */
const COVERED_FRACTION = 0.02;
/** Cells mostly labeled already are not asked about again. */
const MOSTLY_LABELED = 0.5;
/** Neighbours for typicality (TypiClust uses 20). */
const TYPICALITY_NEIGHBOURS = 20;
/** Regions of one image overlap at most this much (IoU). */
const MAX_OVERLAP = 0.25;

interface Cell {
  image: number;
  col: number;
  row: number;
  vec: Float32Array;
  labeledFraction: number;
  /** mean normalized entropy over the cell's unlabeled pixels, 0..1 */
  uncertainty: number;
}

export function typicalRegions(images: readonly GridImage[], opts: TypicalOptions): TypicalPick[] {
  const rand = seededRandom(opts.seed ?? 1);
  let cells = images.flatMap((im, i) => gridCells(im, i));
  const maxCells = opts.maxCells ?? 20_000;
  if (cells.length > maxCells) cells = sample(cells, maxCells, rand);
  if (cells.length === 0) return [];
  const asks = opts.n * opts.perImage;
  const coveredCells = cells.filter((c) => c.labeledFraction >= COVERED_FRACTION).length;
  const k = Math.max(1, Math.min(cells.length, coveredCells + asks, opts.maxClusters ?? 400));
  const assign = kMeans(
    cells.map((c) => c.vec),
    k,
    rand,
  );
  const clusters = Array.from({ length: k }, () => ({ members: [] as number[], covered: 0 }));
  cells.forEach((c, i) => {
    clusters[assign[i]].members.push(i);
    if (c.labeledFraction >= COVERED_FRACTION) clusters[assign[i]].covered++;
  });
  const value = new Float64Array(cells.length);
  for (const cl of clusters) {
    const typ = typicality(
      cl.members.map((i) => cells[i].vec),
      TYPICALITY_NEIGHBOURS,
    );
    cl.members.forEach((i, j) => (value[i] = typ[j] * (0.05 + cells[i].uncertainty)));
  }
  // Uncovered clusters first, largest first; then covered ones by size per labeled cell.
  const order = clusters
    .filter((cl) => cl.members.length > 0)
    .sort((a, b) =>
      (a.covered === 0) !== (b.covered === 0)
        ? a.covered === 0
          ? -1
          : 1
        : b.members.length / (1 + b.covered) - a.members.length / (1 + a.covered),
    );

  const picks = new Map<number, RegionScore[]>();
  const full = () => picks.size >= opts.n && [...picks.values()].every((r) => r.length >= opts.perImage);
  /** Adds the cell's window if its image may take it; returns whether it did. */
  const tryAdd = (i: number): boolean => {
    const c = cells[i];
    if (c.labeledFraction >= MOSTLY_LABELED) return false;
    const have = picks.get(c.image);
    if (!have && picks.size >= opts.n) return false;
    if (have && have.length >= opts.perImage) return false;
    const box = windowAt(images[c.image], c, opts.windowFraction);
    if (have?.some((r) => iou(r, box) > MAX_OVERLAP)) return false;
    const regions = have ?? [];
    regions.push({ id: regions.length + 1, ...box, score: +c.uncertainty.toFixed(4) });
    picks.set(c.image, regions);
    return true;
  };
  for (const cl of order) {
    if (full()) break;
    const ranked = [...cl.members].sort((a, b) => value[b] - value[a]);
    for (const i of ranked) if (tryAdd(i)) break;
  }
  // Clusters ran out before the queue's images had all their regions: their best remaining cells.
  if (!full()) {
    const rest = cells.map((_, i) => i).sort((a, b) => value[b] - value[a]);
    for (const i of rest) {
      if (full()) break;
      if (picks.has(cells[i].image)) tryAdd(i);
    }
  }
  return [...picks.entries()].map(([image, regions]) => ({ image, regions }));
}

function gridCells(im: GridImage, image: number): Cell[] {
  const { cols, rows, cell, dim, values } = im.grid;
  const out: Cell[] = [];
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const vec = values.subarray((row * cols + col) * dim, (row * cols + col + 1) * dim);
      if (!vec.some((v) => v !== 0)) continue;
      let labeled = 0;
      let n = 0;
      let ent = 0;
      const y1 = Math.min(im.height, (row + 1) * cell);
      const x1 = Math.min(im.width, (col + 1) * cell);
      for (let y = row * cell; y < y1; y++) {
        for (let x = col * cell; x < x1; x++) {
          const i = y * im.width + x;
          n++;
          if (im.labels[i] !== UNLABELED) labeled++;
          else ent += im.entropy[i];
        }
      }
      if (n === 0) continue;
      const unlabeled = n - labeled;
      out.push({
        image,
        col,
        row,
        vec,
        labeledFraction: labeled / n,
        uncertainty: unlabeled ? ent / unlabeled / 255 : 0,
      });
    }
  }
  return out;
}

/** A region window (windowSide), centred on the cell, inside the image. */
function windowAt(im: GridImage, c: Cell, fraction: number | undefined) {
  const side = windowSide(im.width, im.height, fraction);
  const width = Math.min(side, im.width);
  const height = Math.min(side, im.height);
  const cx = Math.min(im.width, (c.col + 0.5) * im.grid.cell);
  const cy = Math.min(im.height, (c.row + 0.5) * im.grid.cell);
  const x = Math.max(0, Math.min(im.width - width, Math.round(cx - width / 2)));
  const y = Math.max(0, Math.min(im.height - height, Math.round(cy - height / 2)));
  return { x, y, width, height };
}

function sqDist(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += (a[d] - b[d]) ** 2;
  return s;
}

/**
 * k-means (k-means++ seeding, Lloyd iterations until no point moves or 30 rounds); returns each
 * point's cluster. Deterministic for a given random source.
 */
export function kMeans(points: readonly Float32Array[], k: number, rand: Random): Int32Array {
  const n = points.length;
  const dim = points[0]?.length ?? 0;
  const centers: Float32Array[] = [Float32Array.from(points[Math.floor(rand() * n)])];
  const best = new Float64Array(n).fill(Infinity);
  while (centers.length < k) {
    let total = 0;
    const last = centers[centers.length - 1];
    for (let i = 0; i < n; i++) {
      best[i] = Math.min(best[i], sqDist(points[i], last));
      total += best[i];
    }
    if (total === 0) break; // fewer distinct points than k
    let r = rand() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= best[i];
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    centers.push(Float32Array.from(points[pick]));
  }
  const assign = new Int32Array(n).fill(-1);
  for (let iter = 0; iter < 30; iter++) {
    let moved = 0;
    for (let i = 0; i < n; i++) {
      let bi = 0;
      let bd = Infinity;
      for (let c = 0; c < centers.length; c++) {
        const d = sqDist(points[i], centers[c]);
        if (d < bd) [bd, bi] = [d, c];
      }
      if (assign[i] !== bi) {
        assign[i] = bi;
        moved++;
      }
    }
    if (moved === 0) break;
    const sums = centers.map(() => new Float64Array(dim));
    const counts = new Int32Array(centers.length);
    for (let i = 0; i < n; i++) {
      counts[assign[i]]++;
      const s = sums[assign[i]];
      for (let d = 0; d < dim; d++) s[d] += points[i][d];
    }
    centers.forEach((c, j) => {
      if (counts[j] === 0) return; // an empty cluster keeps its centre
      for (let d = 0; d < dim; d++) c[d] = sums[j][d] / counts[j];
    });
  }
  return assign;
}

/**
 * Typicality of each point within its group: 1 / (mean distance to its `neighbours` nearest
 * others). A lone point has typicality 0 (nothing says it is typical of anything).
 */
export function typicality(points: readonly Float32Array[], neighbours: number): number[] {
  const m = Math.min(neighbours, points.length - 1);
  if (m <= 0) return points.map(() => 0);
  return points.map((p, i) => {
    const d = points.filter((_, j) => j !== i).map((q) => distance(p, q));
    d.sort((a, b) => a - b);
    let s = 0;
    for (let j = 0; j < m; j++) s += d[j];
    return 1 / (s / m + 1e-6);
  });
}

function sample<T>(a: readonly T[], count: number, rand: Random): T[] {
  const out = [...a];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (out.length - i));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out.slice(0, count);
}
