import type { ImageItem, Split } from "../../../app/common/api-types.ts";
import type { ImageStats } from "./use-loaded-image.ts";

/** "This image": status, split (to change), labeled and accepted pixels, score; Remove. */
export function ImagePanel({
  item,
  stats,
  acceptedPixels,
  onSplit,
  onRemove,
}: {
  item: ImageItem | null;
  stats: ImageStats | null;
  acceptedPixels: number;
  onSplit: (s: Split) => void;
  onRemove: () => void;
}) {
  return (
    <section className="panel" aria-label="Image">
      <h3>This image</h3>
      <dl className="facts">
        <dt>Status</dt>
        <dd data-testid="image-status">{stats?.status ?? "…"}</dd>
        <dt>Split</dt>
        <dd>
          <select
            value={item?.split ?? "train"}
            disabled={!item}
            onChange={(e) => onSplit(e.target.value as Split)}
            aria-label="Split of this image"
            title="train: the model learns from its labels · val: its labels measure the model (val mIoU) · test: kept apart (not trained on) · only train images are suggested"
            data-testid="image-split"
          >
            <option value="train">train</option>
            <option value="val">val</option>
            <option value="test">test</option>
          </select>
        </dd>
        <dt>Labeled</dt>
        <dd data-testid="labeled-pixels">
          {stats && item
            ? `${stats.labeledPixels.toLocaleString()} px (${((100 * stats.labeledPixels) / (item.width * item.height)).toFixed(2)}%)`
            : "…"}
        </dd>
        <dt>Accepted</dt>
        <dd data-testid="accepted-pixels">{`${acceptedPixels.toLocaleString()} px from predictions`}</dd>
        <dt>Uncertainty</dt>
        <dd>{item?.score != null ? item.score.toFixed(3) : "no prediction yet"}</dd>
      </dl>
      <button
        type="button"
        className="ghost wide remove-image"
        data-testid="remove-image"
        disabled={!item}
        onClick={onRemove}
        title="Take this image out of the project with its labels and predictions (the file stays on disk)"
      >
        Remove from project…
      </button>
    </section>
  );
}
