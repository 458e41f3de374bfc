import { useState } from "react";
import { DialogButtons, Modal } from "../../components/Modal.tsx";

/**
 * Asks before taking the open image out of the project, saying what goes with it (its labels,
 * strokes and predictions) and what stays (the file on disk, models already trained).
 */
export function RemoveImageDialog({
  name,
  labeledPixels,
  onRemove,
  onClose,
}: {
  name: string;
  labeledPixels: number;
  onRemove: () => Promise<void>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <Modal title="Remove image from the project" onClose={onClose}>
      <form
        className="form"
        data-testid="remove-image-dialog"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          void onRemove().finally(() => setBusy(false));
        }}
      >
        <p>
          Remove <strong>{name}</strong> from the project?{" "}
          {labeledPixels > 0
            ? `Its ${labeledPixels.toLocaleString()} labeled pixels, strokes and predictions go with it.`
            : "It has no labels; any predictions of it go with it."}{" "}
          The file stays on disk; importing it again brings the image back without its labels. Models already
          trained are kept.
        </p>
        <DialogButtons
          onClose={onClose}
          done={false}
          busy={busy}
          label="Remove"
          busyLabel="Removing…"
          testId="remove-image-confirm"
          danger
        />
      </form>
    </Modal>
  );
}
