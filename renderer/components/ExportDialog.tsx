import { useState } from "react";
import type { ExportResult } from "../../app/api/types.ts";
import { attempt, useApp } from "../state/app-context.tsx";
import { DialogButtons, Modal } from "./Modal.tsx";

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const { api, project } = useApp();
  const [format, setFormat] = useState<"index" | "color">("index");
  const [onlyLabeled, setOnlyLabeled] = useState(true);
  const [outDir, setOutDir] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ExportResult | null>(null);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const r = await attempt(
      api.call("export.masks", { format, onlyLabeled, outDir: outDir.trim() || undefined }),
    );
    setBusy(false);
    if (r) setResult(r);
  };

  return (
    <Modal title="Export masks" onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <fieldset>
          <legend>Format</legend>
          <label className="check">
            <input
              type="radio"
              name="format"
              checked={format === "index"}
              onChange={() => setFormat("index")}
              data-testid="format-index"
            />
            <span>
              Class index PNG{" "}
              <span className="muted">
                (pixel value = class index, 255 = unlabeled; for training other tools)
              </span>
            </span>
          </label>
          <label className="check">
            <input
              type="radio"
              name="format"
              checked={format === "color"}
              onChange={() => setFormat("color")}
              data-testid="format-color"
            />
            <span>
              Color PNG{" "}
              <span className="muted">(class colors, transparent where unlabeled, plus legend.json)</span>
            </span>
          </label>
        </fieldset>
        <label className="check">
          <input type="checkbox" checked={onlyLabeled} onChange={(e) => setOnlyLabeled(e.target.checked)} />
          <span>Only images with labels</span>
        </label>
        <label>
          <span>Folder (relative paths start at the project folder)</span>
          <input
            value={outDir}
            onChange={(e) => setOutDir(e.target.value)}
            placeholder={`exports/masks-${format}`}
            data-testid="export-dir"
          />
        </label>
        {result && (
          <p className="result" data-testid="export-result">
            Wrote <strong>{result.written}</strong> {result.format} masks to <code>{result.outDir}</code>
          </p>
        )}
        <DialogButtons
          onClose={onClose}
          done={result !== null}
          busy={busy}
          disabled={!project}
          label="Export"
          busyLabel="Exporting…"
          testId="export-submit"
        />
      </form>
    </Modal>
  );
}
