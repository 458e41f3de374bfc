import type { BackgroundStatus, LiveStatus } from "../../../app/common/api-types.ts";
import { backgroundText } from "../../components/background-text.ts";

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

/** The last check of the preview against a network, as the panel says it. */
export function comparisonText(s: LiveStatus): string | null {
  const c = s.comparison;
  if (!c) return null;
  const where =
    c.on === "val"
      ? `${c.images} val ${c.images === 1 ? "image" : "images"}`
      : `${c.images} held-out ${c.images === 1 ? "image" : "images"}`;
  return `Checked on ${where}: preview ${c.preview.toFixed(3)}, network ${c.modelId} ${c.network.toFixed(3)} mIoU.`;
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
  background,
  onBackground,
}: {
  status: LiveStatus | null;
  /** background training (null: not known yet) */
  background: BackgroundStatus | null;
  onBackground: (enabled: boolean) => void;
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
        title="A fast pixel classifier learns your strokes as you paint (in the background) and shows its prediction within seconds; the network replaces it when it has predicted and checks better"
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
      {status && comparisonText(status) && (
        <p className="hint" data-testid="live-comparison">
          {comparisonText(status)}
        </p>
      )}
      <label
        className="check"
        title={`The network trains in rounds of ${background?.roundMinutes ?? 2} minutes on one core while you label, learning new strokes each round; the better of it and the preview is shown`}
      >
        <input
          type="checkbox"
          checked={background?.enabled ?? false}
          disabled={background === null}
          data-testid="background-toggle"
          onChange={(e) => onBackground(e.target.checked)}
        />
        <span>Train the network in the background</span>
      </label>
      {background?.enabled && (
        <p className="hint" data-testid="background-state">
          {backgroundText(background)}
        </p>
      )}
    </section>
  );
}
