import { DEFAULT_ACCEPT_PERCENT } from "./use-accept-tools.ts";

/** "Accept predictions": every unlabeled pixel at least this sure, and clearing accepted labels. */
export function AcceptPanel(props: {
  hasPrediction: boolean;
  /** why there is no prediction (the button's title) */
  missingText: string;
  acceptText: string;
  setAcceptText: (t: string) => void;
  acceptPercent: number;
  acceptValid: boolean;
  acceptedPixels: number;
  onAccept: () => void;
  onClear: () => void;
}) {
  const { acceptText, setAcceptText, acceptPercent, acceptValid } = props;
  return (
    <section className="panel" aria-label="Accept predictions">
      <h3>Accept predictions</h3>
      <p className="hint">
        Turn the model&apos;s prediction into labels where it is sure. Accepted labels are hatched and kept
        apart from hand-drawn ones; painting over them makes them yours.
      </p>
      <div className="accept-row">
        <label>
          at least{" "}
          <input
            type="number"
            min={0}
            max={100}
            step={1}
            value={acceptText}
            data-testid="accept-confidence"
            aria-label="Minimum confidence (percent, 0 to 100)"
            aria-invalid={!acceptValid}
            title="0 to 100 (0 accepts the whole prediction)"
            onChange={(e) => setAcceptText(e.target.value)}
            onBlur={() =>
              // Left out of range: the nearest percentage that is (empty: the default).
              setAcceptText(
                String(
                  Number.isFinite(acceptPercent)
                    ? Math.min(100, Math.max(0, Math.round(acceptPercent)))
                    : DEFAULT_ACCEPT_PERCENT,
                ),
              )
            }
          />
          % sure
        </label>
        <button
          type="button"
          data-testid="accept-confident"
          disabled={!props.hasPrediction || !acceptValid}
          title={
            !props.hasPrediction
              ? props.missingText
              : acceptValid
                ? "Label every unlabeled pixel the model is this sure of"
                : "Give a percentage from 0 to 100"
          }
          onClick={props.onAccept}
        >
          Accept
        </button>
      </div>
      <button
        type="button"
        className="ghost"
        data-testid="clear-accepted"
        disabled={props.acceptedPixels === 0}
        onClick={props.onClear}
        title="Remove this image's accepted labels; hand-drawn labels stay"
      >
        Clear accepted
      </button>
    </section>
  );
}
