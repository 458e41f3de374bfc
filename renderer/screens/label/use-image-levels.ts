import { useCallback, useEffect, useMemo, useRef, type RefObject } from "react";
import type Konva from "konva";
import { imageFilter, percentiles, type Display } from "./display.ts";

/** Where the canvas looks: image pixels to screen pixels (scale, then offset). */
export interface View {
  scale: number;
  x: number;
  y: number;
}

/** The picture's luminance sample for auto levels: at most this many pixels across. */
const LEVELS_SAMPLE = 400;

/** A small luminance copy of the picture (auto levels read the part in view from it). */
function luminanceSample(img: HTMLImageElement): { lum: Uint8Array; w: number; h: number; f: number } | null {
  const f = Math.min(1, LEVELS_SAMPLE / Math.max(img.naturalWidth, img.naturalHeight));
  const w = Math.max(1, Math.round(img.naturalWidth * f));
  const h = Math.max(1, Math.round(img.naturalHeight * f));
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  const ctx = c.getContext("2d", { willReadFrequently: true });
  if (!ctx) return null;
  ctx.drawImage(img, 0, 0, w, h);
  const d = ctx.getImageData(0, 0, w, h).data;
  const lum = new Uint8Array(w * h);
  for (let i = 0; i < lum.length; i++)
    lum[i] = Math.round(0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]);
  return { lum, w, h, f };
}

/**
 * Keeps the picture's levels on the image layer's canvas (a CSS filter; display.ts): the
 * brightness, contrast and gamma set, and auto levels from the part of the picture in view.
 * Returns the function the canvas calls when the view changes (applied at the next frame).
 */
export function useImageLevels(opts: {
  image: HTMLImageElement | null;
  display: Pick<Display, "brightness" | "contrast" | "gamma" | "autoLevels">;
  gammaId: string;
  imageLayerRef: RefObject<Konva.Layer | null>;
  stageRef: RefObject<Konva.Stage | null>;
  boxRef: RefObject<HTMLDivElement | null>;
  view: RefObject<View>;
}): () => void {
  const { image, display, gammaId, imageLayerRef, stageRef, boxRef, view } = opts;
  const displayRef = useRef(display);
  displayRef.current = display;
  const sample = useMemo(() => (image ? luminanceSample(image) : null), [image]);
  const frame = useRef(0);
  const update = useCallback(() => {
    frame.current = 0;
    const canvas = imageLayerRef.current?.getNativeCanvasElement();
    if (!canvas) return;
    const d = displayRef.current;
    let auto = null;
    if (d.autoLevels && sample) {
      const v = view.current;
      const st = stageRef.current;
      const sw = st?.width() ?? 0;
      const sh = st?.height() ?? 0;
      const clamp = (n: number, max: number) => Math.max(0, Math.min(max, n));
      auto = percentiles(sample.lum, sample.w, {
        x0: clamp(Math.floor((-v.x / v.scale) * sample.f), sample.w),
        y0: clamp(Math.floor((-v.y / v.scale) * sample.f), sample.h),
        x1: clamp(Math.ceil(((sw - v.x) / v.scale) * sample.f), sample.w),
        y1: clamp(Math.ceil(((sh - v.y) / v.scale) * sample.f), sample.h),
      });
    }
    const filter = imageFilter(d, auto, gammaId);
    if (canvas.style.filter !== filter) canvas.style.filter = filter;
    if (boxRef.current) boxRef.current.dataset.imageFilter = filter;
  }, [sample, gammaId, imageLayerRef, stageRef, boxRef, view]);
  const { brightness, contrast, gamma, autoLevels } = display;
  useEffect(() => {
    update();
    return () => cancelAnimationFrame(frame.current);
  }, [update, brightness, contrast, gamma, autoLevels]);
  return useCallback(() => {
    if (!frame.current) frame.current = requestAnimationFrame(update);
  }, [update]);
}
