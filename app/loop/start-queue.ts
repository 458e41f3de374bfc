/**
 * The start queue: which images to label first, before any model exists (a project bootstrapped
 * from almost no labels). There is no uncertainty yet, so the queue is about coverage: varied
 * images, each unlike the ones picked before it and unlike those already labeled, but typical of
 * the project rather than one-off outliers (a black frame, a lens cap).
 *
 * Each image is described by its stored thumbnail shrunk to 8x8 RGB (layout and colour: frames of
 * one scene land close together); picking is farthest-first over those descriptors, each
 * candidate's distance to its nearest covered image weighted by how typical it is
 * (representativeness, as the uncertainty queue uses). Stored in `suggestions` with no model and
 * strategy "start"; the first trained model's queue takes over from it.
 */
import sharp from "sharp";
import type { ProjectStore } from "../store/project-store.ts";
import { thumbnailFor } from "../images/thumbnails.ts";
import { distance, representativeness } from "./scoring.ts";
import type { SuggestionItem } from "./suggest.ts";

export const START_STRATEGY = "start";

/** An image with less than this share of its pixels labeled is still worth asking for. */
const LIGHTLY_LABELED = 0.25;

/** At most this many images are described (evenly spaced), so a huge project picks in seconds. */
const MAX_DESCRIBED = 3000;

/** 8x8 RGB of the thumbnail, values 0..1: 192 numbers. */
export async function thumbnailDescriptor(webp: Buffer): Promise<Float32Array> {
  const { data, info } = await sharp(webp)
    .resize(8, 8, { fit: "fill" })
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Float32Array(8 * 8 * 3);
  for (let i = 0; i < 64; i++)
    for (let c = 0; c < 3; c++)
      out[i * 3 + c] = data[i * info.channels + Math.min(c, info.channels - 1)] / 255;
  return out;
}

/**
 * Picks up to `n` of the candidates, farthest-first from the covered descriptors (none: the most
 * typical candidate goes first), each step's value = distance to the nearest covered or picked one
 * x typicality. Returns candidate indices in pick order with their values.
 */
export function farthestFirst(
  candidates: readonly Float32Array[],
  covered: readonly Float32Array[],
  n: number,
): { index: number; value: number }[] {
  const typical = representativeness([...candidates, ...covered]).slice(0, candidates.length);
  const nearest = candidates.map((d) =>
    covered.length ? Math.min(...covered.map((c) => distance(d, c))) : Infinity,
  );
  const picked: { index: number; value: number }[] = [];
  const taken = new Set<number>();
  while (picked.length < Math.min(n, candidates.length)) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      if (taken.has(i)) continue;
      // Nothing covered yet: the most typical image first.
      const value = Number.isFinite(nearest[i]) ? nearest[i] * typical[i] : typical[i];
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    taken.add(best);
    picked.push({ index: best, value: bestValue });
    for (let i = 0; i < candidates.length; i++)
      if (!taken.has(i)) nearest[i] = Math.min(nearest[i], distance(candidates[i], candidates[best]));
  }
  return picked;
}

/**
 * Picks and stores the start queue: `n` unlabeled train images; when there are fewer (every
 * image has a few strokes or imported labels), the least labeled of those under a quarter
 * labeled follow, so the queue is not empty while the images are far from labeled.
 */
export async function pickStartQueue(store: ProjectStore, n: number): Promise<SuggestionItem[]> {
  const rows = store.images.trainLabels();
  const step = Math.max(1, rows.length / MAX_DESCRIBED);
  const sample: typeof rows = [];
  for (let k = 0; k < rows.length; k += step) sample.push(rows[Math.floor(k)]);
  const described: { row: (typeof rows)[number]; d: Float32Array }[] = [];
  for (const row of sample) {
    const t = await thumbnailFor(store, row.id);
    if (!t.ok) continue;
    try {
      described.push({ row, d: await thumbnailDescriptor(t.thumbnail.webp) });
    } catch {
      // A damaged thumbnail: the image is left out of the start queue, nothing else.
    }
  }
  const open = described.filter((x) => x.row.labeled === 0);
  const picks = farthestFirst(
    open.map((x) => x.d),
    described.filter((x) => x.row.labeled > 0).map((x) => x.d),
    n,
  );
  const items: SuggestionItem[] = picks.map((p, k) => ({
    imageId: open[p.index].row.id,
    image: open[p.index].row.name,
    rank: k + 1,
    score: p.value,
    regions: [],
  }));
  const share = (row: (typeof rows)[number]) => row.labeled / Math.max(1, row.total);
  const light = described
    .filter((x) => x.row.labeled > 0 && share(x.row) < LIGHTLY_LABELED)
    .sort((a, b) => share(a.row) - share(b.row))
    .slice(0, Math.max(0, n - items.length));
  for (const x of light)
    items.push({ imageId: x.row.id, image: x.row.name, rank: items.length + 1, score: 0, regions: [] });
  saveStartQueue(store, items);
  return items;
}

/** meta key: the newest image id when the start queue was picked (later imports make it stale). */
const PICKED_UP_TO = "start_queue_last_image";

function saveStartQueue(store: ProjectStore, items: SuggestionItem[]): void {
  store.transaction(() => {
    store.setMeta(PICKED_UP_TO, String(store.images.lastId() ?? 0));
    store.queue.replace(null, START_STRATEGY, items);
  });
}

/**
 * Whether the start queue must be picked (again): the project has images but no predictions, and
 * either no start queue was picked or images were imported since.
 */
export function startQueueStale(store: ProjectStore): boolean {
  const last = store.images.lastId();
  if (store.predictions.count() > 0 || last === null) return false;
  const picked = store.getMeta(PICKED_UP_TO);
  return picked === undefined || last > Number(picked);
}
