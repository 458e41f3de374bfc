import { useCallback, useRef, useState, type RefObject } from "react";
import type { ClassDef, MaskChange, Suggestion } from "../../../app/common/api-types.ts";
import type { UiApi } from "../../api/client.ts";
import { pushToast } from "../../state/toasts.ts";
import type { CanvasHandle, StrokeOut } from "./LabelCanvas.tsx";
import { countNonZero, type Loaded } from "./label-layers.ts";

/** Minimum confidence for "accept confident", as the input shows it (percent). */
export const DEFAULT_ACCEPT_PERCENT = 90;

type Saver = { enqueue: (job: () => Promise<MaskChange>) => Promise<MaskChange | undefined> };

/**
 * The edits of the open image that go through the saver: strokes, the accept tools (a region
 * under a click, a suggested region, every pixel at least this sure), clearing accepted labels,
 * undo and redo. Each says what it did in a toast.
 */
export function useAcceptTools(opts: {
  api: UiApi;
  saver: Saver;
  classes: ClassDef[];
  loadedRef: RefObject<Loaded | null>;
  canvasRef: RefObject<CanvasHandle | null>;
  acceptedPixels: number;
  setAcceptedPixels: (n: number) => void;
  reloadMask: () => Promise<number | null>;
  /** why the open image has no prediction (the accept tool's answer to a click) */
  missingText: string;
}) {
  const { api, saver, classes, loadedRef, canvasRef, setAcceptedPixels, reloadMask } = opts;
  const acceptedCount = useRef(0);
  acceptedCount.current = opts.acceptedPixels;
  const missingRef = useRef(opts.missingText);
  missingRef.current = opts.missingText;
  // As typed (a field being cleared to type another number is not 0%); Accept waits for 0..100.
  const [acceptText, setAcceptText] = useState(String(DEFAULT_ACCEPT_PERCENT));
  const acceptPercent = acceptText.trim() === "" ? NaN : Number(acceptText);
  const acceptValid = Number.isFinite(acceptPercent) && acceptPercent >= 0 && acceptPercent <= 100;

  const onStroke = useCallback(
    (s: StrokeOut) => {
      const l = loadedRef.current;
      if (!l) return;
      void saver.enqueue(() => api.call("strokes.commit", { imageId: l.item.id, ...s }));
      // A stroke makes the pixels it covers hand-drawn (or erased): no longer accepted.
      if (l.accepted && acceptedCount.current > 0) {
        if (s.tool === "polygon") l.accepted.polygon(s.points, 0);
        else l.accepted.brush(s.points, s.width, 0, null, s.shape);
        canvasRef.current?.redrawLabels();
        setAcceptedPixels(countNonZero(l.accepted.values));
      }
    },
    [api, saver, loadedRef, canvasRef, setAcceptedPixels],
  );

  /** Accepts every unlabeled pixel of the prediction at least this sure (hand-drawn labels stay). */
  const acceptConfident = useCallback(() => {
    const l = loadedRef.current;
    if (!l?.prediction || l.predictionSource !== "network" || !acceptValid) return;
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
  }, [api, saver, reloadMask, acceptPercent, acceptValid, loadedRef]);

  /** Accepts the prediction on the unlabeled pixels inside a suggested region. */
  const acceptRegion = useCallback(
    (r: Suggestion["regions"][number], n: number) => {
      const l = loadedRef.current;
      if (!l?.prediction || l.predictionSource !== "network") return;
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
    [api, saver, reloadMask, loadedRef],
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
  }, [api, saver, reloadMask, loadedRef]);

  /** Accepts the predicted region under the click (accept tool), and says what it took. */
  const onAccept = useCallback(
    (x: number, y: number) => {
      const l = loadedRef.current;
      if (!l) return;
      // The live preview's prediction is shown, not accepted: accepting takes a network's.
      if (!l.prediction || l.predictionSource !== "network") {
        pushToast("info", missingRef.current);
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
    [api, saver, reloadMask, classes, loadedRef],
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
    [api, saver, reloadMask, loadedRef],
  );

  return {
    onStroke,
    acceptConfident,
    acceptRegion,
    clearAccepted,
    onAccept,
    undoRedo,
    acceptText,
    setAcceptText,
    acceptPercent,
    acceptValid,
  };
}
