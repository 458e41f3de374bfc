import type { ClassDef } from "../../../app/api/types.ts";
import type { LayerSettings, Tool } from "./LabelCanvas.tsx";

export function ClassPalette({
  classes,
  active,
  onPick,
}: {
  classes: ClassDef[];
  active: number;
  onPick: (idx: number) => void;
}) {
  return (
    <section className="panel" aria-label="Classes">
      <h3>Classes</h3>
      <ul className="palette" role="listbox" aria-label="Class to paint">
        {classes.map((c) => (
          <li key={c.idx}>
            <button
              type="button"
              role="option"
              aria-selected={c.idx === active}
              className={c.idx === active ? "class-btn active" : "class-btn"}
              data-testid={`class-${c.idx}`}
              onClick={() => onPick(c.idx)}
            >
              <span className="swatch" style={{ background: c.color }} />
              <span className="class-name">{c.name}</span>
              {c.shortcut && <kbd>{c.shortcut}</kbd>}
            </button>
          </li>
        ))}
      </ul>
    </section>
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
  onChange,
}: {
  layers: LayerSettings;
  available: Record<keyof LayerSettings, boolean>;
  /** Why no layer of this image is shown (loading, or the file cannot be opened), if so. */
  notShown?: string;
  onChange: (l: LayerSettings) => void;
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
          {!available[id] && (
            <span className="hint">
              {notShown ??
                (id === "prediction" || id === "uncertainty" ? "no prediction yet" : "none on this image")}
            </span>
          )}
        </div>
      ))}
    </section>
  );
}
