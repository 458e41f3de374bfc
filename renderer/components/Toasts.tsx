import { dismissToast, useToasts } from "../state/toasts.ts";

export function Toasts() {
  const toasts = useToasts();
  return (
    <div className="toasts" aria-live="assertive">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast ${t.kind}`}
          role={t.kind === "error" ? "alert" : "status"}
          data-testid={`toast-${t.kind}`}
        >
          <span>{t.text}</span>
          <button type="button" className="ghost" aria-label="Dismiss" onClick={() => dismissToast(t.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
