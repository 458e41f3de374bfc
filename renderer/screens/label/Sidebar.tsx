import { useState } from "react";
import type { ClassDef, UncertaintyMeasure } from "../../../app/api/types.ts";
import { paletteColor } from "../../../app/api/palette.ts";
import { displayColor } from "../../canvas/palette.ts";
import type { LayerSettings, Tool } from "./LabelCanvas.tsx";
import { UNCERTAINTY_TOPS } from "./display.ts";

export interface ClassChange {
  name: string;
  color: string;
}

/**
 * The classes to paint with, and the place to add one that was forgotten at the start or to
 * rename / recolor one (its labels keep their class). onAdd / onUpdate resolve true when stored.
 */
export function ClassPalette({
  classes,
  active,
  onPick,
  onAdd,
  onUpdate,
  highContrast = false,
  hidden = [],
  locked = [],
  onToggleHidden,
  onToggleLocked,
}: {
  classes: ClassDef[];
  active: number;
  onPick: (idx: number) => void;
  onAdd: (c: ClassChange) => Promise<boolean>;
  onUpdate: (idx: number, c: ClassChange) => Promise<boolean>;
  /** swatches in the high-contrast palette's colors (as the canvas draws them) */
  highContrast?: boolean;
  /** classes not drawn on the canvas */
  hidden?: number[];
  /** classes strokes leave as they are */
  locked?: number[];
  onToggleHidden?: (idx: number) => void;
  onToggleLocked?: (idx: number) => void;
}) {
  // "new", a class index being edited, or nothing
  const [editing, setEditing] = useState<"new" | number | null>(null);
  return (
    <section className="panel" aria-label="Classes">
      <h3>Classes</h3>
      <ul className="palette" role="listbox" aria-label="Class to paint">
        {classes.map((c) =>
          editing === c.idx ? (
            <li key={c.idx}>
              <ClassForm
                initial={{ name: c.name, color: c.color }}
                submitLabel="Save"
                testId={`class-form-${c.idx}`}
                onCancel={() => setEditing(null)}
                onSubmit={async (v) => {
                  if (await onUpdate(c.idx, v)) setEditing(null);
                }}
              />
            </li>
          ) : (
            <li key={c.idx} className="class-row">
              <button
                type="button"
                role="option"
                aria-selected={c.idx === active}
                className={c.idx === active ? "class-btn active" : "class-btn"}
                data-testid={`class-${c.idx}`}
                title={c.shortcut ? `${c.name} (${c.shortcut})` : c.name}
                onClick={() => onPick(c.idx)}
                onDoubleClick={() => setEditing(c.idx)}
              >
                <span className="swatch" style={{ background: displayColor(c, { highContrast }) }} />
                <span className="class-name">{c.name}</span>
                {c.shortcut && <kbd>{c.shortcut}</kbd>}
              </button>
              {onToggleHidden && (
                <button
                  type="button"
                  className={hidden.includes(c.idx) ? "ghost class-toggle on" : "ghost class-toggle"}
                  aria-pressed={hidden.includes(c.idx)}
                  title={
                    hidden.includes(c.idx)
                      ? `Show ${c.name} on the canvas again`
                      : `Hide ${c.name} on the canvas (its labels and prediction stay stored)`
                  }
                  aria-label={`Hide ${c.name}`}
                  data-testid={`class-hide-${c.idx}`}
                  onClick={() => onToggleHidden(c.idx)}
                >
                  <EyeIcon off={hidden.includes(c.idx)} />
                </button>
              )}
              {onToggleLocked && (
                <button
                  type="button"
                  className={locked.includes(c.idx) ? "ghost class-toggle on" : "ghost class-toggle"}
                  aria-pressed={locked.includes(c.idx)}
                  title={
                    locked.includes(c.idx)
                      ? `Unlock ${c.name}`
                      : `Lock ${c.name}: brush, eraser and polygon leave its pixels as they are`
                  }
                  aria-label={`Lock ${c.name}`}
                  data-testid={`class-lock-${c.idx}`}
                  onClick={() => onToggleLocked(c.idx)}
                >
                  <LockIcon open={!locked.includes(c.idx)} />
                </button>
              )}
              <button
                type="button"
                className="ghost class-edit"
                title={`Rename or recolor ${c.name} (its labels stay)`}
                aria-label={`Rename or recolor ${c.name}`}
                data-testid={`class-edit-${c.idx}`}
                onClick={() => setEditing(c.idx)}
              >
                ✎
              </button>
            </li>
          ),
        )}
      </ul>
      {editing === "new" ? (
        <ClassForm
          initial={{ name: "", color: paletteColor(classes.length) }}
          submitLabel="Add"
          testId="class-form-new"
          onCancel={() => setEditing(null)}
          onSubmit={async (v) => {
            if (await onAdd(v)) setEditing(null);
          }}
        />
      ) : (
        classes.length < 255 && (
          <button
            type="button"
            className="ghost wide add-class"
            data-testid="add-class-label"
            title="A class you need and the project does not have yet. Models made before it do not predict it: train from scratch to learn it."
            onClick={() => setEditing("new")}
          >
            + Add class
          </button>
        )
      )}
    </section>
  );
}

