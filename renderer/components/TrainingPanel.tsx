import { useEffect, useRef, useState } from "react";
import type { TrainingStatus } from "../../app/api/types.ts";
import { DEFAULT_TERMS, type MethodTerm } from "../../app/ml/method-terms.ts";
import { fineTuneRefusal } from "../../app/ml/fine-tune.ts";
import { attempt, useApp } from "../state/app-context.tsx";
import { isTyping } from "../state/keys.ts";
import { LossChart } from "./LossChart.tsx";
import { ClassIou } from "./ClassIou.tsx";

function eta(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return "—";
  if (sec < 60) return `${Math.round(sec)} s`;
  const m = Math.floor(sec / 60);
  return m < 60 ? `${m} min ${Math.round(sec % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const NETWORKS = {
  standard: { label: "Standard (U-Net, 0.5 M)", widths: [16, 32, 64, 128] },
  small: { label: "Small (faster, coarser)", widths: [8, 16, 32, 64] },
  tiny: { label: "Tiny (for a quick check)", widths: [4, 8] },
} as const;

const RUNNING = new Set<TrainingStatus["state"]>(["starting", "training", "predicting", "stopping"]);

/** The settings last used in this window: reopening the panel starts from them, not the defaults. */
let kept = {
  // A time budget by default: epochs of a project with three labeled images are three steps each.
  amountText: "5",
  unit: "minutes" as "minutes" | "epochs",
  net: "standard" as keyof typeof NETWORKS,
  size: 128,
  terms: { ...DEFAULT_TERMS } as Record<MethodTerm, boolean>,
};
/**
 * "Continue from model N" as last chosen, by project file: it names that project's model, so
 * another project's panel starts unticked.
 */
const keptFineTune = new Map<string, boolean>();

export function TrainingPanel({ onClose }: { onClose: () => void }) {
  const { api, training, project } = useApp();
  const [amountText, setAmountText] = useState(kept.amountText);
  const amount = Number(amountText);
  const [unit, setUnit] = useState(kept.unit);
  const [net, setNet] = useState(kept.net);
  const [size, setSize] = useState(kept.size);
  const [terms, setTerms] = useState(kept.terms);
  const projectFile = project?.file ?? "";
  const [fineTune, setFineTune] = useState(() => keptFineTune.get(projectFile) ?? false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    kept = { amountText, unit, net, size, terms };
  }, [amountText, unit, net, size, terms]);
  useEffect(() => {
    keptFineTune.set(projectFile, fineTune);
  }, [projectFile, fineTune]);
  // Esc closes the panel as it closes a dialog; a dialog open over it, or a field being edited
  // elsewhere (a class name), takes its Esc first.
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || document.querySelector("[data-modal-open]")) return;
      if (isTyping(e) && !ref.current?.contains(e.target as Node)) return;
      e.preventDefault();
      e.stopPropagation();
      onClose();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, [onClose]);
  const s = training;
  const running = s ? RUNNING.has(s.state) : false;
  const base = s?.fineTune ?? { modelId: null, modelClasses: null };
  const classCount = project?.classes.length ?? 0;
  const refused =
    base.modelId !== null && base.modelClasses !== null
      ? fineTuneRefusal(base.modelId, base.modelClasses, classCount)
      : null;
  const canFineTune = base.modelId !== null && refused === null;
  const budgetOk = Number.isFinite(amount) && amount > 0 && amount <= (unit === "minutes" ? 24 * 60 : 10_000);

  const start = async () => {
    setBusy(true);
    await attempt(
      api.call("training.start", {
        [unit]: amount,
        size,
        widths: [...NETWORKS[net].widths],
        terms,
        fineTune: fineTune && canFineTune,
      }),
    );
    setBusy(false);
  };
  const predictNew = async () => {
    setBusy(true);
    await attempt(api.call("training.predictNew", {}));
    setBusy(false);
  };
  const stop = async () => {
    setBusy(true);
    await attempt(api.call("training.stop", {}));
    setBusy(false);
  };

  return (
    <aside className="drawer" aria-label="Training" data-testid="training-panel" ref={ref}>
      <div className="drawer-head">
        <h2>Training</h2>
        <button
          type="button"
          className="ghost"
          onClick={onClose}
          aria-label="Close the training panel (T, Esc)"
        >
          ✕
        </button>
      </div>
      {!s ? (
        <p className="muted">Loading…</p>
      ) : !s.available ? (
        <div className="training-unavailable" data-testid="training-unavailable">
          <p>
            <strong>Training is not available in this build.</strong>
          </p>
          <p className="muted">{s.reason}</p>
        </div>
      ) : (
        <>
          <div className="train-controls">
            <label>
              Train for
              <span className="budget">
                <input
                  type="number"
                  min={unit === "minutes" ? 0.5 : 1}
                  max={unit === "minutes" ? 24 * 60 : 10000}
                  step={unit === "minutes" ? 0.5 : 1}
                  value={amountText}
                  onChange={(e) => setAmountText(e.target.value)}
                  disabled={running}
                  aria-label="Training budget"
                  data-testid="training-amount"
                />
                <select
                  value={unit}
                  onChange={(e) => setUnit(e.target.value as "minutes" | "epochs")}
                  disabled={running}
                  aria-label="Budget unit"
                  data-testid="training-unit"
                >
                  <option value="minutes">minutes</option>
                  <option value="epochs">epochs</option>
                </select>
              </span>
            </label>
            <label>
              Network
              <select
                value={net}
                onChange={(e) => setNet(e.target.value as keyof typeof NETWORKS)}
                disabled={running || (fineTune && canFineTune)}
                title={
                  fineTune && canFineTune ? `Fine-tuning keeps model ${base.modelId}'s network` : undefined
                }
                data-testid="training-network"
              >
                {Object.entries(NETWORKS).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Crop
              <select
                value={size}
                onChange={(e) => setSize(Number(e.target.value))}
                disabled={running}
                data-testid="training-size"
              >
                {[64, 128, 256, 384, 512].map((n) => (
                  <option key={n} value={n}>
                    {n}px
                  </option>
                ))}
              </select>
            </label>
            {running ? (
              <button
                type="button"
                className="danger"
                onClick={() => void stop()}
                disabled={busy || s.state === "stopping"}
                data-testid="training-stop"
                title={
                  s.state === "predicting"
                    ? "Stop predicting: images not reached keep their earlier prediction"
                    : "Stop training: keep the best checkpoint as the model and predict every image with it"
                }
              >
                {s.state === "stopping" ? "Stopping…" : s.state === "predicting" ? "Stop predicting" : "Stop"}
              </button>
            ) : (
              <button
                type="button"
                className="primary"
                onClick={() => void start()}
                disabled={busy || !budgetOk}
                title={budgetOk ? undefined : "Give a training budget above 0"}
                data-testid="training-start"
              >
                Start training
              </button>
            )}
          </div>
          <fieldset className="terms" disabled={running}>
            <legend>Method (partial cross-entropy always on)</legend>
            {(
              [
                ["semiSupervised", "Semi-supervised (FixMatch)"],
                ["pixl", "PiXL drift alignment"],
                ["propagation", "Spread scribbles to superpixels"],
                ["crf", "CRF regularizer"],
              ] as const
            ).map(([k, label]) => (
              <label className="check" key={k}>
                <input
                  type="checkbox"
                  checked={terms[k]}
                  onChange={(e) => setTerms({ ...terms, [k]: e.target.checked })}
                  data-testid={`term-${k}`}
                />
                <span>{label}</span>
              </label>
            ))}
            <label className="check">
              <input
                type="checkbox"
                checked={fineTune && canFineTune}
                disabled={!canFineTune}
                onChange={(e) => setFineTune(e.target.checked)}
                data-testid="training-finetune"
              />
              <span>
                {base.modelId === null
                  ? "Continue from the last model (fine-tune): no model yet"
                  : `Continue from model ${base.modelId} (fine-tune)`}
              </span>
            </label>
            {refused && (
              <p className="muted finetune-refused" data-testid="training-finetune-refused">
                Not possible: {refused}.
              </p>
            )}
          </fieldset>
          {!running && s.unpredicted.modelId !== null && s.unpredicted.images > 0 && (
            <div className="predict-new" data-testid="predict-new-row">
              <span className="muted">
                {s.unpredicted.images.toLocaleString()}{" "}
                {s.unpredicted.images === 1 ? "image has" : "images have"} no prediction from model{" "}
                {s.unpredicted.modelId}
                {s.unpredicted.refused ? `: ${s.unpredicted.refused}` : ""}
              </span>
              {!s.unpredicted.refused && (
                <button
                  type="button"
                  onClick={() => void predictNew()}
                  disabled={busy}
                  data-testid="predict-new"
                  title="Predict them with that model (imports start this by themselves; this is for images left over: a stopped or failed prediction, a file that was missing)"
                >
                  Predict new images
                </button>
              )}
            </div>
          )}
          <dl className="facts">
            <dt>State</dt>
            <dd data-testid="training-state">{s.state}</dd>
            <dt>Backend</dt>
            <dd data-testid="training-backend">{s.backend ?? "chosen at start"}</dd>
            <dt>Progress</dt>
            <dd>
              <progress value={s.step} max={Math.max(1, s.totalSteps)} data-testid="training-progress" />{" "}
              {s.totalSteps > 0 ? `${s.step} / ${s.totalSteps}` : "—"}
            </dd>
            <dt>ETA</dt>
            <dd>{running ? eta(s.etaSec) : "—"}</dd>
            <dt>Speed</dt>
            <dd>{s.imagesPerSec ? `${s.imagesPerSec.toFixed(1)} img/s` : "—"}</dd>
          </dl>
          {s.message && <p className={s.state === "failed" ? "error-text" : "muted"}>{s.message}</p>}
          {s.losses.length > 0 && <LossChart status={s} width={380} />}
          {project && <ClassIou rounds={s.rounds} classes={project.classes} />}
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
                  <th title="Labeled pixels of the train images, which the model learned from: drawn by hand + accepted predictions (val labels are the held-out check and not counted)">
                    Labels
                  </th>
                  <th title="Time spent labeling since the round before (from stroke times)">Labeling</th>
                  <th title="Mean IoU on the labeled val images, at the best of training's checks on them. The same images chose that checkpoint, so it reads a little high; compare rounds with it.">
                    val mIoU
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.rounds.map((r) => (
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
                    <td>{r.labels ? `${(r.labels.labelingSeconds / 60).toFixed(1)} min` : "—"}</td>
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

/** 1234 -> "1.2k", 1234567 -> "1.2M": pixel counts that fit a table cell. */
function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}
