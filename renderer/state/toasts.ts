import { useSyncExternalStore } from "react";
import { sessionEnded } from "./session.ts";

export interface Toast {
  id: number;
  kind: "error" | "info" | "success";
  text: string;
}

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

export function dismissToast(id: number): void {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

export function pushToast(kind: Toast["kind"], text: string): void {
  const id = nextId++;
  toasts = [...toasts.filter((t) => t.text !== text), { id, kind, text }].slice(-5);
  emit();
  setTimeout(() => dismissToast(id), kind === "error" ? 9000 : 3500);
}

export function toastError(e: unknown): void {
  // The session ended (the server restarted): the page says so once, in full, not call by call.
  if (sessionEnded()) return;
  pushToast("error", e instanceof Error ? e.message : String(e));
}

export function useToasts(): Toast[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => toasts,
  );
}
