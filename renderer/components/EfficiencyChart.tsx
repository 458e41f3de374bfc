import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { TrainingRound } from "../../app/common/api-types.ts";
import { efficiencyData, efficiencyPoints } from "./efficiency.ts";

/**
 * Label efficiency: val mIoU per round against the labeled pixels its model learned from, once
 * against the hand-drawn ones and once with the accepted predictions added, so what accepting
 * bought is seen apart from what drawing did.
 */
export function EfficiencyChart({ rounds, width }: { rounds: TrainingRound[]; width: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const points = efficiencyPoints(rounds);
  const data = efficiencyData(points);
  const dataKey = JSON.stringify(data);

  useEffect(() => {
    const d = JSON.parse(dataKey) as uPlot.AlignedData;
    if (!box.current || d[0].length === 0) return;
    plot.current?.destroy();
    const axisStyle = { stroke: "#9aa4b2", grid: { stroke: "#2a3140" }, ticks: { stroke: "#2a3140" } };
    plot.current = new uPlot(
      {
        width,
        height: 180,
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [
          {
            ...axisStyle,
            label: "labeled train pixels",
            values: (_u, ticks) =>
              ticks.map((t) => (t >= 1e6 ? `${t / 1e6}M` : t >= 1e3 ? `${t / 1e3}k` : `${t}`)),
          },
          { ...axisStyle, label: "val mIoU" },
        ],
        series: [
          { label: "pixels" },
          {
            label: "hand-drawn",
            stroke: "#4fc3f7",
            width: 2,
            points: { show: true, size: 7 },
            spanGaps: true,
          },
          {
            label: "drawn + accepted",
            stroke: "#ffb74d",
            width: 2,
            dash: [5, 4],
            points: { show: true, size: 7 },
            spanGaps: true,
          },
        ],
        legend: { show: true },
      },
      d,
      box.current,
    );
  }, [dataKey, width]);

  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  if (points.length === 0) return null;
  return (
    <>
      <h3 title="Each round's val mIoU against the train pixels its model learned from: hand-drawn, and with the accepted predictions added">
        Label efficiency
      </h3>
      <div
        ref={box}
        className="efficiency-chart"
        data-testid="efficiency-chart"
        data-points={points.length}
      />
    </>
  );
}
