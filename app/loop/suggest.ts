/**
 * The suggestion queue: which images to label next, and where in them.
 *
 * `uncertainty`: a pool of the 3n most valuable images, then a greedy pick that trades value
 * against diversity (k-center style on layout descriptors: value x (0.5 + 0.5 x distance to the
 * nearest already-picked image / largest such distance)), so ten near-identical frames don't fill
 * the queue. An image's value is its uncertainty (imageUncertainty over unlabeled pixels); with
 * coverage (default) it is uncertainty x representativeness (how typical the image is of the
 * project: information density), and images that already have labels count as picked before
 * the greedy pick starts (core-set style), so the queue goes where the labels don't reach yet.
 * With `embeddings`, distances are between the network's image embeddings instead of layout
 * descriptors. With `spreadClasses`, the queue's regions are picked together (spreadRegions).
 * With `typical`, images and regions come from typicalRegions (typical.ts): the most typical parts
 * of the kinds of image parts no label covers yet, on the network's embedding grid.
 * With `randomRegions`, the images are the uncertainty strategy's and their regions are placed at
 * random (seeded) instead of on the most unsure windows.
 * `random`: a seeded random choice with randomly placed regions, for comparison.
 */
import type { ProjectStore } from "../store/project-store.ts";
import { seededRandom } from "../ml/engine/random.ts";
import { UserError } from "../store/errors.ts";
import {
  readStoredPrediction,
  latestPredictionModelId,
  uncertaintyLayer,
  type StoredPrediction,
} from "./prediction-data.ts";
import type { UncertaintyMeasure } from "../common/queue-types.ts";

export type { UncertaintyMeasure };
import {
  distance,
  imageUncertainty,
  layoutDescriptor,
  rarityWeights,
  representativeness,
  regionCandidates,
  regionScores,
  spreadRegions,
  windowSide,
  type ScoreInput,
} from "./scoring.ts";
import type { RegionScore } from "../common/queue-types.ts";
import { typicalRegions } from "./typical.ts";
import type { EmbeddingGrid } from "../store/embedding-blobs.ts";

export type Strategy = "uncertainty" | "random";

/** Class-balanced uncertainty is off by default: it did not beat random in bench:loop (bench/results/loop.md). */
export const DEFAULT_CLASS_BALANCE = false;
/** Coverage (representativeness, labeled images as centers) is on: it beat no coverage in bench:loop (bench/results/loop.md). */
export const DEFAULT_COVERAGE = true;
/** Layout descriptors, not network embeddings, measure image distance until bench:loop says otherwise. */
export const DEFAULT_EMBEDDINGS = false;
/** Class spread is off until bench:loop shows it beats random (bench/results/loop.md, batch 8). */
export const DEFAULT_SPREAD_CLASSES = false;
/** Typical regions are off until bench:loop shows they beat random (bench/results/loop.md, batch 9). */
export const DEFAULT_TYPICAL = false;
/** Scored regions by default: random ones led random by +0.028 over six seeds (p = 0.22) and did not replicate on six more (-0.002; bench/results/loop.md, batches 10-11). */
export const DEFAULT_RANDOM_REGIONS = false;

export interface SuggestionItem {
  imageId: number;
  image: string;
  rank: number;
  score: number;
  regions: RegionScore[];
}

export interface SuggestOptions {
  n?: number;
  strategy?: Strategy;
  /** random draws of the random strategy and random regions; default: the model id, so each round draws anew */
  seed?: number;
  modelId?: number;
  /** region window as a fraction of the shorter side */
  windowFraction?: number;
  regionsPerImage?: number;
  /**
   * Weight each pixel's uncertainty by how rare its predicted class is among the labels so far
   * (rarityWeights), so rare classes get asked about (uncertainty strategy only).
   */
  classBalance?: boolean;
  /**
   * Value = uncertainty x representativeness, and images with labels count as already picked in
   * the diversity step (uncertainty strategy only; default DEFAULT_COVERAGE).
   */
  coverage?: boolean;
  /** an image's regions show different class mixes (see regionScores) */
  regionDiverse?: boolean;
  /**
   * Pick the whole queue's regions at once so they spread over predicted classes (spreadRegions;
   * uncertainty strategy only, default DEFAULT_SPREAD_CLASSES); overrides regionDiverse.
   */
  spreadClasses?: boolean;
  /**
   * Image distances (diversity, representativeness, coverage) between the network's image
   * embeddings stored with the predictions instead of layout descriptors; falls back to layout
   * descriptors when any image's prediction has none (made before format 4). Uncertainty only.
   */
  embeddings?: boolean;
  /**
   * Images and regions from typicalRegions on the embedding grids stored with the predictions
   * (uncertainty strategy only, default DEFAULT_TYPICAL); falls back to the other options when
   * any image's prediction has no grid (made before format 5).
   */
  typical?: boolean;
  /**
   * The uncertainty strategy picks the images; their regions are placed at random (seeded by
   * `seed`), spread over the image rather than on its most unsure windows (default
   * DEFAULT_RANDOM_REGIONS). Overrides regionDiverse and spreadClasses; typical regions win over it.
   */
  randomRegions?: boolean;
  /**
   * The pixel uncertainty images and regions are scored by: "entropy" (default: normalized
   * entropy) or "margin" (1 - (top-1 minus top-2 probability)). Margin needs predictions made
   * with project format 8 or later.
   */
  measure?: UncertaintyMeasure;
  /** store the queue in the project (default true) */
  save?: boolean;
}

