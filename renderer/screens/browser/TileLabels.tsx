import { useEffect, useRef } from "react";
import type { ClassDef, ImageItem } from "../../../app/common/api-types.ts";
import { decodeRleBase64 } from "../../../app/common/wire.ts";
import type { UiApi } from "../../api/client.ts";
import { classPalette } from "../../canvas/palette.ts";

/** Images larger than this (pixels) show no label overlay on their tile: decoding it costs too much. */
const MAX_PIXELS = 4_000_000;
/** The overlay's side: about the tile's, drawn by nearest sampling. */
const SIDE = 184;

/**
 * The image's labels over its thumbnail, in class colors (what is labeled where, at a glance).
 * Fetched once a labeled tile is shown, again when its labeled pixel count changes.
 */
export function TileLabels({ api, item, classes }: { api: UiApi; item: ImageItem; classes: ClassDef[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { id, width, height, labeledPixels } = item;
  useEffect(() => {
    if (labeledPixels === 0 || width * height > MAX_PIXELS) return;
    let live = true;
    api
      .call("masks.get", { imageId: id })
      .then((m) => {
        const canvas = ref.current;
        if (!live || !canvas) return;
        const values = decodeRleBase64(m.classesRle, m.width * m.height);
        const f = Math.min(1, SIDE / Math.max(m.width, m.height));
        const w = Math.max(1, Math.round(m.width * f));
        const h = Math.max(1, Math.round(m.height * f));
        canvas.width = w;
        canvas.height = h;
        const ctx = canvas.getContext("2d");
        if (!ctx) return;
        const img = new ImageData(w, h);
        const out = new Uint32Array(img.data.buffer);
        const lut = classPalette(classes);
        for (let y = 0; y < h; y++) {
          const sy = Math.min(m.height - 1, Math.floor(y / f)) * m.width;
          for (let x = 0; x < w; x++)
            out[y * w + x] = lut[values[sy + Math.min(m.width - 1, Math.floor(x / f))]];
        }
        ctx.putImageData(img, 0, 0);
        canvas.dataset.drawn = "true";
      })
      .catch(() => undefined); // the tile still shows its thumbnail
    return () => {
      live = false;
    };
  }, [api, id, width, height, labeledPixels, classes]);
  if (labeledPixels === 0 || width * height > MAX_PIXELS) return null;
  return <canvas ref={ref} className="tile-labels" data-testid="tile-labels" aria-hidden />;
}
