/**
 * Prev / Next between images as a pure reducer. Presses made while an image loads (its
 * neighbours not known yet) or while the move to it is under way are kept, and each is taken
 * in turn from the image it leads to once that image's neighbours arrive: three quick → from
 * image 1 land on image 4, not on 2.
 */
export interface Neighbors {
  prev: number | null;
  next: number | null;
  /** the open image's place in the list, from 0 */
  index: number;
  total: number;
}

export interface NavState {
  /** the image open */
  imageId: number;
  /** its neighbours, once known */
  neighbors: Neighbors | null;
  /** presses not taken yet: +n next, -n previous */
  pending: number;
  /** a move was started from this image */
  moving: boolean;
  /** the image to go to now (taken by the screen, then "went") */
  go: number | null;
}

export type NavAction =
  | { type: "open"; imageId: number }
  | { type: "neighbors"; of: number; neighbors: Neighbors }
  | { type: "step"; by: 1 | -1 }
  | { type: "went" };

export function initialNav(imageId: number): NavState {
  return { imageId, neighbors: null, pending: 0, moving: false, go: null };
}

export function navReducer(s: NavState, a: NavAction): NavState {
  switch (a.type) {
    case "open":
      if (a.imageId === s.imageId) return s;
      // Presses still pending carry over to the image opened.
      return { ...s, imageId: a.imageId, neighbors: null, moving: false, go: null };
    case "neighbors": {
      if (a.of !== s.imageId) return s; // the last image's, arriving late
      const next = { ...s, neighbors: a.neighbors };
      if (s.pending === 0 || s.moving) return next;
      const to = s.pending > 0 ? a.neighbors.next : a.neighbors.prev;
      if (to === null) return { ...next, pending: 0 };
      return { ...next, pending: s.pending - Math.sign(s.pending), moving: true, go: to };
    }
    case "step": {
      if (!s.neighbors || s.moving) return { ...s, pending: s.pending + a.by };
      const to = a.by > 0 ? s.neighbors.next : s.neighbors.prev;
      if (to === null) return s;
      return { ...s, moving: true, go: to };
    }
    case "went":
      return s.go === null ? s : { ...s, go: null };
  }
}
