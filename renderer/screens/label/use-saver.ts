import { useCallback, useRef, useState } from "react";
import type { MaskChange } from "../../../app/common/api-types.ts";
import { toastError } from "../../state/toasts.ts";

export type SaveState = "saved" | "saving" | "error";

/**
 * Saves edits one after another, in the order they were made. The state says whether every
 * edit made so far is in the project file ("saved"), some are on their way, or one failed
 * (then `onFailure` reloads the layer from the store, so the screen shows what is saved).
 */
export function useSaver(onSaved: (c: MaskChange) => void, onFailure: () => void) {
  const [state, setState] = useState<SaveState>("saved");
  const [lastSaved, setLastSaved] = useState<Date | null>(null);
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  const pending = useRef(0);
  const failed = useRef(false);
  const cbs = useRef({ onSaved, onFailure });
  cbs.current = { onSaved, onFailure };

  const enqueue = useCallback((job: () => Promise<MaskChange>): Promise<MaskChange | undefined> => {
    pending.current++;
    setState("saving");
    const run = chain.current.then(async () => {
      try {
        const change = await job();
        cbs.current.onSaved(change);
        return change;
      } catch (e) {
        failed.current = true;
        toastError(e);
        cbs.current.onFailure();
        return undefined;
      } finally {
        pending.current--;
        if (pending.current === 0) {
          setState(failed.current ? "error" : "saved");
          if (!failed.current) setLastSaved(new Date());
          failed.current = false;
        }
      }
    });
    chain.current = run;
    return run;
  }, []);

  /** Resolves once every queued edit has been answered. */
  const flush = useCallback(() => chain.current, []);

  const reset = useCallback(() => setState("saved"), []);

  /** Edits queued or being saved, not answered yet. */
  const busy = useCallback(() => pending.current > 0, []);

  return { state, lastSaved, enqueue, flush, reset, busy };
}
