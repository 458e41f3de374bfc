import { UNLABELED } from "./mask.ts";

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type Point = [number, number];

/** Sets `value` on every pixel whose center lies within `radius` of the polyline (a round brush). */
export function rasterizeBrush(
  target: Uint8Array,
  width: number,
  height: number,
  points: readonly Point[],
  brushWidth: number,
  value: number,
  shape: BrushShape = "round",
): Rect | null {
  if (points.length === 0) return null;
  if (shape === "square") return rasterizeSquareBrush(target, width, height, points, brushWidth, value);
  const r = Math.max(0.5, brushWidth / 2);
  const r2 = r * r;
  const bounds = strokeBounds(points, r, width, height);
  if (!bounds) return null;
  const segs = points.length === 1 ? [[points[0], points[0]] as const] : pairs(points);
  // Per segment and row, the capsule (segment swept by the disc) meets the row's line of pixel
  // centers in one interval (it is convex): fill it natively. Cost ~ rows, not area.
  for (const [a, b] of segs) {
    const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(a[1], b[1]) + r));
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len = Math.hypot(dx, dy);
    for (let y = y0; y <= y1; y++) {
      const py = y + 0.5;
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < (len > 0 ? 2 : 1); k++) {
        const c = k === 0 ? a : b;
        const ey = py - c[1];
        const h2 = r2 - ey * ey;
        if (h2 >= 0) {
          const hw = Math.sqrt(h2);
          lo = Math.min(lo, c[0] - hw);
          hi = Math.max(hi, c[0] + hw);
        }
      }
      if (len > 0) {
        // |(p - a) . n| <= r and 0 <= (p - a) . d <= len, with p = (x, py), d = unit direction:
        // two linear constraints on x, each an interval (or all/nothing when its slope is 0).
        const ux = dx / len;
        const uy = dy / len;
        const ry = py - a[1];
        let iLo = -Infinity;
        let iHi = Infinity;
        // constraint 1: -r <= -uy * x + (a.x * uy + ry * ux) <= r
        const o1 = a[0] * uy + ry * ux;
        if (Math.abs(uy) < 1e-12) {
          if (o1 < -r || o1 > r) iLo = Infinity;
        } else {
          const p1 = (-r - o1) / -uy;
          const p2 = (r - o1) / -uy;
          iLo = Math.max(iLo, Math.min(p1, p2));
          iHi = Math.min(iHi, Math.max(p1, p2));
        }
        // constraint 2: 0 <= ux * x + (-a.x * ux + ry * uy) <= len
        const o2 = -a[0] * ux + ry * uy;
        if (Math.abs(ux) < 1e-12) {
          if (o2 < 0 || o2 > len) iLo = Infinity;
        } else {
          const p1 = -o2 / ux;
          const p2 = (len - o2) / ux;
          iLo = Math.max(iLo, Math.min(p1, p2));
          iHi = Math.min(iHi, Math.max(p1, p2));
        }
        if (iLo <= iHi) {
          lo = Math.min(lo, iLo);
          hi = Math.max(hi, iHi);
        }
      }
      if (lo > hi) continue;
      const from = Math.max(0, Math.ceil(lo - 0.5));
      const to = Math.min(width - 1, Math.floor(hi - 0.5));
      if (to >= from) target.fill(value, y * width + from, y * width + to + 1);
    }
  }
  return bounds;
}

/** The brush's tip: a disc, or an axis-aligned square of the brush's width (side). */
export type BrushShape = "round" | "square";

/**
 * A square brush (side `side`, axis-aligned) swept along the points: per segment and row, the
 * squares centered on the segment that reach the row's line of pixel centers are those of one
 * interval of the segment's parameter, so the row's pixels form one interval. Cost ~ rows.
 */
function rasterizeSquareBrush(
  target: Uint8Array,
  width: number,
  height: number,
  points: readonly Point[],
  side: number,
  value: number,
): Rect | null {
  const r = Math.max(0.5, side / 2);
  const bounds = strokeBounds(points, r, width, height);
  if (!bounds) return null;
  const segs = points.length === 1 ? [[points[0], points[0]] as const] : pairs(points);
  for (const [a, b] of segs) {
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(a[1], b[1]) + r));
    for (let y = y0; y <= y1; y++) {
      const py = y + 0.5;
      // t in [0, 1] with |py - (a.y + t dy)| <= r
      let t0 = 0;
      let t1 = 1;
      if (Math.abs(dy) < 1e-12) {
        if (Math.abs(py - a[1]) > r) continue;
      } else {
        const p1 = (py - r - a[1]) / dy;
        const p2 = (py + r - a[1]) / dy;
        t0 = Math.max(0, Math.min(p1, p2));
        t1 = Math.min(1, Math.max(p1, p2));
        if (t0 > t1) continue;
      }
      const xa = a[0] + t0 * dx;
      const xb = a[0] + t1 * dx;
      const from = Math.max(0, Math.ceil(Math.min(xa, xb) - r - 0.5));
      const to = Math.min(width - 1, Math.floor(Math.max(xa, xb) + r - 0.5));
      if (to >= from) target.fill(value, y * width + from, y * width + to + 1);
    }
  }
  return bounds;
}

