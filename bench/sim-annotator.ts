/**
 * The simulated annotator of bench:loop: what a person does with one suggested region, with the
 * dense ground truth as their eyes. They put a short stroke on every object class they see in
 * the region, along the object (horizontal or vertical, so thin upright things like poles get
 * one too), then more strokes per class, each away from that class's earlier ones, until their
 * pixel allowance is spent or the region has no room left.
 *
 * Each pass gives every class still drawable an equal share of what is left, so a region where
 * five classes meet gets five strokes, not two long ones on whichever classes come first.
 */
import { Source, UNLABELED, type LabelMask } from "../app/common/mask.ts";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A straight 3-px-wide stretch of one class, kept 2 px inside the class's area. */
interface Run {
  vertical: boolean;
  /** row (horizontal) or column (vertical) */
  at: number;
  from: number;
  to: number;
}

const MIN_RUN = 8;
/** Strokes shorter than this are not worth drawing (a person would not bother). */
const MIN_STROKE = 6;

/**
 * Draws 3-px strokes of the true class (gt) inside `region` on `mask` (in place, only where it is
 * still unlabeled), spending at most `allowance` pixels. Returns the number of pixels labeled.
 */
export function scribbleRegion(
  gt: Uint8Array,
  mask: LabelMask,
  width: number,
  height: number,
  region: Box,
  allowance: number,
  numClasses: number,
): number {
  const x0 = Math.max(2, region.x);
  const y0 = Math.max(2, region.y);
  const x1 = Math.min(width - 2, region.x + region.width);
  const y1 = Math.min(height - 2, region.y + region.height);
  const runs: Run[][] = Array.from({ length: numClasses }, () => []);
  const scan = (vertical: boolean) => {
    const [outer0, outer1, inner0, inner1] = vertical ? [x0, x1, y0, y1] : [y0, y1, x0, x1];
    const at = (a: number, b: number) => (vertical ? b * width + a : a * width + b);
    const side = vertical ? 2 : 2 * width; // the neighbour 2 px across the stroke
    for (let a = outer0 + 1; a < outer1 - 1; a++) {
      // the 3-px stroke stays inside the region
      let start = -1;
      let cls = -1;
      for (let b = inner0; b <= inner1; b++) {
        const i = b < inner1 ? at(a, b) : -1;
        const c =
          i >= 0 && gt[i] < numClasses && gt[i - side] === gt[i] && gt[i + side] === gt[i] ? gt[i] : -1;
        if (c === cls) continue;
        if (cls >= 0 && b - start >= MIN_RUN) runs[cls].push({ vertical, at: a, from: start + 2, to: b - 2 });
        start = b;
        cls = c;
      }
    }
  };
  scan(false);
  scan(true);

  const mid = (r: Run) => (r.vertical ? [r.at, (r.from + r.to) / 2] : [(r.from + r.to) / 2, r.at]);
  const drawn: number[][][] = Array.from({ length: numClasses }, () => []);
  const pick = (c: number): Run | undefined => {
    if (drawn[c].length === 0) return runs[c].reduce((a, r) => (r.to - r.from > a.to - a.from ? r : a));
    let best: Run | undefined;
    let bestD = 5;
    for (const r of runs[c]) {
      const [mx, my] = mid(r);
      const d = Math.min(...drawn[c].map(([px, py]) => Math.hypot(mx - px, my - py)));
      if (d > bestD) [best, bestD] = [r, d];
    }
    return best;
  };
  const draw = (c: number, r: Run, budget: number): number => {
    const len = Math.min(r.to - r.from, Math.floor(budget / 3));
    const start = Math.round((r.from + r.to - len) / 2);
    let n = 0;
    for (let d = -1; d <= 1; d++) {
      for (let b = start; b < start + len; b++) {
        const i = r.vertical ? b * width + r.at + d : (r.at + d) * width + b;
        if (mask.classes[i] !== UNLABELED || gt[i] !== c) continue;
        mask.classes[i] = c;
        mask.sources[i] = Source.human;
        n++;
      }
    }
    drawn[c].push(mid(r));
    return n;
  };

  let used = 0;
  let open = runs.map((r, c) => c).filter((c) => runs[c].length > 0);
  while (used < allowance && open.length > 0) {
    const share = Math.floor((allowance - used) / open.length);
    if (share < 3 * MIN_STROKE) break;
    const next: number[] = [];
    for (const c of open) {
      const r = pick(c);
      if (!r) continue;
      used += draw(c, r, Math.min(share, allowance - used));
      next.push(c);
    }
    open = next;
  }
  return used;
}
