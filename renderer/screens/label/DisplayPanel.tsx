import { DEFAULT_DISPLAY, type Display } from "./display.ts";

/** "View": the picture's levels, labels as outlines, the high-contrast palette. */
export function DisplayPanel({ display, onChange }: { display: Display; onChange: (d: Display) => void }) {
  const slider = (key: "brightness" | "contrast" | "gamma", label: string, title: string) => (
    <label className="level-row" title={title}>
      <span>{label}</span>
      <input
        type="range"
        min={0.2}
        max={key === "gamma" ? 3 : 4}
        step={0.05}
        value={display[key]}
        aria-label={label}
        data-testid={`display-${key}`}
        onChange={(e) => onChange({ ...display, [key]: Number(e.target.value) })}
      />
      <output>{display[key].toFixed(1)}</output>
    </label>
  );
  const changed =
    display.brightness !== 1 || display.contrast !== 1 || display.gamma !== 1 || !display.autoLevels;
  return (
    <section className="panel" aria-label="View">
      <h3>View</h3>
      <label
        className="check"
        title="When what is in view is dark or flat, stretch its levels (its darkest and brightest 1% to black and white): dark frames, and dark regions zoomed to with R, show their detail"
      >
        <input
          type="checkbox"
          checked={display.autoLevels}
          data-testid="display-auto-levels"
          onChange={(e) => onChange({ ...display, autoLevels: e.target.checked })}
        />
        <span>Auto levels for dark views</span>
      </label>
      {slider("brightness", "Brightness", "Multiplies the picture's values (1: as it is)")}
      {slider("contrast", "Contrast", "Spreads the values around mid-gray (1: as it is)")}
      {slider("gamma", "Gamma", "Above 1 brightens the dark parts without washing out the bright ones")}
      {changed && (
        <button
          type="button"
          className="ghost"
          data-testid="display-reset"
          onClick={() =>
            onChange({
              ...display,
              brightness: 1,
              contrast: 1,
              gamma: 1,
              autoLevels: DEFAULT_DISPLAY.autoLevels,
            })
          }
        >
          Reset levels
        </button>
      )}
      <label
        className="check"
        title="Draw each labeled region's edge, its inside faint: the picture under labels stays visible"
      >
        <input
          type="checkbox"
          checked={display.outline}
          data-testid="display-outline"
          onChange={(e) => onChange({ ...display, outline: e.target.checked })}
        />
        <span>Labels as outlines</span>
      </label>
      <label
        className="check"
        title="Show classes in strongly different colors (the classes' own colors stay in the project)"
      >
        <input
          type="checkbox"
          checked={display.highContrast}
          data-testid="display-high-contrast"
          onChange={(e) => onChange({ ...display, highContrast: e.target.checked })}
        />
        <span>High-contrast colors</span>
      </label>
    </section>
  );
}
