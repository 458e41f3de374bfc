import type { ClassDef } from "../../../app/common/api-types.ts";
import { displayColor } from "../../canvas/palette.ts";
import type { Tool } from "./LabelCanvas.tsx";
import type { BrushSettings } from "../../state/project-settings.ts";

/** Under the canvas: what the tool does (and with which class), Fit, 1:1 and the zoom. */
export function CanvasHud({
  tool,
  brush,
  acceptHint,
  activeClass,
  highContrast,
  zoom,
  onFit,
  onOneToOne,
}: {
  tool: Tool;
  brush: BrushSettings;
  /** why the accept tool has nothing to accept here (no prediction), if so */
  acceptHint: string | null;
  activeClass: ClassDef | null;
  highContrast: boolean;
  zoom: number;
  onFit: () => void;
  onOneToOne: () => void;
}) {
  return (
    <div className="canvas-hud" data-testid="canvas-hud">
      <span>
        {tool === "polygon"
          ? "Polygon: click to add points, double-click or Enter to fill, Esc to cancel"
          : tool === "accept"
            ? acceptHint
              ? `Accept region: ${acceptHint}`
              : "Click a predicted region to accept it as labels"
            : `${tool === "eraser" ? "Eraser" : "Brush"} ${brush.size}px${brush.unit === "screen" ? " on screen" : " of the image"}${brush.shape === "square" ? ", square" : ""}`}
        {activeClass && tool !== "eraser" && (
          <>
            {" · "}
            <span
              className="swatch inline"
              style={{ background: displayColor(activeClass, { highContrast }) }}
            />{" "}
            <span data-testid="active-class">{activeClass.name}</span>
          </>
        )}
      </span>
      <span className="zoom-controls">
        <button type="button" onClick={onFit} title="Fit (F)">
          Fit
        </button>
        <button type="button" onClick={onOneToOne} title="Actual pixels (Ctrl+1)">
          1:1
        </button>
        <output data-testid="zoom">{Math.round(zoom * 100)}%</output>
      </span>
    </div>
  );
}
