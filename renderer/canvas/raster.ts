/**
 * A per-pixel layer drawn as a canvas the size of the image: class indices (or any 8-bit
 * values) mapped through a palette. Edits repaint only the rectangle they touched, so a
 * brush stroke on a 4000x3000 image costs what the brush covers, not what the image has.
 */
import { rasterizeBrush, rasterizePolygon, UNLABELED, type Point } from "../../app/api/wire.ts";
import type { Rect } from "../../app/api/types.ts";

export class RasterLayer {
  readonly width: number;
  readonly height: number;
  readonly canvas: HTMLCanvasElement;
  values: Uint8Array;
  private readonly ctx: CanvasRenderingContext2D;
  private palette: Uint32Array;

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

  /** Paints one brush segment (or dot) with `value`; returns the rectangle repainted. */
  brush(points: Point[], diameter: number, value: number): Rect | null {
    const rect = rasterizeBrush(this.values, this.width, this.height, points, diameter, value);
    if (rect) this.repaint(rect);
    return rect;
  }

  polygon(points: Point[], value: number): Rect | null {
    const rect = rasterizePolygon(this.values, this.width, this.height, points, value);
    if (rect) this.repaint(rect);
    return rect;
  }

  valueAt(x: number, y: number): number | null {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return null;
    return this.values[Math.floor(y) * this.width + Math.floor(x)];
  }

  /** Rows of at most ~1M pixels per ImageData, so a full repaint of a big image stays bounded. */
  repaint(rect: Rect): void {
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
        for (let xx = 0; xx < width; xx++) out[dst + xx] = pal[vals[src + xx]];
      }
      this.ctx.putImageData(img, x, y0);
    }
  }
}
