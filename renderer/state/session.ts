/**
 * Whether this page's session with the server ended: the server answered 401 (it was restarted
 * and printed a new address with a new token, or the token is wrong). From then on the page shows
 * one calm full-page message (App: SessionEnded) instead of its screens, makes no more calls and
 * stops reconnecting its events socket: nothing it sends can succeed without the new address.
 */
import { useSyncExternalStore } from "react";

let ended = false;
const listeners = new Set<() => void>();

export function markSessionEnded(): void {
  if (ended) return;
  ended = true;
  listeners.forEach((l) => l());
}

export function sessionEnded(): boolean {
  return ended;
}

export function useSessionEnded(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => ended,
  );
}
