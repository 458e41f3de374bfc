/**
 * A per-pixel layer drawn as a canvas the size of the image: class indices (or any 8-bit
 * values) mapped through a palette. Edits repaint only the rectangle they touched, so a
 * brush stroke on a 4000x3000 image costs what the brush covers, not what the image has.
 */
import {
  rasterizeBrush,
  rasterizePolygon,
  UNLABELED,
  type BrushShape,
  type Point,
} from "../../app/common/wire.ts";
import type { Rect } from "../../app/common/api-types.ts";

export class RasterLayer {
  readonly width: number;
  readonly height: number;
  readonly canvas: HTMLCanvasElement;
  values: Uint8Array;
  private readonly ctx: CanvasRenderingContext2D;
  private palette: Uint32Array;
  /** outlines: each region's edge in full color, its inside faint (the label layer's outline mode) */
  private outline = false;

  constructor(width: number, height: number, palette: Uint32Array, values?: Uint8Array) {
    this.width = width;
    this.height = height;
    this.palette = palette;
    this.canvas = document.createElement("canvas");
    this.canvas.width = width;
    this.canvas.height = height;
    const ctx = this.canvas.getContext("2d", { willReadFrequently: false });
    if (!ctx) throw new Error("this browser cannot create a 2D canvas");
    this.ctx = ctx;
    this.values = values ?? new Uint8Array(width * height).fill(UNLABELED);
    this.repaint({ x: 0, y: 0, width, height });
  }

  setValues(values: Uint8Array): void {
    this.values = values;
    this.repaint({ x: 0, y: 0, width: this.width, height: this.height });
  }

  setPalette(palette: Uint32Array): void {
    this.palette = palette;
    this.repaint({ x: 0, y: 0, width: this.width, height: this.height });
  }

  setOutline(outline: boolean): void {
    if (outline === this.outline) return;
    this.outline = outline;
    this.repaint({ x: 0, y: 0, width: this.width, height: this.height });
  }

  /**
   * Paints one brush segment (or dot) with `value`; returns the rectangle repainted. Pixels whose
   * value is marked in `protect` (256 entries; locked classes) keep it.
   */
  brush(
    points: Point[],
    diameter: number,
    value: number,
    protect?: Uint8Array | null,
    shape: BrushShape = "round",
  ): Rect | null {
    const keep = protect ? this.keep(points, Math.max(0.5, diameter / 2) + 1, protect) : null;
    const rect = rasterizeBrush(this.values, this.width, this.height, points, diameter, value, shape);
    if (keep) this.restore(keep);
    if (rect) this.repaint(rect);
    return rect;
  }

  polygon(points: Point[], value: number, protect?: Uint8Array | null): Rect | null {
    const keep = protect ? this.keep(points, 1, protect) : null;
    const rect = rasterizePolygon(this.values, this.width, this.height, points, value);
    if (keep) this.restore(keep);
    if (rect) this.repaint(rect);
    return rect;
  }

  /** The protected pixels (index and value) around these points, to put back after a stroke. */
  private keep(points: Point[], margin: number, protect: Uint8Array): { at: number[]; was: number[] } {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const [x, y] of points) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    const at: number[] = [];
    const was: number[] = [];
    const xa = Math.max(0, Math.floor(x0 - margin));
    const xb = Math.min(this.width - 1, Math.ceil(x1 + margin));
    for (
      let y = Math.max(0, Math.floor(y0 - margin));
      y <= Math.min(this.height - 1, Math.ceil(y1 + margin));
      y++
    )
      for (let x = xa; x <= xb; x++) {
        const i = y * this.width + x;
        if (protect[this.values[i]]) {
          at.push(i);
          was.push(this.values[i]);
        }
      }
    return { at, was };
  }

  private restore(k: { at: number[]; was: number[] }): void {
    for (let j = 0; j < k.at.length; j++) this.values[k.at[j]] = k.was[j];
  }

  valueAt(x: number, y: number): number | null {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return null;
    return this.values[Math.floor(y) * this.width + Math.floor(x)];
  }

  /** Rows of at most ~1M pixels per ImageData, so a full repaint of a big image stays bounded. */
  repaint(r: Rect): void {
    // An edge pixel's neighbours change too in outline mode: one pixel more around.
    const rect = this.outline ? grow(r, this.width, this.height) : r;
    const { x, width } = rect;
    const rowsPerBand = Math.max(1, Math.floor(1_000_000 / width));
    for (let y0 = rect.y; y0 < rect.y + rect.height; y0 += rowsPerBand) {
      const h = Math.min(rowsPerBand, rect.y + rect.height - y0);
      const img = new ImageData(width, h);
      const out = new Uint32Array(img.data.buffer);
      const pal = this.palette;
      const vals = this.values;
      for (let yy = 0; yy < h; yy++) {
        const src = (y0 + yy) * this.width + x;
        const dst = yy * width;
        if (!this.outline) {
          for (let xx = 0; xx < width; xx++) out[dst + xx] = pal[vals[src + xx]];
          continue;
        }
        const W = this.width;
        const y = y0 + yy;
        for (let xx = 0; xx < width; xx++) {
          const i = src + xx;
          const v = vals[i];
          const px = x + xx;
          const edge =
            (px > 0 && vals[i - 1] !== v) ||
            (px < W - 1 && vals[i + 1] !== v) ||
            (y > 0 && vals[i - W] !== v) ||
            (y < this.height - 1 && vals[i + W] !== v);
          // Inside: a fifth of the color's alpha, so the image shows through.
          out[dst + xx] = edge ? pal[v] : ((((pal[v] >>> 24) / 5) << 24) | (pal[v] & 0xffffff)) >>> 0;
        }
      }
      this.ctx.putImageData(img, x, y0);
    }
  }
}

function grow(r: Rect, width: number, height: number): Rect {
  const x = Math.max(0, r.x - 1);
  const y = Math.max(0, r.y - 1);
  return {
    x,
    y,
    width: Math.min(width, r.x + r.width + 1) - x,
    height: Math.min(height, r.y + r.height + 1) - y,
  };
}
