/**
 * The labeling canvas: image, prediction, uncertainty and label layers (with accepted labels
 * hatched) in one Konva stage.
 * Layers are rasters (RasterLayer canvases), never vector nodes. Pointer input is read from
 * the DOM directly and painted into the label raster at once; the stroke is handed to
 * `onStroke` on release, to be saved.
 */
import {
  forwardRef,
  useCallback,
  useEffect,
  useId,
  useImperativeHandle,
  useMemo,
  useRef,
  useState,
} from "react";
import { Circle, Image as KImage, Layer, Line, Rect, Stage } from "react-konva";
import type Konva from "konva";
import type { BrushShape, Point } from "../../../app/common/wire.ts";
import { UNLABELED } from "../../../app/common/wire.ts";
import type { RasterLayer } from "../../canvas/raster.ts";
import { protectLut, type Display } from "./display.ts";
import { useImageLevels, type View } from "./use-image-levels.ts";

export type Tool = "brush" | "eraser" | "polygon" | "accept";

export interface LayerSetting {
  visible: boolean;
  opacity: number;
}

export interface LayerSettings {
  image: LayerSetting;
  prediction: LayerSetting;
  uncertainty: LayerSetting;
  labels: LayerSetting;
  /** hatching over labels that are accepted predictions (not hand-drawn) */
  accepted: LayerSetting;
}

export interface StrokeOut {
  tool: "brush" | "eraser" | "polygon";
  classIdx: number | null;
  width: number;
  points: Point[];
  /** locked classes the stroke left as they were */
  protect?: number[];
  /** the brush's tip when square (round otherwise) */
  shape?: BrushShape;
}

export interface CanvasHandle {
  fit(): void;
  oneToOne(): void;
  zoomBy(factor: number): void;
  /** Zooms and pans so that this rectangle of the image fills most of the view. */
  showRect(r: { x: number; y: number; width: number; height: number }): void;
  /** Closes the polygon being drawn (commits it when it has 3+ points). */
  closePolygon(): void;
  /** Drops the polygon being drawn; false when there was none. */
  cancelPolygon(): boolean;
  /** Repaints the label layer after its values changed outside the canvas. */
  redrawLabels(): void;
  /** Repaints every layer (a palette changed). */
  redraw(): void;
  /** A stroke is being drawn (painted on the label layer, not handed on yet). */
  drawing(): boolean;
}

interface Props {
  width: number;
  height: number;
  image: HTMLImageElement | null;
  labels: RasterLayer;
  /** hatch pattern over the accepted-prediction labels (LabelScreen's hatchLayer) */
  accepted: RasterLayer | null;
  prediction: RasterLayer | null;
  uncertainty: RasterLayer | null;
  layers: LayerSettings;
  tool: Tool;
  classIdx: number;
  /** the brush's diameter (round) or side (square), in brushUnit */
  brushSize: number;
  /** screen pixels: the same on screen at any zoom; image pixels: the same on the image */
  brushUnit?: "screen" | "image";
  brushShape?: BrushShape;
  onStroke: (s: StrokeOut) => void;
  onAccept: (x: number, y: number) => void;
  onZoom: (scale: number) => void;
  /** suggested regions of this image, outlined */
  regions?: { id: number; x: number; y: number; width: number; height: number }[];
  /** the region shown last (R or Show), outlined solid */
  activeRegionId?: number | null;
  /** levels of the picture, locked classes (display.ts) */
  display: Pick<Display, "brightness" | "contrast" | "gamma" | "autoLevels" | "locked">;
}

/** Timing marks for bench/bench-ui.ts; recorded only when the page sets window.__pixelloopPerf. */
function perfMeasure(name: string, start: number): void {
  if ((window as { __pixelloopPerf?: boolean }).__pixelloopPerf)
    performance.measure(name, { start, end: performance.now() });
}

