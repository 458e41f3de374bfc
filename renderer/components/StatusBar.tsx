import type { TrainingStatus } from "../../app/common/api-types.ts";
import { duration } from "./training-help.ts";
import { useApp } from "../state/app-context.tsx";
import { useRoute } from "../state/route.ts";
import { PeopleLabels } from "./PeopleLabels.tsx";

/** Says honestly what this window is running on: the shell, the transport, the training backend. */
export function StatusBar() {
  const { connection, training, project } = useApp();
  const backend =
    training?.backend ??
    (training?.available === false ? "training not available in this build" : "chosen when training starts");
  const job = project ? jobText(training) : null;
  // The start screen is not the project's: its counts say which project they are (still open).
  const onStart = useRoute().screen === "start";
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span
        className="shrink"
        title={`Browser mode · HTTP API on ${location.host}: this window is a web page talking to \`pixelloop serve\` on this machine`}
      >
        Browser mode · HTTP API on {location.host}
      </span>
      <span className={`conn ${connection}`} data-testid="connection">
        {connection === "open"
          ? "● live"
          : connection === "connecting"
            ? "○ connecting…"
            : "○ disconnected: retrying"}
      </span>
      <span className="shrink" title={`Tensor backend: ${backend}`}>
        Tensor backend: {backend}
      </span>
      {job && (
        <span className="shrink" data-testid="statusbar-job" title={training?.message ?? undefined}>
          {job}
        </span>
      )}
      {project && (
        <span className="muted shrink" data-testid="statusbar-project">
          {onStart && `Open: ${project.name} · `}
          {plural(project.summary.images, "image")} · {project.summary.labeledImages} labeled ·{" "}
          {plural(project.summary.models, "model")}
        </span>
      )}
      {project && !onStart && <PeopleLabels />}
      <span className="push muted">
        <kbd>?</kbd> shortcuts
      </span>
    </footer>
  );
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
}

/** A run in progress, in a few words (the training panel has the rest): "Predicting new images 1 / 2…". */
function jobText(t: TrainingStatus | null): string | null {
  if (!t) return null;
  const progress = t.totalSteps > 0 ? ` ${t.step} / ${t.totalSteps}` : "";
  switch (t.state) {
    case "starting":
      return "Training: starting…";
    case "training":
      // A time budget in time (its step total is an estimate that moves); epochs in steps.
      return t.time
        ? `Training ${duration(t.time.elapsedSec)} of ${duration(t.time.budgetSec)}…`
        : `Training${progress} steps…`;
    case "predicting":
      return t.job === "predict-new" ? `Predicting new images${progress}…` : `Predicting${progress}…`;
    case "stopping":
      return "Stopping…";
    default:
      return null;
  }
}
