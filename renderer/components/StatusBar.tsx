import { useApp } from "../state/app-context.tsx";

/** Says honestly what this window is running on: the shell, the transport, the training backend. */
export function StatusBar() {
  const { connection, training, project } = useApp();
  const backend =
    training?.backend ??
    (training?.available === false ? "training not available in this build" : "chosen when training starts");
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
      {project && (
        <span className="muted shrink">
          {plural(project.summary.images, "image")} · {project.summary.labeledImages} labeled ·{" "}
          {plural(project.summary.models, "model")}
        </span>
      )}
      <span className="push muted">
        <kbd>?</kbd> shortcuts
      </span>
    </footer>
  );
}

function plural(n: number, word: string): string {
  return `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
}
