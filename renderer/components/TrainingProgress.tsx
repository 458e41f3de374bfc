import type { TrainingStatus } from "../../app/common/api-types.ts";
import { duration } from "./training-help.ts";

/**
 * A run's progress with its unit: a time-budgeted training run in time trained of the budget
 * (the step total of such a run is an estimate that moves; time never goes back), an epoch run
 * and predictions in steps or images of their total.
 */
export function progressOf(s: TrainingStatus): { value: number; max: number; text: string } {
  if (s.time && (s.state === "training" || s.state === "stopping"))
    return {
      value: s.time.elapsedSec,
      max: s.time.budgetSec,
      text: `${duration(s.time.elapsedSec)} of ${duration(s.time.budgetSec)} · step ${s.step.toLocaleString()}`,
    };
  if (s.totalSteps <= 0) return { value: 0, max: 1, text: "—" };
  const unit = s.state === "predicting" ? "images" : "steps";
  return { value: s.step, max: s.totalSteps, text: `${s.step} / ${s.totalSteps} ${unit}` };
}

export function TrainingProgress({ status }: { status: TrainingStatus }) {
  const p = progressOf(status);
  return (
    <>
      <progress value={p.value} max={Math.max(1e-9, p.max)} data-testid="training-progress" />{" "}
      <span data-testid="training-progress-text">{p.text}</span>
    </>
  );
}
