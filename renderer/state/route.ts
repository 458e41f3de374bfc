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

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
