import type { ImageItem, Suggestion } from "../../../app/common/api-types.ts";
import type { Neighbors } from "./navigation.ts";

/**
 * The label screen's header: back to the grid, which image this is (size, split, bit depth,
 * place in the list), Prev / Next, Next suggestion and how much of the round is done.
 */
export function ImageNav({
  item: titleItem,
  neighbors,
  queue,
  worked,
  onGrid,
  onGo,
  onNextSuggestion,
}: {
  item: ImageItem | null;
  neighbors: Neighbors | null;
  queue: Suggestion[];
  worked: number;
  onGrid: () => void;
  onGo: (id: number | null) => void;
  onNextSuggestion: () => void;
}) {
  return (
    <>
      <button type="button" className="ghost" onClick={onGrid} title="Back to the image grid (G)">
        ← Images
      </button>
      <div className="image-title" data-testid="image-title">
        <strong>{titleItem?.name ?? "…"}</strong>
        {titleItem && (
          <span className="muted">
            {titleItem.width}×{titleItem.height} · {titleItem.split}
            {titleItem.bitDepth > 8 && (
              <span title="Shown and trained on with its 1st..99.8th percentile stretched to 0..255">
                {` · ${titleItem.bitDepth}-bit, contrast-stretched`}
              </span>
            )}
            {neighbors && ` · ${neighbors.index + 1} of ${neighbors.total}`}
          </span>
        )}
      </div>
      <div className="nav-buttons">
        <button
          type="button"
          disabled={!neighbors?.prev}
          onClick={() => onGo(neighbors?.prev ?? null)}
          title="Previous image (←)"
        >
          ‹ Prev
        </button>
        <button
          type="button"
          disabled={!neighbors?.next}
          onClick={() => onGo(neighbors?.next ?? null)}
          title="Next image (→)"
        >
          Next ›
        </button>
        <button
          type="button"
          className="primary"
          data-testid="next-suggestion"
          onClick={onNextSuggestion}
          title="Next suggested image not done yet in this round: unsure, and unlike what is labeled (N)"
        >
          Next suggestion <kbd>N</kbd>
        </button>
        {queue.length > 0 && (
          <span
            className="queue-progress"
            data-testid="queue-progress"
            title="Suggested images you have labeled, corrected or accepted since the last training picked them. When they are done, train again (T) for the next round."
          >
            {worked === queue.length
              ? `all ${queue.length} done: train again (T)`
              : `${worked} of ${queue.length} done`}
          </span>
        )}
      </div>
    </>
  );
}
