import { useState } from "react";
import type { TrainingStatus } from "../../app/api/types.ts";
import { attempt, useApp } from "../state/app-context.tsx";
import { LossChart } from "./LossChart.tsx";

function eta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return "—";
  if (sec < 60) return `${Math.round(sec)} s`;
  const m = Math.floor(sec / 60);
  return m < 60 ? `${m} min ${Math.round(sec % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const RUNNING = new Set<TrainingStatus["state"]>(["starting", "training", "predicting", "stopping"]);

export function TrainingPanel({ onClose }: { onClose: () => void }) {
  const { api, training } = useApp();
  const [steps, setSteps] = useState(300);
  const [busy, setBusy] = useState(false);
  const s = training;
  const running = s ? RUNNING.has(s.state) : false;

  const start = async () => {
    setBusy(true);
    await attempt(api.call("training.start", { steps }));
    setBusy(false);
  };
  const stop = async () => {
    setBusy(true);
    await attempt(api.call("training.stop", {}));
    setBusy(false);
  };

  return (
    <aside className="drawer" aria-label="Training" data-testid="training-panel">
      <div className="drawer-head">
        <h2>Training</h2>
        <button type="button" className="ghost" onClick={onClose} aria-label="Close the training panel (T)">
          ✕
        </button>
      </div>
      {!s ? (
        <p className="muted">Loading…</p>
      ) : !s.available ? (
        <div className="unavailable" data-testid="training-unavailable">
          <p>
            <strong>Training is not available in this build.</strong>
          </p>
          <p className="muted">{s.reason}</p>
        </div>
      ) : (
        <>
          <div className="train-controls">
            <label>
              Steps
              <input type="number" min={1} max={100000} value={steps} onChange={(e) => setSteps(Number(e.target.value))} disabled={running} />
            </label>
            {running ? (
              <button type="button" className="danger" onClick={() => void stop()} disabled={busy || s.state === "stopping"} data-testid="training-stop">
                {s.state === "stopping" ? "Stopping…" : "Stop"}
              </button>
            ) : (
              <button type="button" className="primary" onClick={() => void start()} disabled={busy} data-testid="training-start">
                Start training
              </button>
            )}
          </div>
          <dl className="facts">
            <dt>State</dt>
            <dd data-testid="training-state">{s.state}</dd>
            <dt>Backend</dt>
            <dd data-testid="training-backend">{s.backend ?? "chosen at start"}</dd>
            <dt>Progress</dt>
            <dd>
              <progress value={s.step} max={Math.max(1, s.totalSteps)} data-testid="training-progress" /> {s.step} / {s.totalSteps}
            </dd>
            <dt>ETA</dt>
            <dd>{running ? eta(s.etaSec) : "—"}</dd>
            <dt>Speed</dt>
            <dd>{s.imagesPerSec ? `${s.imagesPerSec.toFixed(1)} img/s` : "—"}</dd>
          </dl>
          {s.message && <p className={s.state === "failed" ? "error-text" : "muted"}>{s.message}</p>}
          {s.losses.length > 0 && <LossChart status={s} width={380} />}
          <h3>Rounds</h3>
          {s.rounds.length === 0 ? (
            <p className="muted">No rounds yet.</p>
          ) : (
            <table className="rounds" data-testid="rounds">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Started</th>
                  <th>Status</th>
                  <th>Steps</th>
                  <th>val mIoU</th>
                </tr>
              </thead>
              <tbody>
                {s.rounds.map((r) => (
                  <tr key={r.id}>
                    <td>{r.id}</td>
                    <td>{new Date(r.startedAt).toLocaleString()}</td>
                    <td>{r.status}</td>
                    <td>{r.steps ?? "—"}</td>
                    <td>{r.valMiou !== null ? r.valMiou.toFixed(3) : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </aside>
  );
}
