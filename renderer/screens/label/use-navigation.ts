import { useCallback, useEffect, useReducer } from "react";
import type { UiApi } from "../../api/client.ts";
import { navigate } from "../../state/route.ts";
import { initialNav, navReducer, type Neighbors } from "./navigation.ts";

/**
 * Prev / Next for the open image (navigation.ts keeps the presses), and `go` to any image once
 * the edits made here are saved.
 */
export function useNavigation(api: UiApi, imageId: number, flush: () => Promise<unknown>) {
  const [nav, dispatch] = useReducer(navReducer, imageId, initialNav);
  useEffect(() => dispatch({ type: "open", imageId }), [imageId]);
  useEffect(() => {
    let live = true;
    api
      .call("images.neighbors", { id: imageId })
      .then((nb) => {
        if (live) dispatch({ type: "neighbors", of: imageId, neighbors: nb });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [api, imageId]);

  const go = useCallback(
    async (id: number | null) => {
      if (id === null) return;
      await flush();
      navigate({ screen: "image", id });
    },
    [flush],
  );
  useEffect(() => {
    if (nav.go === null) return;
    dispatch({ type: "went" });
    void go(nav.go);
  }, [nav.go, go]);

  const step = useCallback((by: 1 | -1) => dispatch({ type: "step", by }), []);
  // The open image's neighbours only: the last image's, while this one's load, would lead back.
  const neighbors: Neighbors | null = nav.imageId === imageId ? nav.neighbors : null;
  return { neighbors, go, step };
}
