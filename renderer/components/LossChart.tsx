import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { TrainingStatus } from "../../app/common/api-types.ts";

const STEP_INCREMENTS = [1, 2, 5]
  .flatMap((m) => [1, 10, 100, 1000, 10_000, 100_000].map((p) => m * p))
  .sort((a, b) => a - b);

const COLORS = ["#4fc3f7", "#ffb74d", "#ba68c8", "#81c784", "#e57373", "#fff176"];

/** Loss per term (left axis) and validation mIoU (right axis, 0..1) against the step. */
export function LossChart({ status, width }: { status: TrainingStatus; width: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const termsKey = useRef("");

  useEffect(() => {
    const terms = [...new Set(status.losses.flatMap((p) => Object.keys(p.losses)))];
    const steps = status.losses.map((p) => p.step);
    const miouAt = new Map(status.valMiou.map((m) => [m.step, m.miou]));
    for (const m of status.valMiou) if (!steps.includes(m.step)) steps.push(m.step);
    steps.sort((a, b) => a - b);
    const byStep = new Map(status.losses.map((p) => [p.step, p.losses]));
    const data: uPlot.AlignedData = [
      steps,
      ...terms.map((t) => steps.map((s) => byStep.get(s)?.[t] ?? null)),
      steps.map((s) => miouAt.get(s) ?? null),
    ];
    const key = terms.join("|") + `@${width}`;
    if (!plot.current || key !== termsKey.current) {
      plot.current?.destroy();
      termsKey.current = key;
      const axisStyle = { stroke: "#9aa4b2", grid: { stroke: "#2a3140" }, ticks: { stroke: "#2a3140" } };
      plot.current = new uPlot(
        {
          width,
          height: 200,
          scales: { x: { time: false }, miou: { range: [0, 1] } },
          axes: [
            // Steps are whole numbers: ticks at 1, 2, 5 x 10^k only.
            { ...axisStyle, label: "step", incrs: STEP_INCREMENTS },
            { ...axisStyle, label: "loss" },
            { ...axisStyle, scale: "miou", side: 1, label: "val mIoU", grid: { show: false } },
          ],
          series: [
            { label: "step" },
            ...terms.map((t, i) => ({
              label: t,
              stroke: COLORS[i % COLORS.length],
              width: 1.5,
              spanGaps: true,
            })),
            {
              label: "val mIoU",
              scale: "miou",
              stroke: "#ffffff",
              width: 2,
              dash: [4, 3],
              points: { show: true },
              spanGaps: true,
            },
          ],
          legend: { show: true },
        },
        data,
        box.current!,
      );
    } else {
      plot.current.setData(data);
    }
  }, [status, width]);

  useEffect(
    () => () => {
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );

  return <div ref={box} className="loss-chart" data-testid="loss-chart" />;
}
