import { useEffect, useRef, type ReactNode } from "react";

/** A modal dialog: focus moves in, Esc closes, focus returns where it was. */
export function Modal({
  title,
  onClose,
  children,
  wide,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>(
      "[autofocus], input, select, textarea, button:not(.close)",
    );
    (first ?? ref.current)?.focus();
    const onKey = (e: KeyboardEvent) => {
      // A dialog opened from this one (the folder picker) takes the keys while it is open.
      const open = document.querySelectorAll(".modal");
      if (open.length > 1 && open[open.length - 1] !== ref.current) return;
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        onClose();
      }
      if (e.key === "Tab" && ref.current) {
        const items = [
          ...ref.current.querySelectorAll<HTMLElement>("button, input, select, textarea, a[href]"),
        ].filter((x) => !x.hasAttribute("disabled"));
        if (items.length === 0) return;
        const i = items.indexOf(document.activeElement as HTMLElement);
        if (e.shiftKey && i <= 0) {
          e.preventDefault();
          items[items.length - 1].focus();
        } else if (!e.shiftKey && i === items.length - 1) {
          e.preventDefault();
          items[0].focus();
        }
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => {
      window.removeEventListener("keydown", onKey, true);
      before?.focus?.();
    };
  }, [onClose]);
  return (
    <div
      className="modal-backdrop"
      data-modal-open
      onMouseDown={(e) => e.target === e.currentTarget && onClose()}
    >
      <div
        className={wide ? "modal wide" : "modal"}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        ref={ref}
        tabIndex={-1}
      >
        <div className="modal-head">
          <h2>{title}</h2>
          <button type="button" className="close ghost" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        {children}
      </div>
    </div>
  );
}

/**
 * The footer of a form dialog: Cancel (Done once the action has a result) and the submit button,
 * which says what it is doing while busy.
 */
export function DialogButtons({
  onClose,
  done,
  busy,
  disabled,
  label,
  busyLabel,
  testId,
  danger,
}: {
  onClose: () => void;
  done: boolean;
  busy: boolean;
  disabled?: boolean;
  label: string;
  busyLabel: string;
  testId: string;
  /** The action destroys something (styled as such). */
  danger?: boolean;
}) {
  return (
    <div className="buttons">
      <button type="button" onClick={onClose}>
        {done ? "Done" : "Cancel"}
      </button>
      <button
        type="submit"
        className={danger ? "danger" : "primary"}
        data-testid={testId}
        disabled={busy || disabled}
      >
        {busy ? busyLabel : label}
      </button>
    </div>
  );
}
