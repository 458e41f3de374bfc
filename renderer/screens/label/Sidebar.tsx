import type { UncertaintyMeasure } from "../../../app/common/api-types.ts";
import type { LayerSettings, Tool } from "./LabelCanvas.tsx";
import { UNCERTAINTY_TOPS } from "./display.ts";
import { MAX_BRUSH, MIN_BRUSH, type BrushSettings } from "../../state/project-settings.ts";

const TOOLS: { id: Tool; label: string; key: string; icon: string }[] = [
  { id: "brush", label: "Brush", key: "B", icon: "✎" },
  { id: "eraser", label: "Eraser", key: "E", icon: "⌫" },
  { id: "polygon", label: "Polygon fill", key: "P", icon: "⬠" },
  { id: "accept", label: "Accept region", key: "A", icon: "◉" },
];

export function ToolBar({
  tool,
  onTool,
  brush,
  onBrush,
}: {
  tool: Tool;
  onTool: (t: Tool) => void;
  /** the project's brush: size, unit (screen or image pixels), shape */
  brush: BrushSettings;
  onBrush: (b: BrushSettings) => void;
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
          min={MIN_BRUSH}
          max={MAX_BRUSH}
          value={brush.size}
          onChange={(e) => onBrush({ ...brush, size: Number(e.target.value) })}
          aria-label="Brush size"
          data-testid="brush-size-input"
        />
        <output data-testid="brush-size">{brush.size}px</output>
      </label>
      <div className="brush-options" role="group" aria-label="Brush">
        <label
          className="check"
          title="Screen pixels: the brush looks the same at any zoom and on any image size"
        >
          <input
            type="checkbox"
            checked={brush.unit === "image"}
            onChange={(e) => onBrush({ ...brush, unit: e.target.checked ? "image" : "screen" })}
            data-testid="brush-image-pixels"
          />
          <span>Size in image pixels</span>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={brush.shape === "square"}
            onChange={(e) => onBrush({ ...brush, shape: e.target.checked ? "square" : "round" })}
            data-testid="brush-square"
          />
          <span>Square brush</span>
        </label>
      </div>
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
