import { useState } from "react";
import { MASK_SOURCES, type MaskSource } from "../../app/common/mask-sources.ts";
import type { DatasetExportResult, ExportResult, ModelExportResult } from "../../app/common/api-types.ts";
import { attempt, useApp } from "../state/app-context.tsx";
import { DialogButtons, Modal } from "./Modal.tsx";
import { ChooseButton } from "./FolderPicker.tsx";
import { HttpApi } from "../api/client.ts";
import { prepareDownload, startDownload } from "../api/transfers.ts";

type What = "masks" | "dataset" | "model";
type Format = "index" | "color" | "coco";

const FORMATS: { id: Format; label: string; hint: string }[] = [
  {
    id: "index",
    label: "Class index PNG",
    hint: "pixel value = class index, 255 = unlabeled; for training other tools",
  },
  { id: "color", label: "Color PNG", hint: "class colors, transparent where unlabeled, plus legend.json" },
  { id: "coco", label: "COCO JSON", hint: "one coco.json, one RLE annotation per connected region" },
];

const SOURCES: Record<MaskSource, string> = {
  labels: "Labels (drawn and accepted)",
  human: "Drawn labels only",
  accepted: "Accepted predictions only",
  predictions: "Predictions of the latest model",
  completed: "Labels, predictions where unlabeled",
};

type Result =
  | { what: "masks"; r: ExportResult }
  | { what: "dataset"; r: DatasetExportResult }
  | { what: "model"; r: ModelExportResult };

/**
 * Export masks (PNG or COCO), a VOC-like dataset folder, or the latest model, from the app: in
 * browser mode downloaded as a .zip by default, or written to a folder on the server's machine.
 */
