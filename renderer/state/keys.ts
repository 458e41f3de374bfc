import { useEffect, useRef } from "react";

/** True when a key press belongs to a text field, not to the app's shortcuts. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t) return false;
  const tag = t.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable;
}

/** Global keydown handler (latest closure always used); skipped while a modal dialog is open. */
export function useKeydown(handler: (e: KeyboardEvent) => void, opts: { whileModal?: boolean } = {}): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const on = (e: KeyboardEvent) => {
      if (!opts.whileModal && document.querySelector("[data-modal-open]")) return;
      ref.current(e);
    };
    window.addEventListener("keydown", on);
    return () => window.removeEventListener("keydown", on);
  }, [opts.whileModal]);
}
