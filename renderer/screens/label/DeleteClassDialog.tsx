import { useEffect, useState } from "react";
import { DialogButtons, Modal } from "../../components/Modal.tsx";
import { attempt, useApp } from "../../state/app-context.tsx";
import type { ProjectInfo } from "../../../app/api/types.ts";

type Usage = { name: string; pixels: number; images: number; refused: string | null };

/**
 * Asks before deleting a class, saying how many labeled pixels and images it has; when it cannot
 * be deleted (labels, undo history, a model that predicts it, not the last class) it says why.
 */
export function DeleteClassDialog({
  idx,
  onDeleted,
  onClose,
}: {
  idx: number;
  onDeleted: (p: ProjectInfo) => void;
  onClose: () => void;
}) {
  const { api } = useApp();
  const [usage, setUsage] = useState<Usage | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    void attempt(api.call("classes.usage", { idx })).then((u) => {
      if (!live) return;
      if (u) setUsage(u);
      else onClose();
    });
    return () => {
      live = false;
    };
  }, [api, idx, onClose]);
  return (
    <Modal title="Delete class" onClose={onClose}>
      <form
        className="form"
        data-testid="delete-class-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!usage || usage.refused) return;
          setBusy(true);
          void attempt(api.call("classes.delete", { idx }))
            .then((p) => p && onDeleted(p))
            .finally(() => setBusy(false));
        }}
      >
        {!usage ? (
          <p className="muted">Counting its labels…</p>
        ) : usage.refused ? (
          <p data-testid="delete-class-refused">Cannot delete this class: {usage.refused}.</p>
        ) : (
          <p data-testid="delete-class-usage">
            Delete <strong>{usage.name}</strong>? It has {usage.pixels.toLocaleString("en")} labeled pixels on{" "}
            {usage.images} images and no model predicts it; no other class changes.
          </p>
        )}
        <DialogButtons
          onClose={onClose}
          done={false}
          busy={busy}
          disabled={!usage || usage.refused !== null}
          label="Delete"
          busyLabel="Deleting…"
          testId="delete-class-confirm"
          danger
        />
      </form>
    </Modal>
  );
}
