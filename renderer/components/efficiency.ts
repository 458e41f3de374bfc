import type { TrainingRound } from "../../app/common/api-types.ts";

/** One round on the label-efficiency plot: the labels its model learned from, and its val mIoU. */
export interface EfficiencyPoint {
  round: number;
  /** train pixels labeled by hand */
  drawn: number;
  /** ... and accepted from predictions, on top */
  total: number;
  miou: number;
}

/** The rounds with a val mIoU and a label record, oldest first. */
export function efficiencyPoints(rounds: TrainingRound[]): EfficiencyPoint[] {
  return rounds
    .filter((r) => r.valMiou !== null && r.labels !== null)
    .sort((a, b) => a.id - b.id)
    .map((r) => ({
      round: r.id,
      drawn: r.labels!.drawn,
      total: r.labels!.drawn + r.labels!.accepted,
      miou: r.valMiou!,
    }));
}

/**
 * uPlot's aligned data for the plot: x = labeled pixels (every value either series takes), one
 * series of val mIoU against the hand-drawn pixels, one against drawn + accepted (gaps elsewhere).
 */
export function efficiencyData(points: EfficiencyPoint[]): [number[], (number | null)[], (number | null)[]] {
  const xs = [...new Set(points.flatMap((p) => [p.drawn, p.total]))].sort((a, b) => a - b);
  const at = (key: "drawn" | "total") => {
    const m = new Map(points.map((p) => [p[key], p.miou]));
    return xs.map((x) => m.get(x) ?? null);
  };
  return [xs, at("drawn"), at("total")];
}
