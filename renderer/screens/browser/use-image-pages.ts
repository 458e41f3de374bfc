import { useCallback, useEffect, useRef, useState } from "react";
import type { ImageItem, ImageSort, ImageStatus, Split } from "../../../app/common/api-types.ts";
import type { UiApi } from "../../api/client.ts";
import { toastError } from "../../state/toasts.ts";

export interface ImageQuery {
  sort: ImageSort;
  status?: ImageStatus;
  split?: Split;
  search?: string;
}

const PAGE = 150;

/**
 * The image list as pages fetched on demand: the grid asks for the items it shows, so a
 * project of 10,000 images costs a few small requests, not one large one. `reloadKey` changes
 * whenever the list must be fetched again (events, another project open).
 */
export function useImagePages(api: UiApi, query: ImageQuery, reloadKey: string) {
  const [total, setTotal] = useState<number | null>(null);
  const [pages, setPages] = useState<Map<number, ImageItem[]>>(new Map());
  const inflight = useRef(new Set<number>());
  const generation = useRef(0);

  const fetchPage = useCallback(
    async (p: number) => {
      if (inflight.current.has(p)) return;
      inflight.current.add(p);
      const gen = generation.current;
      try {
        const r = await api.call("images.list", { ...query, offset: p * PAGE, limit: PAGE });
        if (gen !== generation.current) return;
        setTotal(r.total);
        setPages((old) => new Map(old).set(p, r.items));
      } catch (e) {
        toastError(e);
      } finally {
        inflight.current.delete(p);
      }
    },
    [api, query],
  );

  useEffect(() => {
    generation.current++;
    inflight.current.clear();
    setPages(new Map());
    void fetchPage(0);
  }, [fetchPage, reloadKey]);

  /** Makes sure the items in [from, to] are loaded (or on their way). */
  const ensure = useCallback(
    (from: number, to: number) => {
      for (let p = Math.floor(Math.max(0, from) / PAGE); p <= Math.floor(Math.max(0, to) / PAGE); p++) {
        if (!pages.has(p)) void fetchPage(p);
      }
    },
    [pages, fetchPage],
  );

  const item = useCallback(
    (i: number): ImageItem | undefined => pages.get(Math.floor(i / PAGE))?.[i % PAGE],
    [pages],
  );

  return { total, item, ensure };
}
