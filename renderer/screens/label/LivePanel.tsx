import type { LiveStatus } from "../../../app/common/api-types.ts";

/** What the live status line says: what the preview does now, or how fast it last answered. */
export function liveStateText(s: LiveStatus): string {
  if (!s.enabled) return "Off: strokes do not retrain the preview.";
  switch (s.state) {
    case "training":
      return "Learning your strokes…";
    case "predicting":
      return "Predicting this image and its neighbours…";
    case "waiting":
    case "failed":
      return s.message ?? s.state;
    default:
      if (!s.classifier) return "Scribble two classes: the preview appears within seconds.";
      return s.lastRefreshMs !== null
        ? `Up to date (${(s.lastRefreshMs / 1000).toFixed(1)} s after the last stroke).`
        : "Up to date.";
  }
}

/**
 * "Live": the preview classifier toggle and which model's prediction the screen shows. On by
 * default while the project has no network model.
 */
export function LivePanel({
  status,
  shownModel,
  madeAt,
  onToggle,
}: {
  status: LiveStatus | null;
  /** "network N", "preview classifier", or null when the image has no prediction */
  shownModel: string | null;
  /** when the shown prediction was stored (changes at each refresh) */
  madeAt: string | null;
  onToggle: (enabled: boolean) => void;
}) {
  return (
    <section className="panel" aria-label="Live preview">
      <h3>Live preview</h3>
      <label
        className="check"
        title="A fast pixel classifier learns your strokes as you paint (in the background) and shows its prediction within seconds; the network replaces it when it has predicted"
      >
        <input
          type="checkbox"
          checked={status?.enabled ?? false}
          disabled={status === null}
          data-testid="live-toggle"
          onChange={(e) => onToggle(e.target.checked)}
        />
        <span>Update the prediction as I paint</span>
      </label>
      <p className="hint" data-testid="shown-model" data-made-at={madeAt ?? ""}>
        {shownModel ? `Showing: ${shownModel}` : "Showing: no prediction yet"}
      </p>
      {status && (
        <p className="hint" data-testid="live-state">
          {liveStateText(status)}
        </p>
      )}
    </section>
  );
}
