import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type {
  ClassDef,
  ImageItem,
  MaskChange,
  PredictionData,
  Split,
  Suggestion,
  TrainingStatus,
  UncertaintyMeasure,
} from "../../../app/api/types.ts";
import { decodeRleBase64 } from "../../../app/api/wire.ts";
import { attempt, useApp } from "../../state/app-context.tsx";
import { clearUncertaintyOn, navigate, uncertaintyOnAtOpen } from "../../state/route.ts";
import { isTyping, useKeydown } from "../../state/keys.ts";
import { pushToast, toastError } from "../../state/toasts.ts";
import { RasterLayer } from "../../canvas/raster.ts";
import { classPalette, hatchPalette, heatPalette } from "../../canvas/palette.ts";
import {
  LabelCanvas,
  type CanvasHandle,
  type LayerSettings,
  type StrokeOut,
  type Tool,
} from "./LabelCanvas.tsx";
import { ClassPalette, LayerPanel, ToolBar } from "./Sidebar.tsx";
import { useSaver, type SaveState } from "./use-saver.ts";
import { RegionsPanel } from "./RegionsPanel.tsx";
import { RemoveImageDialog } from "./RemoveImageDialog.tsx";
import { Header } from "../../components/Header.tsx";

interface Loaded {
  item: ImageItem;
  image: HTMLImageElement;
  labels: RasterLayer;
  /** accepted-prediction labels, hatched (acceptedValues); made only once the image has some */
  accepted: RasterLayer | null;
  prediction: RasterLayer | null;
  uncertainty: RasterLayer | null;
  /** why there is no uncertainty layer although there is a prediction (no stored margin) */
  uncertaintyMissing: string | null;
  version: number;
}

const DEFAULT_LAYERS: LayerSettings = {
  image: { visible: true, opacity: 1 },
  prediction: { visible: true, opacity: 0.35 },
  uncertainty: { visible: false, opacity: 0.6 },
  labels: { visible: true, opacity: 0.7 },
  accepted: { visible: true, opacity: 0.6 },
};

/** Minimum confidence for "accept confident", as the input shows it (percent). */
const DEFAULT_ACCEPT_PERCENT = 90;

/**
 * The accepted layer's values from the 0/1 accepted mask: 1 on diagonal hatch lines (drawn
 * white), 2 elsewhere on accepted pixels (transparent), 0 off them; strokes set 0.
 */
function acceptedValues(accepted: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(accepted.length);
  for (let i = 0; i < accepted.length; i++) {
    if (!accepted[i]) continue;
    const x = i % width;
    const y = (i - x) / width;
    out[i] = (x + y) % 6 < 2 ? 1 : 2;
  }
  return out;
}

/** The hatch layer for a mask's accepted pixels (null while there are none and none was shown). */
function hatchLayer(
  current: RasterLayer | null,
  m: { width: number; height: number; acceptedRle: string; acceptedPixels: number },
): RasterLayer | null {
  if (m.acceptedPixels === 0 && !current) return null;
  const values = acceptedValues(decodeRleBase64(m.acceptedRle, m.width * m.height), m.width);
  if (!current) return new RasterLayer(m.width, m.height, hatchPalette(), values);
  current.setValues(values);
  return current;
}

function countNonZero(values: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) n++;
  return n;
}

function decodeImage(url: string, from: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.decoding = "async";
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`the image from ${from} could not be decoded`));
    img.src = url;
  });
}

/**
 * Loads an image for painting. Fetched rather than set as an <img> src: a page reuses an image
 * it has shown before without asking again, so a file moved or replaced since would still show.
 * fetch revalidates (the server answers 304 while the file is unchanged), and a failed answer
 * names the file and the reason (missing, undecodable).
 */
