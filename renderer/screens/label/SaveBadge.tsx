import type { SaveState } from "./use-saver.ts";

/** Whether every edit is in the project file: "Saving…", "Saved", "Not saved". */
export function SaveBadge({ state, lastSaved }: { state: SaveState; lastSaved: Date | null }) {
  const text =
    state === "saving"
      ? "Saving…"
      : state === "error"
        ? "Not saved"
        : lastSaved
          ? "Saved"
          : "All changes saved";
  return (
    <div
      className={`save-badge ${state}`}
      data-testid="save-state"
      data-state={state}
      role="status"
      aria-live="polite"
      title={
        lastSaved
          ? `Last saved ${lastSaved.toLocaleTimeString()}`
          : "Every stroke is saved when you release it"
      }
    >
      <span className="dot" aria-hidden />
      {text}
    </div>
  );
}
