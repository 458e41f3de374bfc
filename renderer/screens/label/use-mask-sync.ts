import { useCallback, useEffect, useRef, type RefObject } from "react";
import type { ApiEvent, MaskChange } from "../../../app/common/api-types.ts";
import type { UiApi } from "../../api/client.ts";
import type { CanvasHandle } from "./LabelCanvas.tsx";
import type { ImageStats } from "./use-loaded-image.ts";
import type { Loaded } from "./label-layers.ts";
import { useSaver } from "./use-saver.ts";

/**
 * Saving the open image's edits in order (use-saver.ts), and keeping its label layer in step
 * with the store: when its labels changed elsewhere (the CLI, another window) the stored layer
 * is shown, unless this window has edits of its own not saved yet or a stroke under way; then it
 * is reloaded once they are saved. Another queued image's change counts in "k of n done".
 * When the events socket opens again (or first opens after the image loaded), the stored layer is
 * read again the same way: changes made while it was closed sent events that never arrived.
 */
export function useMaskSync(opts: {
  api: UiApi;
  imageId: number;
  onEvent: (l: (e: ApiEvent) => void) => () => void;
  /** AppState.opens: how many times the events socket has opened */
  opens: number;
  loadedRef: RefObject<Loaded | null>;
  canvasRef: RefObject<CanvasHandle | null>;
  reloadMask: () => Promise<number | null>;
  setStats: (s: ImageStats) => void;
  touched: (imageId: number) => void;
  isQueued: (imageId: number) => boolean;
}) {
  const { api, imageId, onEvent, opens, loadedRef, canvasRef, reloadMask, setStats, touched, isQueued } =
    opts;
  /** the open image's stored labels changed elsewhere since this window last read them */
  const staleMask = useRef(false);
  const onSaved = useCallback(
    (c: MaskChange) => {
      const l = loadedRef.current;
      if (l && l.item.id === c.imageId) {
        // A save makes the next version: one further on, another process changed it meanwhile.
        if (c.changed && c.version !== l.version + 1) staleMask.current = true;
        l.version = c.version;
      }
      setStats({ labeledPixels: c.labeledPixels, status: c.status });
      touched(c.imageId);
    },
    [loadedRef, setStats, touched],
  );
  const saver = useSaver(onSaved, () => void reloadMask());

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
  }, [api, reloadMask, saverBusy, canvasRef, loadedRef, setStats]);
  useEffect(
    () =>
      onEvent((e) => {
        if (e.type !== "mask.changed") return;
        const l = loadedRef.current;
        if (l && l.item.id === e.imageId && e.version > l.version && !saverBusy()) {
          staleMask.current = true;
          reloadIfStale();
        }
        if (isQueued(e.imageId) && (e.imageId !== l?.item.id || e.version > l.version)) touched(e.imageId);
      }),
    [onEvent, reloadIfStale, saverBusy, loadedRef, isQueued, touched],
  );
  const opensAtMount = useRef(opens);
  useEffect(() => {
    if (opens === opensAtMount.current) return;
    staleMask.current = true;
    reloadIfStale();
  }, [opens, reloadIfStale]);
  useEffect(() => {
    if (saver.state === "saved") reloadIfStale();
  }, [saver.state, reloadIfStale]);
  useEffect(() => {
    staleMask.current = false;
  }, [imageId]);
  return saver;
}
