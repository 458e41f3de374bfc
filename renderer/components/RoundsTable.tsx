import type { TrainingRound } from "../../app/common/api-types.ts";

/** The rounds so far: labels each model learned from, the time spent labeling, val mIoU. */
export function RoundsTable({ rounds }: { rounds: TrainingRound[] }) {
  return (
    <>
      <h3>Rounds</h3>
      {rounds.length === 0 ? (
        <p className="muted">No rounds yet.</p>
      ) : (
        <table className="rounds" data-testid="rounds">
          <thead>
            <tr>
              <th>#</th>
              <th>Started</th>
              <th>Status</th>
              <th title="Labeled pixels of the train images, which the model learned from: drawn by hand + accepted predictions (val labels are the held-out check and not counted)">
                Labels
              </th>
              <th title="The round's train labels by person (who set each labeled pixel last)">By person</th>
              <th title="Time spent labeling since the round before (from stroke times)">Labeling</th>
              <th title="Mean IoU on the labeled val images, at the best of training's checks on them. The same images chose that checkpoint, so it reads a little high; compare rounds with it.">
                val mIoU
              </th>
            </tr>
          </thead>
          <tbody>
            {rounds.map((r) => (
              <tr key={r.id}>
                <td>{r.id}</td>
                <td>
                  {new Date(r.startedAt).toLocaleString(undefined, {
                    dateStyle: "short",
                    timeStyle: "short",
                  })}
                </td>
                <td
                  title={
                    r.steps !== null
                      ? `${r.steps} steps${r.fineTuned ? ", continued from the model before (fine-tune)" : r.fineTuned === false ? ", from scratch" : ""}`
                      : undefined
                  }
                >
                  {/* stopped by the person, with the best checkpoint kept as its model */}
                  {r.status === "cancelled" && r.modelId !== null ? "stopped" : r.status}
                  {r.fineTuned ? " · fine-tune" : ""}
                </td>
                <td
                  title={
                    r.labels
                      ? `${r.labels.drawn.toLocaleString()} px drawn, ${r.labels.accepted.toLocaleString()} px accepted from predictions` +
                        (r.labels.scope === "all"
                          ? " (all images, val included: recorded before Pixelloop counted train images only)"
                          : "")
                      : undefined
                  }
                >
                  {r.labels
                    ? `${compact(r.labels.drawn)}${r.labels.accepted ? ` + ${compact(r.labels.accepted)}` : ""}${r.labels.scope === "all" ? "*" : ""}`
                    : "—"}
                </td>
                <td data-testid="round-people">
                  {r.labels?.byPerson?.length
                    ? r.labels.byPerson
                        .map((p) => `${p.person} ${compact(p.humanPixels + p.acceptedPixels)}`)
                        .join(" · ")
                    : "—"}
                </td>
                <td>{r.labels ? `${(r.labels.labelingSeconds / 60).toFixed(1)} min` : "—"}</td>
                <td>{r.valMiou !== null ? r.valMiou.toFixed(3) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** 1234 -> "1.2k", 1234567 -> "1.2M": pixel counts that fit a table cell. */
function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}