/** A stored prediction's pixel uncertainty (0..255) by `measure`; refused without a stored margin. */
export function pixelUncertainty(
  store: ProjectStore,
  imageId: number,
  p: StoredPrediction,
  measure: UncertaintyMeasure,
): Uint8Array {
  const u = uncertaintyLayer(p, measure);
  if (!u)
    throw new UserError(
      `${store.file}: ${store.requireImage(imageId).name} was predicted before margins were stored; predict again (pixelloop predict) to score by margin`,
    );
  return u;
}

/** How many images the app's queue suggests after each training. */
export const APP_QUEUE_LENGTH = 30;

export function computeSuggestions(store: ProjectStore, opts: SuggestOptions = {}): SuggestionItem[] {
  const n = opts.n ?? 10;
  const strategy = opts.strategy ?? "uncertainty";
  const modelId = opts.modelId ?? latestPredictionModelId(store);
  if (modelId === null)
    throw new UserError(`${store.file}: no predictions yet; run pixelloop train and pixelloop predict first`);
  const numClasses = store.classes().length;
  const rows = store.images.trainLabels();
  // An image labeled everywhere has nothing left to ask: never suggested (its labels still count).
  const ids = rows.filter((r) => r.labeled < r.total).map((r) => r.id);
  const hasLabels = new Set(rows.filter((r) => r.labeled > 0).map((r) => r.id));
  const rand = seededRandom(opts.seed ?? modelId); // each model (round) a new random draw
  const perImage = opts.regionsPerImage ?? 3;
  const typicalWanted = strategy === "uncertainty" && (opts.typical ?? DEFAULT_TYPICAL);
  /** labeled pixels per class over the train images (one mask in memory at a time) */
  const labelCounts = (): number[] => {
    const counts = new Array<number>(numClasses).fill(0);
    for (const id of hasLabels) for (const v of store.mask(id).classes) if (v < numClasses) counts[v]++;
    return counts;
  };
  let classWeights: number[] | undefined;
  if (strategy === "uncertainty" && (opts.classBalance ?? DEFAULT_CLASS_BALANCE))
    classWeights = rarityWeights(labelCounts());
  /** An image's prediction and labels at full size (megabytes): made when needed, not kept. */
  const inputFrom = (id: number, p: StoredPrediction): ScoreInput => ({
    width: p.width,
    height: p.height,
    classes: p.classes,
    entropy: pixelUncertainty(store, id, p, opts.measure ?? "entropy"),
    labels: store.mask(id).classes,
    classWeights,
  });
  // One pass keeps per image only what the pick needs (score, descriptor, embeddings), so memory
  // does not grow with the project. Typical regions still need every image's layers at once.
  const scored: {
    id: number;
    name: string;
    score: number;
    descriptor: Float32Array;
    input: ScoreInput | null;
    embedding: Float32Array | null;
    grid: EmbeddingGrid | null;
  }[] = [];
  for (const id of ids) {
    const p = readStoredPrediction(store, id, modelId);
    if (!p) continue;
    const input = inputFrom(id, p);
    scored.push({
      id,
      name: store.requireImage(id).name,
      score: imageUncertainty(input),
      descriptor: strategy === "uncertainty" ? layoutDescriptor(input, numClasses) : new Float32Array(0),
      input: typicalWanted ? input : null,
      embedding: p.embedding,
      grid: p.embeddingGrid,
    });
  }
  const inputOf = (s: (typeof scored)[number]): ScoreInput =>
    s.input ?? inputFrom(s.id, readStoredPrediction(store, s.id, modelId) as StoredPrediction);
  let picked: typeof scored;
  let typicalPicks: RegionScore[][] | null = null;
  if (strategy === "random") {
    picked = shuffle(scored, rand).slice(0, n);
  } else if (typicalWanted && scored.length > 0 && scored.every((s) => s.grid)) {
    const typical = typicalRegions(
      scored.map((s) => ({ ...inputOf(s), grid: s.grid as EmbeddingGrid })),
      { n, perImage, windowFraction: opts.windowFraction, seed: opts.seed },
    );
    picked = typical.map((t) => scored[t.image]);
    typicalPicks = typical.map((t) => t.regions);
  } else {
    const coverage = opts.coverage ?? DEFAULT_COVERAGE;
    const useEmbeddings = (opts.embeddings ?? DEFAULT_EMBEDDINGS) && scored.every((s) => s.embedding);
    const descOf = (s: (typeof scored)[number]): Float32Array =>
      useEmbeddings ? (s.embedding as Float32Array) : s.descriptor;
    const density = coverage ? representativeness(scored.map(descOf)) : null;
    const centers = coverage ? scored.filter((s) => hasLabels.has(s.id)).map(descOf) : [];
    const pool = scored
      .map((s, i) => ({ ...s, value: density ? s.score * density[i] : s.score }))
      .sort((a, b) => b.value - a.value)
      .slice(0, Math.max(n, 3 * n));
    picked = [];
    const minDist = new Map(
      pool.map((s) => [s.id, centers.reduce((m, c) => Math.min(m, distance(descOf(s), c)), Infinity)]),
    );
    while (picked.length < n && picked.length < pool.length) {
      let best: (typeof pool)[number] | null = null;
      let bestValue = -Infinity;
      const finite = [...minDist.values()].filter((v) => Number.isFinite(v));
      const maxD = finite.length ? Math.max(...finite, 1e-9) : 1;
      for (const s of pool) {
        if (picked.includes(s)) continue;
        const d = minDist.get(s.id) as number;
        const v = s.value * (Number.isFinite(d) ? 0.5 + (0.5 * d) / maxD : 1);
        if (v > bestValue) {
          bestValue = v;
          best = s;
        }
      }
      if (!best) break;
      picked.push(best);
      const bd = descOf(best);
      for (const s of pool) minDist.set(s.id, Math.min(minDist.get(s.id) as number, distance(bd, descOf(s))));
    }
  }
  let regionsOf: (s: (typeof picked)[number], i: number) => RegionScore[];
  if (typicalPicks) {
    const regions = typicalPicks;
    regionsOf = (_s, i) => regions[i];
  } else if (strategy === "random" || (opts.randomRegions ?? DEFAULT_RANDOM_REGIONS)) {
    regionsOf = (s) => randomRegions(inputOf(s), perImage, opts.windowFraction, rand);
  } else if (opts.spreadClasses ?? DEFAULT_SPREAD_CLASSES) {
    const counts = labelCounts();
    const total = counts.reduce((a, v) => a + v, 0);
    const spread = spreadRegions(
      picked.map((s) => regionCandidates(inputOf(s), { numClasses, windowFraction: opts.windowFraction })),
      { perImage, numClasses, labeledShare: counts.map((v) => (total ? v / total : 0)) },
    );
    regionsOf = (_s, i) => spread[i];
  } else {
    regionsOf = (s) =>
      regionScores(inputOf(s), {
        numClasses,
        topK: perImage,
        windowFraction: opts.windowFraction,
        diverse: opts.regionDiverse,
      });
  }
  const items: SuggestionItem[] = picked.map((s, i) => ({
    imageId: s.id,
    image: s.name,
    rank: i + 1,
    score: +s.score.toFixed(5),
    regions: regionsOf(s, i),
  }));
  if (opts.save ?? true) saveSuggestions(store, modelId, strategy, items);
  return items;
}

