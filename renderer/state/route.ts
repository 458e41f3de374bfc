import { useEffect, useState } from "react";

/** Screens are addressed by the location hash, so a reload comes back to the same place. */
export type Route = { screen: "start" } | { screen: "browse" } | { screen: "image"; id: number };

export function parseRoute(hash: string): Route {
  const m = /^#\/image\/(\d+)$/.exec(hash);
  if (m) return { screen: "image", id: Number(m[1]) };
  if (hash === "#/browse") return { screen: "browse" };
  return { screen: "start" };
}

export function routeHash(r: Route): string {
  return r.screen === "image" ? `#/image/${r.id}` : r.screen === "browse" ? "#/browse" : "#/";
}

export function navigate(r: Route): void {
  const h = routeHash(r);
  if (location.hash !== h) location.hash = h;
}

/** The image the labeling screen showed last, so that the grid comes back to its tile. */
let lastImageId: number | null = null;

/** The image shown last on the labeling screen, once (the grid asks when it opens). */
export function takeLastImage(): number | null {
  const id = lastImageId;
  lastImageId = null;
  return id;
}

function current(): Route {
  const r = parseRoute(location.hash);
  if (r.screen === "image") lastImageId = r.id;
  else if (r.screen === "start") lastImageId = null;
  return r;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const on = () => setRoute(current());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** The next labeling screen opened starts with the uncertainty layer on ("Label next suggested"). */
let uncertaintyOn = false;

/** Opens an image of the suggestion queue as N on the labeling screen does: uncertainty layer on. */
export function openSuggested(id: number): void {
  uncertaintyOn = true;
  navigate({ screen: "image", id });
}

/**
 * Whether the labeling screen opening now should show the uncertainty layer. Read, not cleared:
 * React may call a state initializer twice; the screen clears it once mounted (clearUncertaintyOn).
 */
export function uncertaintyOnAtOpen(): boolean {
  return uncertaintyOn;
}

export function clearUncertaintyOn(): void {
  uncertaintyOn = false;
}
