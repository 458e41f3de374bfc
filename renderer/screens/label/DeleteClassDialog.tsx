import { useEffect, useState } from "react";
import { DialogButtons, Modal } from "../../components/Modal.tsx";
import { attempt, useApp } from "../../state/app-context.tsx";
import type { ProjectInfo } from "../../../app/common/api-types.ts";

type Usage = {
  name: string;
  pixels: number;
  images: number;
  refused: string | null;
  mode: "remove" | "clear" | null;
};

/**
 * Asks before deleting a class, saying how many labeled pixels on how many images deleting it
 * clears (they become unlabeled; the other classes keep theirs); when it cannot be deleted (the
 * last class in use) it says why.
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
            Delete <strong>{usage.name}</strong>?{" "}
            {usage.pixels > 0
              ? `Its ${usage.pixels.toLocaleString("en")} labeled pixel${usage.pixels === 1 ? "" : "s"} on ${usage.images} image${usage.images === 1 ? "" : "s"} will be cleared (unlabeled), in the undo history too.`
              : "It has no labeled pixels."}{" "}
            {usage.mode === "clear"
              ? "Models made before keep working; they no longer show or accept it. The other classes keep their labels and keys."
              : "No other class changes."}
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
