import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Suggestion } from "../../../app/common/api-types.ts";
import type { UiApi } from "../../api/client.ts";

/**
 * The suggestion queue: the open image's suggested regions, and how much of the round is done.
 * Fetched again when the image or the predictions change, and after `touched` (a save on a
 * queued image, here or elsewhere), and when the events socket opens again (`opens`,
 * AppState.opens: saves made elsewhere meanwhile sent events that never arrived).
 */
export function useQueue(api: UiApi, imageId: number, predictionsVersion: number, opens: number) {
  const [queue, setQueue] = useState<Suggestion[]>([]);
  const [queueVersion, setQueueVersion] = useState(0);
  const queued = useRef(new Set<number>());
  queued.current = new Set(queue.map((s) => s.imageId));
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
  }, [api, imageId, predictionsVersion, queueVersion, opens]);
  const regions = useMemo(() => queue.find((s) => s.imageId === imageId)?.regions ?? [], [queue, imageId]);
  /** Counts a change of this image's labels in "k of n done" when it is queued. */
  const touched = useCallback((id: number) => {
    if (queued.current.has(id)) setQueueVersion((v) => v + 1);
  }, []);
  const isQueued = useCallback((id: number) => queued.current.has(id), []);
  const worked = queue.filter((s) => s.worked).length;
  return { queue, setQueue, regions, worked, touched, isQueued };
}