function ClassForm({
  initial,
  submitLabel,
  testId,
  onSubmit,
  onCancel,
}: {
  initial: ClassChange;
  submitLabel: string;
  testId: string;
  onSubmit: (c: ClassChange) => Promise<void>;
  onCancel: () => void;
}) {
  const [name, setName] = useState(initial.name);
  const [color, setColor] = useState(initial.color);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="class-form"
      data-testid={testId}
      onSubmit={(e) => {
        e.preventDefault();
        if (!name.trim() || busy) return;
        setBusy(true);
        void onSubmit({ name: name.trim(), color }).finally(() => setBusy(false));
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onCancel();
        }
      }}
    >
      <input
        type="color"
        value={color}
        onChange={(e) => setColor(e.target.value)}
        aria-label="Class color"
        data-testid={`${testId}-color`}
      />
      <input
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="class name"
        aria-label="Class name"
        maxLength={60}
        autoFocus
        required
        data-testid={`${testId}-name`}
      />
      <button type="submit" disabled={busy || !name.trim()} data-testid={`${testId}-submit`}>
        {submitLabel}
      </button>
    </form>
  );
}

const TOOLS: { id: Tool; label: string; key: string; icon: string }[] = [
  { id: "brush", label: "Brush", key: "B", icon: "✎" },
  { id: "eraser", label: "Eraser", key: "E", icon: "⌫" },
  { id: "polygon", label: "Polygon fill", key: "P", icon: "⬠" },
  { id: "accept", label: "Accept region", key: "A", icon: "◉" },
];

export function ToolBar({
  tool,
  onTool,
  brushSize,
  onBrushSize,
}: {
  tool: Tool;
  onTool: (t: Tool) => void;
  brushSize: number;
  onBrushSize: (n: number) => void;
}) {
  return (
    <section className="panel" aria-label="Tools">
      <h3>Tools</h3>
      <div className="tools" role="toolbar">
        {TOOLS.map((t) => (
          <button
            key={t.id}
            type="button"
            className={tool === t.id ? "tool-btn active" : "tool-btn"}
            aria-pressed={tool === t.id}
            data-testid={`tool-${t.id}`}
            title={`${t.label} (${t.key})`}
            onClick={() => onTool(t.id)}
          >
            <span className="tool-icon" aria-hidden>
              {t.icon}
            </span>
            <span>{t.label}</span>
            <kbd>{t.key}</kbd>
          </button>
        ))}
      </div>
      <label className="slider-row">
        <span>
          Brush size <kbd>[</kbd> <kbd>]</kbd>
        </span>
        <input
          type="range"
          min={1}
          max={400}
          value={brushSize}
          onChange={(e) => onBrushSize(Number(e.target.value))}
          aria-label="Brush size"
        />
        <output data-testid="brush-size">{brushSize}px</output>
      </label>
    </section>
  );
}

const LAYER_LABELS: { id: keyof LayerSettings; label: string; key: string }[] = [
  { id: "labels", label: "Labels", key: "L" },
  { id: "accepted", label: "Accepted (hatched)", key: "M" },
  { id: "prediction", label: "Prediction", key: "K" },
  { id: "uncertainty", label: "Uncertainty", key: "U" },
  { id: "image", label: "Image", key: "I" },
];

