import { useMemo } from "react";
import type { ClassDef, Suggestion } from "../../../app/common/api-types.ts";
import type { RasterLayer } from "../../canvas/raster.ts";
import { regionMix } from "./region-mix.ts";

type Region = Suggestion["regions"][number];

/**
 * The open image's suggested regions: what the model predicts in each, a button to zoom to it
 * (R walks them) and one to accept its prediction. Nothing when the image has none.
 */
export function RegionsPanel(props: {
  regions: Region[];
  prediction: RasterLayer | null;
  classes: ClassDef[];
  activeRegion: number | null;
  onShow: (r: Region) => void;
  /** n: the region's number as listed (1 = first) */
  onAccept: (r: Region, n: number) => void;
}) {
  const { regions, prediction, classes } = props;
  const mixes = useMemo(
    () => (prediction ? regions.map((r) => regionMix(prediction.values, prediction.width, r)) : []),
    [regions, prediction],
  );
  if (regions.length === 0) return null;
  const name = (idx: number) => classes.find((c) => c.idx === idx)?.name ?? `class ${idx}`;
  return (
    <section className="panel" aria-label="Suggested regions">
      <h3>Suggested regions</h3>
      <p className="hint">
        Where the model is least sure. Look (R shows the next), then scribble there, or accept the prediction
        inside and paint over what it got wrong.
      </p>
      <ol className="region-list">
        {regions.map((r, i) => (
          <li
            key={r.id}
            data-testid="region-row"
            className={r.id === props.activeRegion ? "active" : undefined}
          >
            <span className="region-name">
              {i + 1} · {r.width}×{r.height}
            </span>
            <button type="button" className="ghost" onClick={() => props.onShow(r)} title="Zoom to it (R)">
              Show
            </button>
            <button
              type="button"
              data-testid="accept-region"
              disabled={!prediction}
              onClick={() => props.onAccept(r, i + 1)}
              title={
                prediction ? "Label the unlabeled pixels inside it with the prediction" : "No prediction yet"
              }
            >
              Accept
            </button>
            {mixes[i]?.length > 0 && (
              <span className="region-mix" data-testid="region-mix">
                {mixes[i]
                  .slice(0, 2)
                  .map((m) => `${name(m.classIdx)} ${Math.round(100 * m.share)}%`)
                  .join(" · ")}
              </span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