const MIN_SCALE = 0.02;
const MAX_SCALE = 40;
/** R shows a region with this much around it: the region is at most 1/CONTEXT of the view across. */
const REGION_CONTEXT = 2.5;
/** ... and zooms in no further than this (or the fit, when that is closer). */
const REGION_MAX_SCALE = 4;
export const LabelCanvas = forwardRef<CanvasHandle, Props>(function LabelCanvas(props, ref) {
  const { width, height, labels, tool, classIdx } = props;
  const boxRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Konva.Stage>(null);
  const labelLayerRef = useRef<Konva.Layer>(null);
  const imageLayerRef = useRef<Konva.Layer>(null);
  const gammaId = `pxl-gamma-${useId().replace(/:/g, "")}`;
  const protect = useMemo(() => protectLut(props.display.locked), [props.display.locked]);
  const protectRef = useRef(protect);
  protectRef.current = protect;
  const overlayRef = useRef<Konva.Layer>(null);
  const cursorRef = useRef<Konva.Circle>(null);
  const squareCursorRef = useRef<Konva.Rect>(null);
  /** The brush in image pixels at the zoom of the moment (screen-pixel brushes follow the zoom). */
  const brushPx = (p: Props, scale: number) => (p.brushUnit === "image" ? p.brushSize : p.brushSize / scale);
  const rubberRef = useRef<Konva.Line>(null);
  const [size, setSize] = useState({ w: 800, h: 600 });
  const view = useRef<View>({ scale: 1, x: 0, y: 0 });
  const [scale, setScale] = useState(1);
  const [polygon, setPolygon] = useState<Point[]>([]);
  const drag = useRef<{
    mode: "draw" | "pan";
    points: Point[];
    last: { x: number; y: number };
    /** a stroke's brush in image pixels (0 while panning) */
    width: number;
  } | null>(null);
  const spaceDown = useRef(false);
  const propsRef = useRef(props);
  propsRef.current = props;

  /** The picture's levels: the settings, and auto levels from the part in view (use-image-levels.ts). */
  const scheduleLevels = useImageLevels({
    image: props.image,
    display: props.display,
    gammaId,
    imageLayerRef,
    stageRef,
    boxRef,
    view,
  });
  const scheduleRef = useRef(scheduleLevels);
  scheduleRef.current = scheduleLevels;

  const applyView = useCallback((v: View) => {
    scheduleRef.current();
    view.current = v;
    const stage = stageRef.current;
    if (stage) {
      stage.scale({ x: v.scale, y: v.scale });
      stage.position({ x: v.x, y: v.y });
      stage.batchDraw();
    }
    setScale(v.scale);
    propsRef.current.onZoom(v.scale);
  }, []);

  const fit = useCallback(() => {
    const s = Math.min(size.w / width, size.h / height) * 0.96;
    applyView({ scale: s, x: (size.w - width * s) / 2, y: (size.h - height * s) / 2 });
  }, [size, width, height, applyView]);

  const zoomAround = useCallback(
    (factor: number, cx: number, cy: number) => {
      const v = view.current;
      const s = Math.min(MAX_SCALE, Math.max(MIN_SCALE, v.scale * factor));
      const ix = (cx - v.x) / v.scale;
      const iy = (cy - v.y) / v.scale;
      applyView({ scale: s, x: cx - ix * s, y: cy - iy * s });
    },
    [applyView],
  );

  const finishPolygon = useCallback((pts: Point[]) => {
    setPolygon([]);
    if (pts.length < 3) return;
    const p = propsRef.current;
    p.labels.polygon(pts, p.classIdx, protectRef.current);
    labelLayerRef.current?.batchDraw();
    p.onStroke({ tool: "polygon", classIdx: p.classIdx, width: 1, points: pts, ...locked(p.display.locked) });
  }, []);

  useImperativeHandle(
    ref,
    () => ({
      fit,
      oneToOne: () => {
        const v = view.current;
        zoomAround(1 / v.scale, size.w / 2, size.h / 2);
      },
      zoomBy: (f) => zoomAround(f, size.w / 2, size.h / 2),
      showRect: (r) => {
        // Leave room around the region: it is a question about a place, seen in its context
        // (at least 2.5x its size across), and not blown up past 400% (unless the fit is closer).
        const fitScale = Math.min(size.w / width, size.h / height) * 0.96;
        const around = Math.min(size.w / (r.width * REGION_CONTEXT), size.h / (r.height * REGION_CONTEXT));
        const s = Math.min(
          MAX_SCALE,
          Math.max(MIN_SCALE, Math.min(around, Math.max(fitScale, REGION_MAX_SCALE))),
        );
        const cx = r.x + r.width / 2;
        const cy = r.y + r.height / 2;
        applyView({ scale: s, x: size.w / 2 - cx * s, y: size.h / 2 - cy * s });
      },
      closePolygon: () => finishPolygon(polygon),
      cancelPolygon: () => {
        if (polygon.length === 0) return false;
        setPolygon([]);
        return true;
      },
      redrawLabels: () => labelLayerRef.current?.batchDraw(),
      redraw: () => stageRef.current?.batchDraw(),
      drawing: () => drag.current?.mode === "draw",
    }),
    [fit, zoomAround, applyView, size, polygon, finishPolygon, width, height],
  );

  // Time each redraw of the label layer (for the UI benchmark).
  useEffect(() => {
    const layer = labelLayerRef.current;
    if (!layer) return;
    let start = 0;
    layer.on("beforeDraw.perf", () => {
      start = performance.now();
    });
    layer.on("draw.perf", () => perfMeasure("pixelloop:draw", start));
    return () => {
      layer.off("beforeDraw.perf");
      layer.off("draw.perf");
    };
  }, []);

  // Track the container size.
  useEffect(() => {
    const el = boxRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() =>
      setSize({ w: Math.max(50, el.clientWidth), h: Math.max(50, el.clientHeight) }),
    );
    ro.observe(el);
    setSize({ w: Math.max(50, el.clientWidth), h: Math.max(50, el.clientHeight) });
    return () => ro.disconnect();
  }, []);

  // Fit when a new image arrives, and again when the area gets its real size or is resized while
  // the view is still as fitted (not zoomed since): the first fit runs before the area is measured.
  const fitted = useRef({ image: "", area: "", scale: 0 });
  useEffect(() => {
    const image = `${width}x${height}@${labels.canvas.width}`;
    const area = `${size.w}x${size.h}`;
    const f = fitted.current;
    if (f.image === image && f.area === area) return;
    if (f.image === image && view.current.scale !== f.scale) {
      fitted.current = { ...f, area }; // zoomed by hand: a resize keeps the person's view
      return;
    }
    fit();
    fitted.current = { image, area, scale: view.current.scale };
  }, [fit, width, height, labels, size]);

  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (
        e.code === "Space" &&
        !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement)
      ) {
        spaceDown.current = true;
        if (boxRef.current) boxRef.current.dataset.panning = "true";
        e.preventDefault();
      }
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === "Space") {
        spaceDown.current = false;
        if (boxRef.current) delete boxRef.current.dataset.panning;
      }
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
    };
  }, []);

  const toImage = (e: { clientX: number; clientY: number }) => {
    const r = boxRef.current!.getBoundingClientRect();
    const v = view.current;
    const sx = e.clientX - r.left;
    const sy = e.clientY - r.top;
    return { sx, sy, x: (sx - v.x) / v.scale, y: (sy - v.y) / v.scale };
  };

  const moveCursor = (x: number, y: number) => {
    const c = cursorRef.current;
    const p = propsRef.current;
    const sq = squareCursorRef.current;
    const show = p.tool === "brush" || p.tool === "eraser";
    const d = brushPx(p, view.current.scale);
    const square = p.brushShape === "square";
    if (c) {
      c.visible(show && !square);
      c.position({ x, y });
      c.radius(d / 2);
      c.strokeWidth(1.5 / view.current.scale);
      c.stroke(p.tool === "eraser" ? "#ffffff" : "#111111");
    }
    if (sq) {
      sq.visible(show && square);
      sq.position({ x: x - d / 2, y: y - d / 2 });
      sq.size({ width: d, height: d });
      sq.strokeWidth(1.5 / view.current.scale);
      sq.stroke(p.tool === "eraser" ? "#ffffff" : "#111111");
    }
    const rb = rubberRef.current;
    if (rb) {
      const pts = rb.points();
      if (pts.length >= 2) rb.points([pts[0], pts[1], x, y]);
    }
    overlayRef.current?.batchDraw();
  };

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    boxRef.current?.focus();
    const p = toImage(e);
    const pan = spaceDown.current || e.button === 1;
    if (pan) {
      e.currentTarget.setPointerCapture(e.pointerId);
      drag.current = { mode: "pan", points: [], last: { x: e.clientX, y: e.clientY }, width: 0 };
      return;
    }
    if (e.button !== 0) return;
    if (tool === "brush" || tool === "eraser") {
      e.currentTarget.setPointerCapture(e.pointerId);
      const pt: Point = [p.x, p.y];
      // One width for the whole stroke: the zoom at its start.
      const w = Math.round(brushPx(props, view.current.scale) * 100) / 100;
      drag.current = { mode: "draw", points: [pt], last: { x: e.clientX, y: e.clientY }, width: w };
      labels.brush([pt], w, tool === "eraser" ? UNLABELED : classIdx, protect, props.brushShape);
      labelLayerRef.current?.batchDraw();
    } else if (tool === "polygon") {
      const pt: Point = [p.x, p.y];
      if (e.detail >= 2) finishPolygon(polygon);
      else setPolygon((old) => [...old, pt]);
    } else if (tool === "accept") {
      if (p.x >= 0 && p.y >= 0 && p.x < width && p.y < height)
        props.onAccept(Math.floor(p.x), Math.floor(p.y));
    }
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    if (d?.mode === "pan") {
      const v = view.current;
      applyView({ scale: v.scale, x: v.x + e.clientX - d.last.x, y: v.y + e.clientY - d.last.y });
      d.last = { x: e.clientX, y: e.clientY };
      return;
    }
    const events =
      d?.mode === "draw" && "getCoalescedEvents" in e.nativeEvent ? e.nativeEvent.getCoalescedEvents() : [];
    const list = events.length ? events : [e];
    let last = toImage(e);
    if (d?.mode === "draw") {
      const t0 = performance.now();
      const value = tool === "eraser" ? UNLABELED : classIdx;
      for (const ev of list) {
        const q = toImage(ev);
        const prev = d.points[d.points.length - 1];
        const step = Math.hypot(q.x - prev[0], q.y - prev[1]);
        // Skip sub-pixel jitter: it adds points without changing any pixel.
        if (step < Math.max(0.5, d.width * 0.05)) continue;
        const pt: Point = [q.x, q.y];
        labels.brush([prev, pt], d.width, value, protect, props.brushShape);
        d.points.push(pt);
        last = q;
      }
      perfMeasure("pixelloop:paint", t0);
      labelLayerRef.current?.batchDraw();
    }
    moveCursor(last.x, last.y);
  };

  const onPointerUp = (e: React.PointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    drag.current = null;
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    if (d?.mode === "draw" && (tool === "brush" || tool === "eraser")) {
      props.onStroke({
        tool,
        classIdx: tool === "eraser" ? null : classIdx,
        width: d.width,
        points: d.points,
        ...(props.brushShape === "square" ? { shape: "square" as const } : {}),
        ...locked(props.display.locked),
      });
    }
  };

  const onWheel = (e: React.WheelEvent<HTMLDivElement>) => {
    const p = toImage(e);
    zoomAround(Math.pow(1.0015, -e.deltaY), p.sx, p.sy);
  };

  const { layers } = props;
  const polyFlat = polygon.flat();
  const lastPoly = polygon[polygon.length - 1];
  return (
    <div
      ref={boxRef}
      className={`canvas-box tool-${tool}`}
      data-testid="canvas"
      data-scale={scale.toFixed(4)}
      tabIndex={0}
      aria-label="Labeling canvas"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onPointerLeave={() => {
        cursorRef.current?.visible(false);
        overlayRef.current?.batchDraw();
      }}
      onWheel={onWheel}
      onContextMenu={(e) => e.preventDefault()}
    >
      {props.display.gamma !== 1 && (
        <svg width="0" height="0" aria-hidden style={{ position: "absolute" }}>
          <filter id={gammaId} colorInterpolationFilters="sRGB">
            <feComponentTransfer>
              {(["feFuncR", "feFuncG", "feFuncB"] as const).map((F) => (
                <F key={F} type="gamma" amplitude={1} exponent={1 / props.display.gamma} offset={0} />
              ))}
            </feComponentTransfer>
          </filter>
        </svg>
      )}
      <Stage
        ref={stageRef}
        width={size.w}
        height={size.h}
        listening={false}
        scaleX={view.current.scale}
        scaleY={view.current.scale}
        x={view.current.x}
        y={view.current.y}
      >
        <Layer
          ref={imageLayerRef}
          listening={false}
          visible={layers.image.visible}
          opacity={layers.image.opacity}
          imageSmoothingEnabled={scale < 2}
        >
          {props.image && <KImage image={props.image} width={width} height={height} />}
        </Layer>
        <Layer
          listening={false}
          visible={!!props.prediction && layers.prediction.visible}
          opacity={layers.prediction.opacity}
          imageSmoothingEnabled={false}
        >
          {props.prediction && <KImage image={props.prediction.canvas} width={width} height={height} />}
        </Layer>
        <Layer
          listening={false}
          visible={!!props.uncertainty && layers.uncertainty.visible}
          opacity={layers.uncertainty.opacity}
          imageSmoothingEnabled={false}
        >
          {props.uncertainty && <KImage image={props.uncertainty.canvas} width={width} height={height} />}
        </Layer>
        <Layer
          ref={labelLayerRef}
          listening={false}
          visible={layers.labels.visible}
          opacity={layers.labels.opacity}
          imageSmoothingEnabled={false}
        >
          <KImage image={labels.canvas} width={width} height={height} />
          {props.accepted && (
            <KImage
              name="accepted-hatch"
              image={props.accepted.canvas}
              width={width}
              height={height}
              visible={layers.accepted.visible}
              opacity={layers.accepted.opacity}
            />
          )}
        </Layer>
        <Layer ref={overlayRef} listening={false}>
          {(props.regions ?? []).flatMap((r) => {
            const width = (r.id === props.activeRegionId ? 3 : 2) / scale;
            const box = { x: r.x, y: r.y, width: r.width, height: r.height };
            return [
              // A dark line under the yellow one: the box stays visible on the yellow of the
              // uncertainty heat map and on bright images.
              <Rect
                key={`region-${r.id}-under`}
                {...box}
                stroke="#000000"
                opacity={0.75}
                strokeWidth={width + 2 / scale}
              />,
              <Rect
                key={`region-${r.id}`}
                name="suggested-region"
                {...box}
                stroke="#ffd400"
                strokeWidth={width}
                dash={r.id === props.activeRegionId ? undefined : [8 / scale, 5 / scale]}
              />,
            ];
          })}
          {polygon.length > 0 && (
            <>
              <Line
                points={polyFlat}
                closed={false}
                stroke="#ffffff"
                strokeWidth={2 / scale}
                dash={[6 / scale, 4 / scale]}
              />
              <Line
                ref={rubberRef}
                points={[lastPoly[0], lastPoly[1], lastPoly[0], lastPoly[1]]}
                stroke="#ffffff"
                strokeWidth={1 / scale}
                opacity={0.7}
              />
              {polygon.map((pt, i) => (
                <Circle
                  key={i}
                  x={pt[0]}
                  y={pt[1]}
                  radius={3 / scale}
                  fill={i === 0 ? "#ffd54a" : "#ffffff"}
                />
              ))}
            </>
          )}
          <Circle
            ref={cursorRef}
            radius={brushPx(props, scale) / 2}
            stroke="#111"
            strokeWidth={1.5 / scale}
            visible={false}
            dash={[4 / scale, 3 / scale]}
          />
          <Rect
            ref={squareCursorRef}
            stroke="#111"
            strokeWidth={1.5 / scale}
            visible={false}
            dash={[4 / scale, 3 / scale]}
          />
        </Layer>
      </Stage>
    </div>
  );
});

/** The stroke's locked classes, for strokes.commit (none: the field left out). */
function locked(classes: readonly number[]): { protect?: number[] } {
  return classes.length ? { protect: [...classes] } : {};
}
