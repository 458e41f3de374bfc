import type { ClassDef, TrainingRound } from "../../app/common/api-types.ts";

/**
 * Val IoU per class of the latest round that has one, with the change since the round before it:
 * which classes the model gets wrong, so the next labels go there.
 */
export function ClassIou({ rounds, classes }: { rounds: TrainingRound[]; classes: ClassDef[] }) {
  const measured = rounds.filter((r) => r.classIou !== null && r.modelId !== null); // newest first
  const [latest, before] = measured;
  if (!latest?.classIou) return null;
  const rows = classes
    .filter((c) => !c.deleted)
    .map((c) => ({
      c,
      iou: latest.classIou![c.idx] ?? null,
      prev: before?.classIou?.[c.idx] ?? null,
    }));
  const lowest = Math.min(...rows.map((r) => r.iou ?? Infinity));
  return (
    <section className="class-iou" data-testid="class-iou">
      <h3 title="IoU per class on the labeled val images, at the checkpoint training kept">
        Per class, model {latest.modelId}
        {before ? <span className="muted"> (change since model {before.modelId})</span> : null}
      </h3>
      {rows.map(({ c, iou, prev }) => (
        <div
          className={iou !== null && iou === lowest ? "class-iou-row weakest" : "class-iou-row"}
          key={c.idx}
          title={
            iou === null ? `${c.name}: no val labels of this class (label some on a val image)` : undefined
          }
        >
          <span className="swatch" style={{ background: c.color }} />
          <span className="name">{c.name}</span>
          <span className="bar">
            <span style={{ width: `${Math.round((iou ?? 0) * 100)}%` }} />
          </span>
          <span className="value">{iou === null ? "—" : iou.toFixed(2)}</span>
          <span className="delta">{iou !== null && prev !== null ? signedChange(iou - prev) : ""}</span>
        </div>
      ))}
    </section>
  );
}

/** "+0.03", "−0.12"; a change that rounds to zero is "±0.00", never "−0.00". */
export function signedChange(d: number): string {
  const shown = Math.abs(d).toFixed(2);
  if (shown === "0.00") return "±0.00";
  return `${d > 0 ? "+" : "−"}${shown}`;
}
