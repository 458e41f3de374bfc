import { useEffect, useRef, useState } from "react";
import type { TrainingStatus } from "../../app/common/api-types.ts";
import { DEFAULT_TERMS, type MethodTerm } from "../../app/common/method-terms.ts";
import { fineTuneRefusal } from "../../app/common/fine-tune.ts";
import { attempt, useApp } from "../state/app-context.tsx";
import { backgroundText } from "./background-text.ts";
import { isTyping } from "../state/keys.ts";
import { LossChart } from "./LossChart.tsx";
import { ClassIou } from "./ClassIou.tsx";
import { TrainingProgress } from "./TrainingProgress.tsx";
import { TERM_LABELS, TRAINING_HELP } from "./training-help.ts";
import { DocsDialog } from "./DocsDialog.tsx";
import { RoundsTable } from "./RoundsTable.tsx";
import { EfficiencyChart } from "./EfficiencyChart.tsx";

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
  const [docs, setDocs] = useState(false);
  const s = training;
  const running = s ? RUNNING.has(s.state) : false;
  // While a run is in progress the form shows what it was started with (from any window, or
  // before a reload), not this window's last choices.
  const run = running ? s?.settings : null;
  const shown = run
    ? {
        amountText: String(run.epochs ?? run.minutes ?? ""),
        unit: run.epochs !== null ? ("epochs" as const) : ("minutes" as const),
        net:
          (Object.keys(NETWORKS) as (keyof typeof NETWORKS)[]).find(
            (k) => run.widths !== null && NETWORKS[k].widths.join() === run.widths.join(),
          ) ?? (run.widths === null ? "standard" : null),
        size: run.size ?? 128,
        terms: run.terms,
        fineTune: run.fineTune,
      }
    : { amountText, unit, net, size, terms, fineTune };
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
  const setBackground = async (enabled: boolean) => {
    setBusy(true);
    await attempt(api.call("training.background", { enabled }));
    setBusy(false);
  };

  return (
    <aside className="drawer" aria-label="Training" data-testid="training-panel" ref={ref}>
      {docs && <DocsDialog doc="learning" onClose={() => setDocs(false)} />}
      <div className="drawer-head">
        <h2>Training</h2>
        <button
          type="button"
          className="ghost docs-link"
          onClick={() => setDocs(true)}
          data-testid="training-docs"
          title="How training works and what each option does, in the docs"
        >
          Docs
        </button>
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
                  value={shown.amountText}
                  onChange={(e) => setAmountText(e.target.value)}
                  disabled={running}
                  aria-label="Training budget"
                  data-testid="training-amount"
                />
                <select
                  value={shown.unit}
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
                value={shown.net ?? "custom"}
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
                {shown.net === null && <option value="custom">Widths {run?.widths?.join(", ")}</option>}
              </select>
            </label>
            <label>
              Crop
              <select
                value={shown.size}
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
                  s.backgroundRun
                    ? "Pause background training: the round in progress keeps its model so far"
                    : s.state === "predicting"
                      ? "Stop predicting: images not reached keep their earlier prediction"
                      : "Stop training: keep the best checkpoint as the model and predict every image with it"
                }
              >
                {s.state === "stopping"
                  ? "Stopping…"
                  : s.backgroundRun
                    ? "Pause background training"
                    : s.state === "predicting"
                      ? "Stop predicting"
                      : "Stop"}
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
          <label
            className="check"
            title={`Rounds of ${s.background.roundMinutes || 2} minutes on one core while you label; each learns the strokes saved before it`}
          >
            <input
              type="checkbox"
              checked={s.background.enabled}
              disabled={busy}
              onChange={(e) => void setBackground(e.target.checked)}
              data-testid="training-background"
            />
            <span>Keep training in the background while I label</span>
          </label>
          {s.background.enabled && (
            <p className="muted" data-testid="training-background-state">
              {backgroundText(s.background)}
            </p>
          )}
          <dl className="facts">
            <dt>State</dt>
            <dd data-testid="training-state">
              {s.state}
              {s.backgroundRun && running ? " (background round)" : ""}
            </dd>
            <dt>Backend</dt>
            <dd data-testid="training-backend">{s.backend ?? "chosen at start"}</dd>
            <dt>Progress</dt>
            <dd>
              <TrainingProgress status={s} />
            </dd>
            <dt>ETA</dt>
            <dd>{running ? eta(s.etaSec) : "—"}</dd>
            <dt>Speed</dt>
            <dd>{s.imagesPerSec ? `${s.imagesPerSec.toFixed(1)} img/s` : "—"}</dd>
          </dl>
          <div className="option-helps">
            <p className="option-help" data-testid="help-budget">
              <strong>Train for:</strong> {TRAINING_HELP.budget}
            </p>
            <p className="option-help" data-testid="help-network">
              <strong>Network:</strong> {TRAINING_HELP.network}
            </p>
            <p className="option-help" data-testid="help-size">
              <strong>Crop:</strong> {TRAINING_HELP.size}
            </p>
          </div>
          <fieldset className="terms" disabled={running}>
            <legend>Method (partial cross-entropy always on)</legend>
            {TERM_LABELS.map(([k, label]) => (
              <div className="option" key={k}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={shown.terms[k]}
                    onChange={(e) => setTerms({ ...terms, [k]: e.target.checked })}
                    data-testid={`term-${k}`}
                  />
                  <span>{label}</span>
                </label>
                <p className="option-help" data-testid={`help-${k}`}>
                  {TRAINING_HELP[k]}
                </p>
              </div>
            ))}
            <label className="check">
              <input
                type="checkbox"
                checked={run ? run.fineTune : fineTune && canFineTune}
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
            <p className="option-help" data-testid="help-fineTune">
              {TRAINING_HELP.fineTune}
            </p>
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
          {s.message && <p className={s.state === "failed" ? "error-text" : "muted"}>{s.message}</p>}
          {s.losses.length > 0 && <LossChart status={s} width={380} />}
          {project && <ClassIou rounds={s.rounds} classes={project.classes} />}
          <EfficiencyChart rounds={s.rounds} width={380} />
          <RoundsTable rounds={s.rounds} />
        </>
      )}
    </aside>
  );
}