/**
 * Fills the polygon (even-odd rule, pixel centers) with `value`. Edges are bucketed by the rows
 * they cross, so each row looks only at the edges crossing it: cost ~ rows + vertices + crossings,
 * not rows x vertices (a 100,000-point outline over a tall image took seconds).
 */
export function rasterizePolygon(
  target: Uint8Array,
  width: number,
  height: number,
  points: readonly Point[],
  value: number,
): Rect | null {
  return polygonSpans(width, height, points, (y, from, to) =>
    target.fill(value, y * width + from, y * width + to + 1),
  );
}

/**
 * The runs of pixels the polygon covers (as rasterizePolygon fills them): `span(y, from, to)`
 * for each, `to` inclusive. For a caller with no image-sized buffer to fill (a COCO import
 * writes a polygon straight into a mask): cost ~ the polygon's rows and pixels.
 */
export function polygonSpans(
  width: number,
  height: number,
  points: readonly Point[],
  span: (y: number, from: number, to: number) => void,
): Rect | null {
  if (points.length < 3) return null;
  const bounds = strokeBounds(points, 0, width, height);
  if (!bounds) return null;
  const n = points.length;
  const top = bounds.y;
  const rows = bounds.height;
  // Edge i (points[i] -> points[i + 1]) crosses row y when exactly one end lies at or above the
  // row's line of pixel centers (py = y + 0.5). Its rows, found arithmetically and widened by one
  // each way against rounding; the exact test below decides.
  const firstRow = new Int32Array(n);
  const lastRow = new Int32Array(n);
  const bucket: number[][] = Array.from({ length: rows }, () => []);
  for (let i = 0; i < n; i++) {
    const ay = points[i][1];
    const by = points[(i + 1) % n][1];
    if (ay === by) continue; // a horizontal edge crosses no row's line
    const first = Math.max(top, Math.ceil(Math.min(ay, by) - 0.5) - 1);
    const last = Math.min(top + rows - 1, Math.ceil(Math.max(ay, by) - 0.5));
    if (first > last) continue;
    firstRow[i] = first;
    lastRow[i] = last;
    bucket[first - top].push(i);
  }
  let active: number[] = [];
  const xs: number[] = [];
  for (let y = top; y < top + rows; y++) {
    const py = y + 0.5;
    active = active.filter((i) => lastRow[i] >= y);
    for (const i of bucket[y - top]) active.push(i);
    xs.length = 0;
    for (const i of active) {
      const a = points[i];
      const b = points[(i + 1) % n];
      if (a[1] <= py !== b[1] <= py) xs.push(a[0] + ((py - a[1]) / (b[1] - a[1])) * (b[0] - a[0]));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(width - 1, Math.floor(xs[k + 1] - 0.5));
      if (to >= from) span(y, from, to);
    }
  }
  return bounds;
}

/**
 * The rows a brush stroke fills over all its segments (the work rasterizeBrush does, as rows of
 * an image `height` tall): a long stroke of a wide brush costs points x width rows.
 */
export function brushRowSpans(points: readonly Point[], brushWidth: number, height: number): number {
  const r = Math.max(0.5, brushWidth / 2);
  let rows = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i];
    const b = points[Math.min(i + 1, points.length - 1)];
    if (i > 0 && i === points.length - 1) break;
    const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(a[1], b[1]) + r));
    if (y1 >= y0) rows += y1 - y0 + 1;
  }
  return rows;
}

function pairs(points: readonly Point[]): (readonly [Point, Point])[] {
  const out: (readonly [Point, Point])[] = [];
  for (let i = 0; i + 1 < points.length; i++) out.push([points[i], points[i + 1]]);
  return out;
}

/** Bounding box of the points grown by `r`, clipped to the image; null when fully outside. */
export function strokeBounds(
  points: readonly Point[],
  r: number,
  width: number,
  height: number,
): Rect | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of points) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const x0 = Math.max(0, Math.floor(minX - r));
  const y0 = Math.max(0, Math.floor(minY - r));
  const x1 = Math.min(width - 1, Math.ceil(maxX + r));
  const y1 = Math.min(height - 1, Math.ceil(maxY + r));
  if (x1 < x0 || y1 < y0) return null;
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Copies a rectangle out of a row-major layer. */
export function cropLayer(layer: Uint8Array, width: number, rect: Rect): Uint8Array {
  const out = new Uint8Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const start = (rect.y + y) * width + rect.x;
    out.set(layer.subarray(start, start + rect.width), y * rect.width);
  }
  return out;
}

/** Writes a rectangle back into a row-major layer. */
export function pasteLayer(layer: Uint8Array, width: number, rect: Rect, patch: Uint8Array): void {
  for (let y = 0; y < rect.height; y++) {
    layer.set(patch.subarray(y * rect.width, (y + 1) * rect.width), (rect.y + y) * width + rect.x);
  }
}

export { UNLABELED };