export function LayerPanel({
  layers,
  available,
  notShown,
  hints,
  onChange,
  measure,
  onMeasure,
  uncertaintyTop,
  onUncertaintyTop,
}: {
  layers: LayerSettings;
  available: Record<keyof LayerSettings, boolean>;
  /** Why no layer of this image is shown (loading, or the file cannot be opened), if so. */
  notShown?: string;
  /** Why one layer is not shown, where the default reason would be wrong. */
  hints?: Partial<Record<keyof LayerSettings, string>>;
  onChange: (l: LayerSettings) => void;
  /** What the uncertainty layer shows. */
  measure: UncertaintyMeasure;
  onMeasure: (m: UncertaintyMeasure) => void;
  /** the most unsure share of the pixels the uncertainty layer shows */
  uncertaintyTop: number;
  onUncertaintyTop: (t: number) => void;
}) {
  return (
    <section className="panel" aria-label="Layers">
      <h3>Layers</h3>
      {LAYER_LABELS.map(({ id, label, key }) => (
        <div className={available[id] ? "layer-row" : "layer-row unavailable"} key={id}>
          <label className="check">
            <input
              type="checkbox"
              checked={layers[id].visible && available[id]}
              disabled={!available[id]}
              data-testid={`layer-${id}`}
              onChange={(e) => onChange({ ...layers, [id]: { ...layers[id], visible: e.target.checked } })}
            />
            <span>{label}</span> <kbd>{key}</kbd>
          </label>
          <input
            type="range"
            min={0}
            max={100}
            value={Math.round(layers[id].opacity * 100)}
            disabled={!available[id]}
            aria-label={`${label} opacity`}
            onChange={(e) =>
              onChange({ ...layers, [id]: { ...layers[id], opacity: Number(e.target.value) / 100 } })
            }
          />
          {id === "uncertainty" && (
            <select
              value={measure}
              onChange={(e) => onMeasure(e.target.value as UncertaintyMeasure)}
              aria-label="Uncertainty measure"
              title="Normalized entropy of the prediction, or 1 - margin (top-1 minus top-2 probability)"
              data-testid="uncertainty-measure"
            >
              <option value="entropy">entropy</option>
              <option value="margin">1 - margin</option>
            </select>
          )}
          {id === "uncertainty" && (
            <select
              value={uncertaintyTop}
              onChange={(e) => onUncertaintyTop(Number(e.target.value))}
              aria-label="Share of pixels shown"
              title="Show only the pixels the model is least sure of: this share of the image, the rest clear so the picture stays visible"
              data-testid="uncertainty-top"
            >
              {UNCERTAINTY_TOPS.map((t) => (
                <option key={t} value={t}>
                  {t >= 1 ? "every pixel" : `most unsure ${Math.round(t * 100)}%`}
                </option>
              ))}
            </select>
          )}
          {id === "uncertainty" && available[id] && (
            <span
              className="heat-legend"
              data-testid="uncertainty-legend"
              title="The heat map's colors over the most unsure pixels: dark purple, red, then pale yellow where the model is least sure; clear elsewhere"
            >
              <span>sure</span>
              <span className="heat-bar" aria-hidden />
              <span>unsure</span>
            </span>
          )}
          {!available[id] && (
            <span className="hint" data-testid={`layer-${id}-hint`}>
              {notShown ??
                hints?.[id] ??
                (id === "prediction" || id === "uncertainty" ? "no prediction yet" : "none on this image")}
            </span>
          )}
        </div>
      ))}
    </section>
  );
}

function EyeIcon({ off }: { off: boolean }) {
  return (
    <svg
      width="14"
      height="14"
      viewBox="0 0 16 16"
      aria-hidden
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
    >
      <path d="M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5z" />
      <circle cx="8" cy="8" r="2" />
      {off && <path d="M2 14 14 2" />}
    </svg>
  );
}

function LockIcon({ open }: { open: boolean }) {
  return (
    <svg
      width="14"
      height="14"
      viewBox="0 0 16 16"
      aria-hidden
      fill="none"
      stroke="currentColor"
      strokeWidth="1.5"
    >
      <rect x="3" y="7" width="10" height="7" rx="1" />
      <path d={open ? "M5 7V4.5a3 3 0 0 1 5.8-1" : "M5 7V4.5a3 3 0 0 1 6 0V7"} />
    </svg>
  );
}