/** Stores a model's queue (replacing its earlier one) and marks its images 'suggested'. */
export function saveSuggestions(
  store: ProjectStore,
  modelId: number,
  strategy: Strategy,
  items: SuggestionItem[],
): void {
  store.queue.replace(modelId, strategy, items);
}

/** Train images with at least one unlabeled pixel: the ones a queue can suggest. */
export function openTrainImages(store: ProjectStore): number {
  return store.images.openTrainCount();
}

/** The stored queue of a model (default: the newest model with a queue of this strategy). */
export function storedSuggestions(
  store: ProjectStore,
  strategy: Strategy = "uncertainty",
  modelId?: number,
): SuggestionItem[] {
  return store.queue.rowsOfModel(strategy, modelId ?? null).map((r) => ({
    imageId: r.image_id,
    image: r.name,
    rank: r.rank,
    score: r.score,
    regions: JSON.parse(r.regions),
  }));
}

function randomRegions(
  s: ScoreInput,
  k: number,
  fraction: number | undefined,
  rand: () => number,
): RegionScore[] {
  const side = windowSide(s.width, s.height, fraction);
  const box = { width: Math.min(side, s.width), height: Math.min(side, s.height) };
  return Array.from({ length: k }, (_, i) => {
    const { x, y } = placeRandomly(box, s.width, s.height, rand);
    return { id: i + 1, x, y, ...box, score: 0 };
  });
}

/** A box of the given size at a seeded random place inside a width x height image. */
export function placeRandomly<T extends { width: number; height: number }>(
  box: T,
  width: number,
  height: number,
  rand: () => number,
): T & { x: number; y: number } {
  const x = Math.floor(rand() * Math.max(1, width - box.width));
  const y = Math.floor(rand() * Math.max(1, height - box.height));
  return { ...box, x, y };
}

function shuffle<T>(a: T[], rand: () => number): T[] {
  const out = [...a];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