export function ExportDialog({ onClose }: { onClose: () => void }) {
  const { api, project } = useApp();
  // The desktop app writes to folders on this machine; a browser downloads a zip.
  const http = api instanceof HttpApi ? api : null;
  const [zip, setZip] = useState(http !== null);
  const [zipName, setZipName] = useState<string | null>(null);
  const [what, setWhat] = useState<What>("masks");
  const [format, setFormat] = useState<Format>("index");
  const [source, setSource] = useState<MaskSource>("labels");
  const [onlyLabeled, setOnlyLabeled] = useState(true);
  // A folder typed for one kind of export is that kind's: another kind starts at its own default.
  const [outDirs, setOutDirs] = useState<Record<string, string>>({});
  const kind = what === "masks" ? `masks-${format}` : what;
  const outDir = outDirs[kind] ?? "";
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const dir = outDir.trim() || undefined;
  const placeholder =
    what === "masks"
      ? `exports/masks-${format}`
      : what === "dataset"
        ? "exports/dataset"
        : "exports/model-<id>";

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setResult(null); // a failed export must not leave the last one's "Wrote …" standing
    setZipName(null);
    let r: Result | null = null;
    if (zip && http) {
      const request =
        what === "masks"
          ? { format, source, onlyLabeled }
          : what === "dataset"
            ? { source, onlyLabeled }
            : {};
      const d = await attempt(prepareDownload(http.base, `export.${what}`, request));
      if (d) {
        r = { what, r: d.result } as Result;
        setZipName(d.name);
        startDownload(http.base, d.id, d.name);
      }
    } else if (what === "masks") {
      const m = await attempt(api.call("export.masks", { format, source, onlyLabeled, outDir: dir }));
      if (m) r = { what, r: m };
    } else if (what === "dataset") {
      const d = await attempt(api.call("export.dataset", { source, onlyLabeled, outDir: dir }));
      if (d) r = { what, r: d };
    } else {
      const m = await attempt(api.call("export.model", { outDir: dir }));
      if (m) r = { what, r: m };
    }
    setBusy(false);
    if (r) setResult(r);
  };

  const choose = (next: What) => {
    setWhat(next);
    setResult(null);
  };

  return (
    <Modal title="Export" onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <fieldset className="export-what">
          <legend>What</legend>
          {(
            [
              ["masks", "Masks"],
              ["dataset", "Dataset folder (images, masks, splits; Pascal VOC layout)"],
              ["model", "Latest model (TensorFlow.js layers model + metadata.json)"],
            ] as const
          ).map(([id, label]) => (
            <label className="check" key={id}>
              <input
                type="radio"
                name="what"
                checked={what === id}
                onChange={() => choose(id)}
                data-testid={`export-${id}`}
              />
              <span>{label}</span>
            </label>
          ))}
        </fieldset>
        {what === "masks" && (
          <fieldset>
            <legend>Format</legend>
            {FORMATS.map((f) => (
              <label className="check" key={f.id}>
                <input
                  type="radio"
                  name="format"
                  checked={format === f.id}
                  onChange={() => {
                    setFormat(f.id);
                    setResult(null);
                  }}
                  data-testid={`format-${f.id}`}
                />
                <span>
                  {f.label} <span className="muted">({f.hint})</span>
                </span>
              </label>
            ))}
          </fieldset>
        )}
        {what !== "model" && (
          <label>
            <span>Pixels</span>
            <select
              value={source}
              onChange={(e) => {
                const next = e.target.value as MaskSource;
                setSource(next);
                // Predictions cover unlabeled images too: export them all unless asked otherwise.
                setOnlyLabeled(next !== "predictions" && next !== "completed");
                setResult(null);
              }}
              data-testid="export-source"
            >
              {MASK_SOURCES.map((s) => (
                <option key={s} value={s}>
                  {SOURCES[s]}
                </option>
              ))}
            </select>
          </label>
        )}
        {((what === "masks" && format !== "coco") || what === "dataset") && (
          <label className="check">
            <input type="checkbox" checked={onlyLabeled} onChange={(e) => setOnlyLabeled(e.target.checked)} />
            <span>Only images with labels</span>
          </label>
        )}
        {http && (
          <div className="export-where" role="radiogroup" aria-label="Where">
            <label className="check">
              <input
                type="radio"
                name="where"
                checked={zip}
                onChange={() => setZip(true)}
                data-testid="export-zip"
              />
              <span>Download as a .zip</span>
            </label>
            <label className="check">
              <input
                type="radio"
                name="where"
                checked={!zip}
                onChange={() => setZip(false)}
                data-testid="export-folder"
              />
              <span>A folder on the server&apos;s machine</span>
            </label>
          </div>
        )}
        {!zip && (
          <label>
            <span>Folder (relative paths start at the project folder)</span>
            <span className="field-row">
              <input
                value={outDir}
                onChange={(e) => {
                  setOutDirs({ ...outDirs, [kind]: e.target.value });
                  setResult(null);
                }}
                placeholder={placeholder}
                data-testid="export-dir"
              />
              <ChooseButton
                purpose="export"
                start={outDir.trim() || undefined}
                onChosen={(d) => {
                  setOutDirs({ ...outDirs, [kind]: d });
                  setResult(null);
                }}
                testId="choose-export-dir"
              />
            </span>
          </label>
        )}
        {result && zipName && (
          <p className="result" data-testid="export-result">
            {result.what === "masks"
              ? `${result.r.format === "coco" ? `${result.r.annotations} annotations of ${result.r.written} images` : `${result.r.written} ${result.r.format} masks`}`
              : result.what === "dataset"
                ? `${result.r.images} images (train ${result.r.splits.train}, val ${result.r.splits.val}, test ${result.r.splits.test})${result.r.skipped.length > 0 ? `; left out ${result.r.skipped.length} whose file cannot be read, e.g. ${result.r.skipped[0].file}: ${result.r.skipped[0].reason}` : ""}`
                : `Model ${result.r.modelId}`}{" "}
            in <strong>{zipName}</strong>, downloading (see the browser&apos;s downloads)
          </p>
        )}
        {result && !zipName && (
          <p className="result" data-testid="export-result">
            {result.what === "masks" && result.r.format === "coco" ? (
              <>
                Wrote <strong>{result.r.annotations}</strong> annotations of{" "}
                <strong>{result.r.written}</strong> images to <code>{result.r.file}</code>
              </>
            ) : result.what === "masks" ? (
              <>
                Wrote <strong>{result.r.written}</strong> {result.r.format} masks to{" "}
                <code>{result.r.outDir}</code>
              </>
            ) : result.what === "dataset" ? (
              <>
                Wrote <strong>{result.r.images}</strong> images (train {result.r.splits.train}, val{" "}
                {result.r.splits.val}, test {result.r.splits.test}) to <code>{result.r.outDir}</code>
                {result.r.skipped.length > 0 && (
                  <>
                    ; left out {result.r.skipped.length} whose file cannot be read, e.g.{" "}
                    <code>{result.r.skipped[0].file}</code>: {result.r.skipped[0].reason}
                  </>
                )}
              </>
            ) : (
              <>
                Wrote model <strong>{result.r.modelId}</strong> to <code>{result.r.outDir}</code>
              </>
            )}
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
