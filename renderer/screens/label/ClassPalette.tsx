import { useState } from "react";
import type { ClassDef } from "../../../app/common/api-types.ts";
import { paletteColor } from "../../../app/common/palette.ts";
import { displayColor } from "../../canvas/palette.ts";
import { shortKey } from "../../../app/common/class-keys.ts";
import { ClassesFileButton } from "../../components/ClassesFileButton.tsx";

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
  onAddFromFile,
  onUpdate,
  onDelete,
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
  /** a classes file picked: its name and text */
  onAddFromFile?: (file: string, text: string) => Promise<void>;
  onUpdate: (idx: number, c: ClassChange) => Promise<boolean>;
  /** "Delete…" in a class's edit form: the caller asks first */
  onDelete?: (idx: number) => void;
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
                onDelete={
                  onDelete &&
                  (() => {
                    setEditing(null);
                    onDelete(c.idx);
                  })
                }
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
                {c.shortcut && <kbd>{shortKey(c.shortcut)}</kbd>}
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
      {onAddFromFile && editing !== "new" && classes.length < 255 && (
        <ClassesFileButton
          className="ghost wide add-class"
          label="+ Add from classes file…"
          testId="add-classes-file"
          title="A classes.json (as the CLI's --classes-file reads it): the classes whose names the project lacks are added; the others keep their index and color."
          onFile={onAddFromFile}
        />
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
  onDelete,
}: {
  initial: ClassChange;
  submitLabel: string;
  testId: string;
  onSubmit: (c: ClassChange) => Promise<void>;
  onCancel: () => void;
  onDelete?: () => void;
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
      {onDelete && (
        <button
          type="button"
          className="ghost"
          title="Delete this class (asks first, saying how many labeled pixels it has)"
          data-testid={`${testId}-delete`}
          onClick={onDelete}
        >
          Delete class…
        </button>
      )}
    </form>
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