async function loadImage(src: string): Promise<HTMLImageElement> {
  const r = await fetch(src);
  if (!r.ok)
    throw new Error((await r.text()) || `the image could not be loaded from ${src} (HTTP ${r.status})`);
  const url = URL.createObjectURL(await r.blob());
  try {
    return await decodeImage(url, src);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The brush size last used in this window: the next image opened (from the grid too) keeps it. */
let keptBrushSize = 24;

export function LabelScreen({
  imageId,
  onToggleTraining,
}: {
  imageId: number;
  onToggleTraining: () => void;
}) {
  const { api, project, setProject, onEvent, training } = useApp();
  const classes = useMemo(() => project?.classes ?? [], [project]);
  const palette = useMemo(() => classPalette(classes), [classes]);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [headerItem, setHeaderItem] = useState<ImageItem | null>(null);
  const [tool, setTool] = useState<Tool>("brush");
  const [classIdx, setClassIdx] = useState(0);
  const [brushSize, setBrushSize] = useState(keptBrushSize);
  useEffect(() => {
    keptBrushSize = brushSize;
  }, [brushSize]);
  const [removing, setRemoving] = useState(false);
  // Opened by "Label next suggested" in the grid: with the uncertainty layer on, as N does here.
  const [layers, setLayers] = useState<LayerSettings>(() =>
    uncertaintyOnAtOpen()
      ? { ...DEFAULT_LAYERS, uncertainty: { ...DEFAULT_LAYERS.uncertainty, visible: true } }
      : DEFAULT_LAYERS,
  );
  useEffect(clearUncertaintyOn, []);
  const [zoom, setZoom] = useState(1);
  const [loadedNeighbors, setNeighbors] = useState<{
    of: number;
    prev: number | null;
    next: number | null;
    index: number;
    total: number;
  } | null>(null);
  // The open image's neighbours only: the last image's, while this one's load, would lead back.
  const neighbors = loadedNeighbors?.of === imageId ? loadedNeighbors : null;
  /**
   * Next (+1) / Prev (-1) presses made while an image loads or the move to it is under way: each
   * taken in turn, from the image it leads to, when its neighbours arrive.
   */
  const pendingMoves = useRef(0);
  const moving = useRef(false);
  const [stats, setStats] = useState<{ labeledPixels: number; status: string } | null>(null);
  const [acceptedPixels, setAcceptedPixels] = useState(0);
  // As typed (a field being cleared to type another number is not 0%); Accept waits for 0..100.
  const [acceptText, setAcceptText] = useState(String(DEFAULT_ACCEPT_PERCENT));
  const acceptPercent = acceptText.trim() === "" ? NaN : Number(acceptText);
  const acceptValid = Number.isFinite(acceptPercent) && acceptPercent >= 0 && acceptPercent <= 100;
  // The suggestion queue: this image's regions, and how much of the round is done.
  const [queue, setQueue] = useState<Suggestion[]>([]);
  const regions = useMemo(() => queue.find((s) => s.imageId === imageId)?.regions ?? [], [queue, imageId]);
  const queued = useRef(new Set<number>());
  queued.current = new Set(queue.map((s) => s.imageId));
  // Bumped after a save on a queued image, so "worked" is fetched again.
  const [queueVersion, setQueueVersion] = useState(0);
  const [activeRegion, setActiveRegion] = useState<number | null>(null);
  // Bumped when a training run has stored new predictions (and the next queue): the open image's
  // prediction layers and suggested regions are fetched again, labels and view untouched.
  const [predictionsVersion, setPredictionsVersion] = useState(0);
  /** what the uncertainty layer shows (read by the loading effects through the ref) */
  const [measure, setMeasure] = useState<UncertaintyMeasure>("entropy");
  const measureRef = useRef(measure);
  measureRef.current = measure;
  useEffect(
    () =>
      onEvent((e) => {
        if (e.type === "predictions.changed") setPredictionsVersion((v) => v + 1);
      }),
    [onEvent],
  );
  useEffect(() => setActiveRegion(null), [imageId, predictionsVersion]);
  useEffect(() => {
    let live = true;
    api
      .call("suggestions.list", { limit: 500 })
      .then((list) => {
        if (live) setQueue(list);
      })
      .catch(() => undefined); // no suggestions yet is normal
    return () => {
      live = false;
    };
  }, [api, imageId, predictionsVersion, queueVersion]);
  const worked = queue.filter((s) => s.worked).length;
  const canvasRef = useRef<CanvasHandle>(null);
  const acceptedCount = useRef(0);
  acceptedCount.current = acceptedPixels;
  const loadedRef = useRef(loaded);
  loadedRef.current = loaded;

  /** Reloads the stored label layer; returns how many of its pixels are accepted predictions. */
  const reloadMask = useCallback(async (): Promise<number | null> => {
    const l = loadedRef.current;
    if (!l) return null;
    try {
      const m = await api.call("masks.get", { imageId: l.item.id });
      const n = m.width * m.height;
      l.labels.setValues(decodeRleBase64(m.classesRle, n));
      l.accepted = hatchLayer(l.accepted, m);
      setAcceptedPixels(m.acceptedPixels);
      l.version = m.version;
      canvasRef.current?.redrawLabels();
      return m.acceptedPixels;
    } catch (e) {
      toastError(e);
      return null;
    }
  }, [api]);

  /** the open image's stored labels changed elsewhere since this window last read them */
  const staleMask = useRef(false);
  const onSaved = useCallback((c: MaskChange) => {
    const l = loadedRef.current;
    if (l && l.item.id === c.imageId) {
      // A save makes the next version: one further on, another process changed it meanwhile.
      if (c.changed && c.version !== l.version + 1) staleMask.current = true;
      l.version = c.version;
    }
    setStats({ labeledPixels: c.labeledPixels, status: c.status });
    if (queued.current.has(c.imageId)) setQueueVersion((v) => v + 1);
  }, []);
  const saver = useSaver(onSaved, () => void reloadMask());

  /**
   * The open image's labels changed elsewhere (the CLI, another window): its stored layer is
   * shown, unless this window has edits of its own not saved yet or a stroke under way; then it
   * is reloaded once they are saved. Another queued image's change counts in "k of n done".
   */
  const saverBusy = saver.busy;
  const reloadIfStale = useCallback(() => {
    if (!staleMask.current || saverBusy() || canvasRef.current?.drawing()) return;
    staleMask.current = false;
    const id = loadedRef.current?.item.id;
    void reloadMask().then(() => {
      if (id === undefined) return;
      api
        .call("images.get", { id })
        .then((item) => {
          if (loadedRef.current?.item.id === item.id)
            setStats({ labeledPixels: item.labeledPixels, status: item.status });
        })
        .catch(() => undefined);
    });
  }, [api, reloadMask, saverBusy]);
  useEffect(
    () =>
      onEvent((e) => {
        if (e.type !== "mask.changed") return;
        const l = loadedRef.current;
        if (l && l.item.id === e.imageId && e.version > l.version && !saverBusy()) {
          staleMask.current = true;
          reloadIfStale();
        }
        if (queued.current.has(e.imageId) && (e.imageId !== l?.item.id || e.version > l.version))
          setQueueVersion((v) => v + 1);
      }),
    [onEvent, reloadIfStale, saverBusy],
  );
  useEffect(() => {
    if (saver.state === "saved") reloadIfStale();
  }, [saver.state, reloadIfStale]);
  useEffect(() => {
    staleMask.current = false;
  }, [imageId]);

  // Load image, mask and prediction whenever the image changes.
  useEffect(() => {
    let cancelled = false;
    setLoadError(null);
    setLoaded(null);
    setHeaderItem(null);
    // Name and neighbours on their own: when the image cannot be shown, the header still says
    // which one it is and Prev / Next still move on.
    // (This callback runs before the load's own, so the stats it sets are never newer ones.)
    const itemCall = api.call("images.get", { id: imageId });
    itemCall
      .then((item) => {
        if (cancelled) return;
        setHeaderItem(item);
        setStats({ labeledPixels: item.labeledPixels, status: item.status });
      })
      .catch(() => undefined); // the load below reports the error
    // The stored labels too: their counts are known even when the file cannot be shown.
    const maskCall = api.call("masks.get", { imageId });
    maskCall
      .then((m) => {
        if (!cancelled) setAcceptedPixels(m.acceptedPixels);
      })
      .catch(() => undefined);
    api
      .call("images.neighbors", { id: imageId })
      .then((nb) => {
        if (!cancelled) setNeighbors({ ...nb, of: imageId });
      })
      .catch(() => undefined);
    // A file replaced by another picture of the same size opens, but its labels may not fit it.
    api
      .call("images.check", { id: imageId })
      .then((c) => {
        if (!cancelled && c.reason) pushToast("error", c.reason);
      })
      .catch(() => undefined);
    (async () => {
      const [item, mask, pred, image] = await Promise.all([
        itemCall,
        maskCall,
        api.call("predictions.get", { imageId, measure: measureRef.current }),
        loadImage(api.imageUrl(imageId)),
      ]);
      if (cancelled) return;
      // A file replaced by one of another size: painting would not line up with the stored labels.
      if (image.naturalWidth !== mask.width || image.naturalHeight !== mask.height)
        throw new Error(
          `${item.name}: image is ${image.naturalWidth}x${image.naturalHeight} now, ${mask.width}x${mask.height} when imported; put the original file back, or remove the image from the project and import the file again`,
        );
      const n = mask.width * mask.height;
      const labels = new RasterLayer(
        mask.width,
        mask.height,
        classPalette(classes),
        decodeRleBase64(mask.classesRle, n),
      );
      const accepted = hatchLayer(null, mask);
      setAcceptedPixels(mask.acceptedPixels);
      setLoaded({ item, image, labels, accepted, ...predictionLayers(pred, classes), version: mask.version });
      setStats({ labeledPixels: item.labeledPixels, status: item.status });
    })().catch((e: Error) => {
      if (!cancelled) {
        setLoadError(e.message);
        toastError(e);
      }
    });
    return () => {
      cancelled = true;
    };
  }, [api, imageId]);

  // New predictions while the image is open: swap in its new prediction layers.
  useEffect(() => {
    if (predictionsVersion === 0) return;
    let cancelled = false;
    const l = loadedRef.current;
    if (!l) return;
    Promise.all([
      api.call("predictions.get", { imageId: l.item.id, measure: measureRef.current }),
      api.call("images.get", { id: l.item.id }),
    ])
      .then(([pred, item]) => {
        const now = loadedRef.current;
        if (cancelled || now?.item.id !== item.id) return;
        setLoaded({ ...now, item, ...predictionLayers(pred, classes) });
        setStats({ labeledPixels: item.labeledPixels, status: item.status });
      })
      .catch(toastError);
    return () => {
      cancelled = true;
    };
  }, [api, predictionsVersion, classes]);

  useEffect(() => {
    if (!loaded) return;
    loaded.labels.setPalette(palette);
    loaded.prediction?.setPalette(palette);
    canvasRef.current?.redrawLabels();
  }, [palette, loaded]);

  const onStroke = useCallback(
    (s: StrokeOut) => {
      const l = loadedRef.current;
      if (!l) return;
      void saver.enqueue(() => api.call("strokes.commit", { imageId: l.item.id, ...s }));
      // A stroke makes the pixels it covers hand-drawn (or erased): no longer accepted.
      if (l.accepted && acceptedCount.current > 0) {
        if (s.tool === "polygon") l.accepted.polygon(s.points, 0);
        else l.accepted.brush(s.points, s.width, 0);
        canvasRef.current?.redrawLabels();
        setAcceptedPixels(countNonZero(l.accepted.values));
      }
    },
    [api, saver],
  );

  /** Accepts every unlabeled pixel of the prediction at least this sure (hand-drawn labels stay). */
  const acceptConfident = useCallback(() => {
    const l = loadedRef.current;
    if (!l?.prediction || !acceptValid) return;
    const before = acceptedCount.current; // accepting only adds accepted pixels
    void saver
      .enqueue(() =>
        api.call("masks.acceptConfident", { imageId: l.item.id, minConfidence: acceptPercent / 100 }),
      )
      .then(async (c) => {
        if (!c) return;
        if (!c.changed) {
          pushToast(
            "info",
            `No unlabeled pixel is predicted with ${acceptPercent}% confidence or more: the model is unsure here. Scribble a few strokes, or train longer, rather than lowering the threshold far.`,
          );
          return;
        }
        const after = await reloadMask();
        if (after !== null)
          pushToast(
            "success",
            `Accepted ${(after - before).toLocaleString()} px the model is at least ${acceptPercent}% sure of (hatched; Ctrl+Z undoes).`,
          );
      });
  }, [api, saver, reloadMask, acceptPercent, acceptValid]);

  /** Zooms to a suggested region (R walks them in order). */
  const showRegion = useCallback((r: Suggestion["regions"][number]) => {
    if (!canvasRef.current) return; // the image is not shown (yet)
    setActiveRegion(r.id);
    canvasRef.current.showRect(r);
  }, []);

  const stepRegion = useCallback(
    (step: 1 | -1) => {
      if (regions.length === 0) {
        pushToast("info", "No suggested regions on this image.");
        return;
      }
      const at = regions.findIndex((r) => r.id === activeRegion);
      const from = at < 0 && step < 0 ? 0 : at;
      showRegion(regions[(from + step + regions.length) % regions.length]);
    },
    [regions, activeRegion, showRegion],
  );

  /** Accepts the prediction on the unlabeled pixels inside a suggested region. */
  const acceptRegion = useCallback(
    (r: Suggestion["regions"][number], n: number) => {
      const l = loadedRef.current;
      if (!l?.prediction) return;
      const before = acceptedCount.current;
      void saver
        .enqueue(() => api.call("suggestions.acceptRegion", { imageId: l.item.id, regionId: r.id }))
        .then(async (c) => {
          if (!c) return;
          if (!c.changed) {
            pushToast("info", `Region ${n} is labeled already: nothing to accept.`);
            return;
          }
          const after = await reloadMask();
          if (after !== null)
            pushToast(
              "success",
              `Accepted ${(after - before).toLocaleString()} predicted px in region ${n} (hatched): paint over what is wrong; Ctrl+Z undoes.`,
            );
        });
    },
    [api, saver, reloadMask],
  );

  /** Removes the accepted-prediction labels of this image; hand-drawn labels stay. */
  const clearAccepted = useCallback(() => {
    const l = loadedRef.current;
    if (!l) return;
    void saver
      .enqueue(() => api.call("masks.clearAccepted", { imageId: l.item.id }))
      .then((c) => {
        if (!c?.changed) return;
        void reloadMask();
        pushToast(
          "info",
          "Removed the accepted labels of this image; hand-drawn labels kept (Ctrl+Z undoes).",
        );
      });
  }, [api, saver, reloadMask]);

  const models = project?.summary.models ?? 0;
  const missing = noPrediction(training, models);
  const missingRef = useRef(missing);
  missingRef.current = missing;
  /** Accepts the predicted region under the click (accept tool), and says what it took. */
  const onAccept = useCallback(
    (x: number, y: number) => {
      const l = loadedRef.current;
      if (!l) return;
      if (!l.prediction) {
        pushToast("info", missingRef.current.text);
        return;
      }
      const cls = classes.find((c) => c.idx === l.prediction?.valueAt(x, y));
      const before = acceptedCount.current; // accepting only adds accepted pixels
      void saver
        .enqueue(() => api.call("regions.accept", { imageId: l.item.id, x, y }))
        .then(async (c) => {
          if (!c) return;
          if (!c.changed) {
            pushToast("info", "Nothing to accept there: the region is already labeled.");
            return;
          }
          const after = await reloadMask();
          if (after === null) return;
          // One click can take most of the image (the background): say how much, and how to undo.
          const n = after - before;
          const share = (100 * n) / (l.item.width * l.item.height);
          pushToast(
            "success",
            `Accepted ${n.toLocaleString()} px of ${cls?.name ?? "the predicted class"} (${share > 0 && share < 1 ? "<1" : Math.round(share)}% of the image) · Ctrl+Z undoes`,
          );
        });
    },
    [api, saver, reloadMask, classes],
  );

  const undoRedo = useCallback(
    (which: "masks.undo" | "masks.redo") => {
      const l = loadedRef.current;
      if (!l) return;
      void saver
        .enqueue(() => api.call(which, { imageId: l.item.id }))
        .then((c) => {
          if (c?.changed) void reloadMask();
          else if (c)
            pushToast("info", c.reason ?? (which === "masks.undo" ? "Nothing to undo" : "Nothing to redo"));
        });
    },
    [api, saver, reloadMask],
  );

  const go = useCallback(
    async (id: number | null) => {
      if (id === null) return;
      await saver.flush();
      navigate({ screen: "image", id });
    },
    [saver],
  );

  useEffect(() => {
    moving.current = false;
  }, [imageId]);
  /** To the next (+1) or previous (-1) image, or once this one's neighbours are known. */
  const step = useCallback(
    (by: 1 | -1) => {
      if (!neighbors || moving.current) {
        pendingMoves.current += by;
        return;
      }
      const to = by > 0 ? neighbors.next : neighbors.prev;
      if (to === null) return;
      moving.current = true;
      void go(to);
    },
    [neighbors, go],
  );
  useEffect(() => {
    const n = pendingMoves.current;
    if (!neighbors || n === 0) return;
    const to = n > 0 ? neighbors.next : neighbors.prev;
    pendingMoves.current = to === null ? 0 : n - Math.sign(n);
    if (to === null) return;
    moving.current = true;
    void go(to);
  }, [neighbors, go]);

  const nextSuggestion = useCallback(async () => {
    try {
      const list = await api.call("suggestions.list", { limit: 500 });
      if (list.length === 0) {
        pushToast(
          "info",
          "No suggestions: every train image has labels. Train a model (T); its uncertainty picks what to label next.",
        );
        return;
      }
      // The queue in rank order, skipping images already worked on in this round: from a
      // suggested image to the next one ranked after it (then around to earlier ones), from any
      // other image to the first. (Not "the first one but this": that goes back and forth.)
      const at = list.findIndex((s) => s.imageId === imageId);
      const todo = (s: Suggestion) => !s.worked && s.imageId !== imageId;
      const pick = list.slice(at + 1).find(todo) ?? list.slice(0, Math.max(0, at)).find(todo);
      setQueue(list);
      if (!pick) {
        const n = `${list.length} suggested ${list.length === 1 ? "image" : "images"}`;
        pushToast(
          "info",
          at !== -1 && !list[at].worked
            ? `This is the last of the ${n} not done yet; then train again (T) for new suggestions.`
            : `All ${n} are done. Train again (T) for new suggestions.`,
        );
        return;
      }
      setLayers((ls) => ({ ...ls, uncertainty: { ...ls.uncertainty, visible: true } }));
      await go(pick.imageId);
    } catch (e) {
      toastError(e);
    }
  }, [api, imageId, go]);

  const pickClass = (idx: number) => {
    setClassIdx(idx);
    if (tool === "eraser" || tool === "accept") setTool("brush");
  };

  useKeydown((e) => {
    if (isTyping(e)) return;
    const k = e.key;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && (k === "z" || k === "Z")) {
      e.preventDefault();
      undoRedo(e.shiftKey ? "masks.redo" : "masks.undo");
      return;
    }
    if (mod && (k === "y" || k === "Y")) {
      e.preventDefault();
      undoRedo("masks.redo");
      return;
    }
    if (mod && k === "0") {
      e.preventDefault();
      canvasRef.current?.fit();
      return;
    }
    if (mod && k === "1") {
      e.preventDefault();
      canvasRef.current?.oneToOne();
      return;
    }
    if (mod || e.altKey) return;
    const shortcut = classes.find((c) => c.shortcut === k);
    if (shortcut) return pickClass(shortcut.idx);
    const toggle = (id: keyof LayerSettings) =>
      setLayers((ls) => ({ ...ls, [id]: { ...ls[id], visible: !ls[id].visible } }));
    switch (k) {
      case "b":
        return setTool("brush");
      case "e":
        return setTool("eraser");
      case "p":
        return setTool("polygon");
      case "a":
        return setTool("accept");
      case "[":
        return setBrushSize((s) => Math.max(1, Math.round(s / 1.25)));
      case "]":
        return setBrushSize((s) => Math.min(400, Math.max(s + 1, Math.round(s * 1.25))));
      case "f":
        return canvasRef.current?.fit();
      case "+":
      case "=":
        return canvasRef.current?.zoomBy(1.25);
      case "-":
        return canvasRef.current?.zoomBy(0.8);
      case "l":
        return toggle("labels");
      case "m":
        return toggle("accepted");
      case "k":
        return toggle("prediction");
      case "u":
        return toggle("uncertainty");
      case "i":
        return toggle("image");
      case "n":
        return void nextSuggestion();
      case "r":
        return stepRegion(1);
      case "R":
        return stepRegion(-1);
      case "ArrowRight":
      case "PageDown":
        return step(1);
      case "ArrowLeft":
      case "PageUp":
        return step(-1);
      case "Enter":
        return canvasRef.current?.closePolygon();
      case "Escape":
        canvasRef.current?.cancelPolygon();
        return;
      case "g":
        return void saver.flush().then(() => navigate({ screen: "browse" }));
      case "t":
        return onToggleTraining();
    }
  });

  const activeClass = classes.find((c) => c.idx === classIdx);
  const titleItem = loaded?.item ?? headerItem;
  const moveToSplit = async (split: Split) => {
    if (!titleItem) return;
    try {
      await api.call("images.setSplit", { ids: [titleItem.id], split });
      const item = await api.call("images.get", { id: titleItem.id });
      setHeaderItem(item);
      setLoaded((l) => (l && l.item.id === item.id ? { ...l, item } : l));
      setStats({ labeledPixels: item.labeledPixels, status: item.status });
    } catch (e) {
      toastError(e);
    }
  };

  return (
    <div className="screen label-screen">
      <Header>
        <button
          type="button"
          className="ghost"
          onClick={() => void saver.flush().then(() => navigate({ screen: "browse" }))}
          title="Back to the image grid (G)"
        >
          ← Images
        </button>
        <div className="image-title" data-testid="image-title">
          <strong>{titleItem?.name ?? "…"}</strong>
          {titleItem && (
            <span className="muted">
              {titleItem.width}×{titleItem.height} · {titleItem.split}
              {titleItem.bitDepth > 8 && (
                <span title="Shown and trained on with its 1st..99.8th percentile stretched to 0..255">
                  {` · ${titleItem.bitDepth}-bit, contrast-stretched`}
                </span>
              )}
              {neighbors && ` · ${neighbors.index + 1} of ${neighbors.total}`}
            </span>
          )}
        </div>
        <div className="nav-buttons">
          <button
            type="button"
            disabled={!neighbors?.prev}
            onClick={() => void go(neighbors?.prev ?? null)}
            title="Previous image (←)"
          >
            ‹ Prev
          </button>
          <button
            type="button"
            disabled={!neighbors?.next}
            onClick={() => void go(neighbors?.next ?? null)}
            title="Next image (→)"
          >
            Next ›
          </button>
          <button
            type="button"
            className="primary"
            data-testid="next-suggestion"
            onClick={() => void nextSuggestion()}
            title="Next suggested image not done yet in this round: unsure, and unlike what is labeled (N)"
          >
            Next suggestion <kbd>N</kbd>
          </button>
          {queue.length > 0 && (
            <span
              className="queue-progress"
              data-testid="queue-progress"
              title="Suggested images you have labeled, corrected or accepted since the last training picked them. When they are done, train again (T) for the next round."
            >
              {worked === queue.length
                ? `all ${queue.length} done: train again (T)`
                : `${worked} of ${queue.length} done`}
            </span>
          )}
        </div>
        <SaveBadge state={saver.state} lastSaved={saver.lastSaved} />
      </Header>
      <div className="label-body">
        <aside className="sidebar left">
          <ToolBar tool={tool} onTool={setTool} brushSize={brushSize} onBrushSize={setBrushSize} />
          <ClassPalette
            classes={classes}
            active={classIdx}
            onPick={pickClass}
            onAdd={async (c) => {
              const info = await attempt(api.call("classes.add", c));
              if (!info) return false;
              setProject(info);
              const added = info.classes.at(-1);
              if (added) {
                pickClass(added.idx);
                pushToast(
                  "info",
                  info.summary.models > 0
                    ? `Added ${added.name}. Models made before it do not predict it: train from scratch (not fine-tuning) to learn it.`
                    : `Added ${added.name}.`,
                );
              }
              return true;
            }}
            onUpdate={async (idx, c) => {
              const info = await attempt(api.call("classes.update", { idx, ...c }));
              if (info) setProject(info);
              return info !== undefined;
            }}
          />
        </aside>
        <main className="canvas-area">
          {loaded ? (
            <LabelCanvas
              ref={canvasRef}
              width={loaded.item.width}
              height={loaded.item.height}
              image={loaded.image}
              labels={loaded.labels}
              accepted={loaded.accepted}
              prediction={loaded.prediction}
              uncertainty={loaded.uncertainty}
              layers={layers}
              tool={tool}
              classIdx={classIdx}
              brushSize={brushSize}
              onStroke={onStroke}
              onAccept={onAccept}
              onZoom={setZoom}
              regions={regions}
              activeRegionId={activeRegion}
            />
          ) : (
            <div className="canvas-placeholder">
              {loadError
                ? `Could not open this image: ${loadError}. Its stored labels are kept.`
                : "Loading image…"}
            </div>
          )}
          <div className="canvas-hud">
            <span>
              {tool === "polygon"
                ? "Polygon: click to add points, double-click or Enter to fill, Esc to cancel"
                : tool === "accept"
                  ? loaded && !loaded.prediction
                    ? `Accept region: ${missing.hint}`
                    : "Click a predicted region to accept it as labels"
                  : `${tool === "eraser" ? "Eraser" : "Brush"} ${brushSize}px`}
              {activeClass && tool !== "eraser" && (
                <>
                  {" · "}
                  <span className="swatch inline" style={{ background: activeClass.color }} />{" "}
                  <span data-testid="active-class">{activeClass.name}</span>
                </>
              )}
            </span>
            <span className="zoom-controls">
              <button type="button" onClick={() => canvasRef.current?.fit()} title="Fit (F)">
                Fit
              </button>
              <button
                type="button"
                onClick={() => canvasRef.current?.oneToOne()}
                title="Actual pixels (Ctrl+1)"
              >
                1:1
              </button>
              <output data-testid="zoom">{Math.round(zoom * 100)}%</output>
            </span>
          </div>
        </main>
        <aside className="sidebar right">
          <LayerPanel
            layers={layers}
            onChange={setLayers}
            measure={measure}
            onMeasure={(m) => {
              setMeasure(m);
              setPredictionsVersion((v) => v + 1); // fetch the open image's layer by the new measure
            }}
            hints={{
              ...(loaded?.prediction ? {} : { prediction: missing.hint, uncertainty: missing.hint }),
              ...(loaded?.uncertaintyMissing ? { uncertainty: loaded.uncertaintyMissing } : {}),
            }}
            notShown={loaded ? undefined : loadError ? "the image is not shown" : "loading…"}
            available={{
              image: true,
              labels: true,
              accepted: acceptedPixels > 0,
              prediction: !!loaded?.prediction,
              uncertainty: !!loaded?.uncertainty,
            }}
          />
          <section className="panel" aria-label="Image">
            <h3>This image</h3>
            <dl className="facts">
              <dt>Status</dt>
              <dd data-testid="image-status">{stats?.status ?? "…"}</dd>
              <dt>Split</dt>
              <dd>
                <select
                  value={titleItem?.split ?? "train"}
                  disabled={!titleItem}
                  onChange={(e) => void moveToSplit(e.target.value as Split)}
                  aria-label="Split of this image"
                  title="train: the model learns from its labels · val: its labels measure the model (val mIoU) · test: kept apart (not trained on) · only train images are suggested"
                  data-testid="image-split"
                >
                  <option value="train">train</option>
                  <option value="val">val</option>
                  <option value="test">test</option>
                </select>
              </dd>
              <dt>Labeled</dt>
              <dd data-testid="labeled-pixels">
                {stats && titleItem
                  ? `${stats.labeledPixels.toLocaleString()} px (${((100 * stats.labeledPixels) / (titleItem.width * titleItem.height)).toFixed(2)}%)`
                  : "…"}
              </dd>
              <dt>Accepted</dt>
              <dd data-testid="accepted-pixels">{`${acceptedPixels.toLocaleString()} px from predictions`}</dd>
              <dt>Uncertainty</dt>
              <dd>{titleItem?.score != null ? titleItem.score.toFixed(3) : "no prediction yet"}</dd>
            </dl>
            <button
              type="button"
              className="ghost wide remove-image"
              data-testid="remove-image"
              disabled={!titleItem}
              onClick={() => setRemoving(true)}
              title="Take this image out of the project with its labels and predictions (the file stays on disk)"
            >
              Remove from project…
            </button>
          </section>
          <RegionsPanel
            regions={regions}
            prediction={loaded?.prediction ?? null}
            classes={classes}
            activeRegion={activeRegion}
            onShow={showRegion}
            onAccept={acceptRegion}
          />
          <section className="panel" aria-label="Accept predictions">
            <h3>Accept predictions</h3>
            <p className="hint">
              Turn the model&apos;s prediction into labels where it is sure. Accepted labels are hatched and
              kept apart from hand-drawn ones; painting over them makes them yours.
            </p>
            <div className="accept-row">
              <label>
                at least{" "}
                <input
                  type="number"
                  min={0}
                  max={100}
                  step={1}
                  value={acceptText}
                  data-testid="accept-confidence"
                  aria-label="Minimum confidence (percent, 0 to 100)"
                  aria-invalid={!acceptValid}
                  title="0 to 100 (0 accepts the whole prediction)"
                  onChange={(e) => setAcceptText(e.target.value)}
                  onBlur={() =>
                    // Left out of range: the nearest percentage that is (empty: the default).
                    setAcceptText(
                      String(
                        Number.isFinite(acceptPercent)
                          ? Math.min(100, Math.max(0, Math.round(acceptPercent)))
                          : DEFAULT_ACCEPT_PERCENT,
                      ),
                    )
                  }
                />
                % sure
              </label>
              <button
                type="button"
                data-testid="accept-confident"
                disabled={!loaded?.prediction || !acceptValid}
                title={
                  !loaded?.prediction
                    ? missing.text
                    : acceptValid
                      ? "Label every unlabeled pixel the model is this sure of"
                      : "Give a percentage from 0 to 100"
                }
                onClick={acceptConfident}
              >
                Accept
              </button>
            </div>
            <button
              type="button"
              className="ghost"
              data-testid="clear-accepted"
              disabled={acceptedPixels === 0}
              onClick={clearAccepted}
              title="Remove this image's accepted labels; hand-drawn labels stay"
            >
              Clear accepted
            </button>
          </section>
        </aside>
      </div>
      {removing && titleItem && (
        <RemoveImageDialog
          name={titleItem.name}
          labeledPixels={stats?.labeledPixels ?? titleItem.labeledPixels}
          onClose={() => setRemoving(false)}
          onRemove={async () => {
            await saver.flush();
            // Where to go next: the image after it, else the one before, else the grid.
            const next = neighbors?.next ?? neighbors?.prev ?? null;
            try {
              const r = await api.call("images.remove", { ids: [titleItem.id] });
              setRemoving(false);
              pushToast("info", `Removed ${r.names.join(", ")} from the project (the file stays on disk).`);
              navigate(next === null ? { screen: "browse" } : { screen: "image", id: next });
            } catch (e) {
              toastError(e);
            }
          }}
        />
      )}
    </div>
  );
}

/**
 * Why the open image has no prediction, and what is happening or what to do: in full (the accept
 * tools) and short (the layer list).
 */
export function noPrediction(t: TrainingStatus | null, models: number): { text: string; hint: string } {
  const running = t !== null && ["starting", "training", "predicting", "stopping"].includes(t.state);
  const u = t?.unpredicted;
  if (running && t.job === "predict-new") {
    const progress = t.totalSteps > 0 ? ` (${t.step} of ${t.totalSteps})` : "";
    return {
      text: `Imported after model ${u?.modelId ?? "?"}: predicting…${progress} Its prediction appears here when done; then accept its regions.`,
      hint: `imported after model ${u?.modelId ?? "?"}: predicting…`,
    };
  }
  if (running)
    return {
      text: "No prediction for this image yet: training is running, and its model predicts every image when done.",
      hint: "training: predicted when done",
    };
  if (models === 0 || !u || u.modelId === null)
    return {
      text: "No model yet: train one first (T), then accept its predicted regions.",
      hint: "no model yet: train first (T)",
    };
  if (u.refused)
    return { text: `No prediction for this image: ${u.refused}.`, hint: "no prediction: train again (T)" };
  return {
    text: `Not predicted with model ${u.modelId}: "Predict new images" in the training panel (T) predicts it.`,
    hint: `not predicted with model ${u.modelId}: training panel (T)`,
  };
}

/** The prediction's class and uncertainty layers (none before the image is predicted). */
function predictionLayers(
  pred: PredictionData | null,
  classes: ClassDef[],
): Pick<Loaded, "prediction" | "uncertainty" | "uncertaintyMissing"> {
  if (!pred) return { prediction: null, uncertainty: null, uncertaintyMissing: null };
  const n = pred.width * pred.height;
  return {
    prediction: new RasterLayer(
      pred.width,
      pred.height,
      classPalette(classes),
      decodeRleBase64(pred.classesRle, n),
    ),
    uncertainty: pred.uncertaintyRle
      ? new RasterLayer(pred.width, pred.height, heatPalette(), decodeRleBase64(pred.uncertaintyRle, n))
      : null,
    uncertaintyMissing: pred.uncertaintyMissing,
  };
}

function SaveBadge({ state, lastSaved }: { state: SaveState; lastSaved: Date | null }) {
  const text =
    state === "saving"
      ? "Saving…"
      : state === "error"
        ? "Not saved"
        : lastSaved
          ? "Saved"
          : "All changes saved";
  return (
    <div
      className={`save-badge ${state}`}
      data-testid="save-state"
      data-state={state}
      role="status"
      aria-live="polite"
      title={
        lastSaved
          ? `Last saved ${lastSaved.toLocaleTimeString()}`
          : "Every stroke is saved when you release it"
      }
    >
      <span className="dot" aria-hidden />
      {text}
    </div>
  );
}
