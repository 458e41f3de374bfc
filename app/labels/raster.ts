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
): Rect | null {
  if (points.length === 0) return null;
  const r = Math.max(0.5, brushWidth / 2);
  const r2 = r * r;
  const bounds = strokeBounds(points, r, width, height);
  if (!bounds) return null;
  const segs = points.length === 1 ? [[points[0], points[0]] as const] : pairs(points);
  for (const [a, b] of segs) {
    const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - r));
    const x1 = Math.min(width - 1, Math.ceil(Math.max(a[0], b[0]) + r));
    const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r));
    const y1 = Math.min(height - 1, Math.ceil(Math.max(a[1], b[1]) + r));
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len2 = dx * dx + dy * dy;
    for (let y = y0; y <= y1; y++) {
      const py = y + 0.5;
      const row = y * width;
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5;
        let t = len2 > 0 ? ((px - a[0]) * dx + (py - a[1]) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = px - (a[0] + t * dx);
        const ey = py - (a[1] + t * dy);
        if (ex * ex + ey * ey <= r2) target[row + x] = value;
      }
    }
  }
  return bounds;
}

/** Fills the polygon (even-odd rule, pixel centers) with `value`. */
export function rasterizePolygon(
  target: Uint8Array,
  width: number,
  height: number,
  points: readonly Point[],
  value: number,
): Rect | null {
  if (points.length < 3) return null;
  const bounds = strokeBounds(points, 0, width, height);
  if (!bounds) return null;
  const xs: number[] = [];
  for (let y = bounds.y; y < bounds.y + bounds.height; y++) {
    const py = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < points.length; i++) {
      const a = points[i];
      const b = points[(i + 1) % points.length];
      if (a[1] <= py !== b[1] <= py) xs.push(a[0] + ((py - a[1]) / (b[1] - a[1])) * (b[0] - a[0]));
    }
    xs.sort((p, q) => p - q);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil(xs[k] - 0.5));
      const to = Math.min(width - 1, Math.floor(xs[k + 1] - 0.5));
      if (to >= from) target.fill(value, y * width + from, y * width + to + 1);
    }
  }
  return bounds;
}

function pairs(points: readonly Point[]): (readonly [Point, Point])[] {
  const out: (readonly [Point, Point])[] = [];
  for (let i = 0; i + 1 < points.length; i++) out.push([points[i], points[i + 1]]);
  return out;
}

function strokeBounds(points: readonly Point[], r: number, width: number, height: number): Rect | null {
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
