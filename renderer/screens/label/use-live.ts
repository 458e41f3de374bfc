import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiEvent, LiveStatus } from "../../../app/common/api-types.ts";
import type { UiApi } from "../../api/client.ts";
import { toastError } from "../../state/toasts.ts";

/**
 * Live mode for the open image (docs/live.md): tells the server which image is open (the preview
 * predicts it first), follows the live status, and counts the preview's new predictions of the
 * open image, so its layers are fetched again (`previewVersion`). Painting and saving never wait
 * on any of it: the preview retrains in a worker after each saved stroke.
 */
export function useLive(api: UiApi, imageId: number, onEvent: (l: (e: ApiEvent) => void) => () => void) {
  const [status, setStatus] = useState<LiveStatus | null>(null);
  const [previewVersion, setPreviewVersion] = useState(0);
  useEffect(
    () =>
      onEvent((e) => {
        if (e.type === "live.status") setStatus(e.status);
        else if (e.type === "preview.predicted" && e.imageId === imageId) setPreviewVersion((v) => v + 1);
      }),
    [onEvent, imageId],
  );
  // The server turned the preview on or off (a check found the other model better): the open
  // image's layers are fetched again from the model now shown.
  const shownEnabled = status?.enabled;
  const seen = useRef<boolean | undefined>(undefined);
  useEffect(() => {
    if (seen.current !== undefined && shownEnabled !== undefined && seen.current !== shownEnabled)
      setPreviewVersion((v) => v + 1);
    seen.current = shownEnabled;
  }, [shownEnabled]);
  useEffect(() => {
    let cancelled = false;
    api
      .call("live.set", { imageId })
      .then((s) => {
        if (!cancelled) setStatus(s);
      })
      .catch(toastError);
    return () => {
      cancelled = true;
    };
  }, [api, imageId]);
  const setEnabled = useCallback(
    (enabled: boolean) => {
      api
        .call("live.set", { enabled })
        .then((s) => {
          setStatus(s);
          // Off: the preview's layers give way to a network's (or none); on: the preview's come back.
          setPreviewVersion((v) => v + 1);
        })
        .catch(toastError);
    },
    [api],
  );
  return { status, previewVersion, setEnabled };
}
