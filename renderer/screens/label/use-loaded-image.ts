import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from "react";
import type { ClassDef, ImageItem, UncertaintyMeasure } from "../../../app/common/api-types.ts";
import { decodeRleBase64 } from "../../../app/common/wire.ts";
import type { UiApi } from "../../api/client.ts";
import { RasterLayer } from "../../canvas/raster.ts";
import { classPalette } from "../../canvas/palette.ts";
import { pushToast, toastError } from "../../state/toasts.ts";
import type { CanvasHandle } from "./LabelCanvas.tsx";
import { hatchLayer, loadImage, predictionLayers, type Loaded } from "./label-layers.ts";

export interface ImageStats {
  labeledPixels: number;
  status: string;
}

/**
 * The open image: its picture, labels and prediction layers (loaded whenever the image
 * changes; the prediction again when `predictionsVersion` moves on), what the header names
 * while it loads or when it cannot be shown, and its label counts.
 */
export function useLoadedImage(opts: {
  api: UiApi;
  imageId: number;
  classes: ClassDef[];
  palette: Uint32Array;
  measure: UncertaintyMeasure;
  predictionsVersion: number;
  canvasRef: RefObject<CanvasHandle | null>;
}) {
  const { api, imageId, classes, palette, measure, predictionsVersion, canvasRef } = opts;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [headerItem, setHeaderItem] = useState<ImageItem | null>(null);
  const [stats, setStatsState] = useState<ImageStats | null>(null);
  // Writes of the item (a split set) and of its counts (saves) made here, and the last item
  // written: an item or counts read before one are stale and must not put the old ones back.
  const itemWrites = useRef(0);
  const writtenItem = useRef<ImageItem | null>(null);
  const statsWrites = useRef(0);
  const setStats = useCallback((s: ImageStats) => {
    statsWrites.current++;
    setStatsState(s);
  }, []);
  const [acceptedPixels, setAcceptedPixels] = useState(0);
  const loadedRef = useRef(loaded);
  loadedRef.current = loaded;
  // Read by the loads through refs: a new measure or class list refetches nothing by itself.
  const measureRef = useRef(measure);
  measureRef.current = measure;
  const classesRef = useRef(classes);
  classesRef.current = classes;

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
  }, [api, canvasRef]);

  // Load image, mask and prediction whenever the image changes.
  useEffect(() => {
    let cancelled = false;
    const writes = itemWrites.current;
    setLoadError(null);
    setLoaded(null);
    setHeaderItem(null);
    // The name on its own: when the image cannot be shown, the header still says which one it is.
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
    // A file replaced by another picture of the same size opens, but its labels may not fit it.
    api
      .call("images.check", { id: imageId })
      .then((c) => {
        if (!cancelled && c.reason) pushToast("error", c.reason);
      })
      .catch(() => undefined);
    (async () => {
      const [read, mask, pred, image] = await Promise.all([
        itemCall,
        maskCall,
        api.call("predictions.get", { imageId, measure: measureRef.current }),
        loadImage(api.imageUrl(imageId)),
      ]);
      if (cancelled) return;
      // The split set while the picture loaded (from the header's item) is the image's now.
      const written = writtenItem.current;
      const item = itemWrites.current !== writes && written?.id === read.id ? written : read;
      // A file replaced by one of another size: painting would not line up with the stored labels.
      if (image.naturalWidth !== mask.width || image.naturalHeight !== mask.height)
        throw new Error(
          `${item.name}: image is ${image.naturalWidth}x${image.naturalHeight} now, ${mask.width}x${mask.height} when imported; put the original file back, or remove the image from the project and import the file again`,
        );
      const n = mask.width * mask.height;
      const cls = classesRef.current;
      const labels = new RasterLayer(
        mask.width,
        mask.height,
        classPalette(cls),
        decodeRleBase64(mask.classesRle, n),
      );
      const accepted = hatchLayer(null, mask);
      setAcceptedPixels(mask.acceptedPixels);
      setLoaded({ item, image, labels, accepted, ...predictionLayers(pred, cls), version: mask.version });
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
  }, [api, imageId, setStats]);

  // New predictions while the image is open: swap in its new prediction layers (only then: a
  // change of classes recolors them through the palette, below). The item read
  // with them is dropped when the item or its counts changed here meanwhile (a split set, a
  // stroke saved while the slower prediction was read): it would put the old ones back.
  useEffect(() => {
    if (predictionsVersion === 0) return;
    let cancelled = false;
    const l = loadedRef.current;
    if (!l) return;
    const writes = itemWrites.current;
    const counts = statsWrites.current;
    Promise.all([
      api.call("predictions.get", { imageId: l.item.id, measure: measureRef.current }),
      api.call("images.get", { id: l.item.id }),
    ])
      .then(([pred, item]) => {
        const now = loadedRef.current;
        if (cancelled || now?.item.id !== item.id) return;
        const fresh = itemWrites.current === writes;
        setLoaded({ ...now, ...(fresh ? { item } : {}), ...predictionLayers(pred, classesRef.current) });
        if (statsWrites.current === counts)
          setStats({ labeledPixels: item.labeledPixels, status: item.status });
      })
      .catch((e) => {
        if (!cancelled) toastError(e);
      });
    return () => {
      cancelled = true;
    };
  }, [api, predictionsVersion, setStats]);

  useEffect(() => {
    if (!loaded) return;
    loaded.labels.setPalette(palette);
    loaded.prediction?.setPalette(palette);
    canvasRef.current?.redraw();
  }, [palette, loaded, canvasRef]);

  /** The header's item: the loaded one, or while it loads (or cannot be) the one asked for. */
  const titleItem = loaded?.item ?? headerItem;
  /** The image's item changed (moved to another split): shown everywhere. */
  const setItem = useCallback(
    (item: ImageItem) => {
      itemWrites.current++;
      writtenItem.current = item;
      setHeaderItem(item);
      setLoaded((l) => (l && l.item.id === item.id ? { ...l, item } : l));
      setStats({ labeledPixels: item.labeledPixels, status: item.status });
    },
    [setStats],
  );
  return useMemo(
    () => ({
      loaded,
      loadedRef,
      loadError,
      titleItem,
      stats,
      setStats,
      acceptedPixels,
      setAcceptedPixels,
      reloadMask,
      setItem,
    }),
    [loaded, loadError, titleItem, stats, setStats, acceptedPixels, reloadMask, setItem],
  );
}
