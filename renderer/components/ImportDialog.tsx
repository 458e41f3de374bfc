import { useEffect, useState } from "react";
import type { ImportResult, Split } from "../../app/common/api-types.ts";
import { attempt, useApp } from "../state/app-context.tsx";
import { pushToast } from "../state/toasts.ts";
import { DialogButtons, Modal } from "./Modal.tsx";
import { ChooseButton } from "./FolderPicker.tsx";
import { HttpApi } from "../api/client.ts";
import { formatBytes, uploadAndImport, type PickedFile, type UploadProgress } from "../api/transfers.ts";
import { UploadPicker, sortChosen, type ChosenFile } from "./UploadPicker.tsx";
import { MAX_CLASSES_FILE_BYTES } from "../../app/common/limits.ts";

/**
 * Import images (and masks): in browser mode from this computer (picker, drag-and-drop; uploaded,
 * then imported as the CLI does), and by paths on the machine the server runs on.
 */
export function ImportDialog({ onClose, dropped }: { onClose: () => void; dropped?: PickedFile[] }) {
  const { api, onEvent, refreshProject, project } = useApp();
  // Uploads are browser mode's: the desktop app reads folders on this machine by path.
  const http = api instanceof HttpApi ? api : null;
  const [files, setFiles] = useState<ChosenFile[]>(() => (dropped ? sortChosen(dropped).chosen : []));
  const [nothing, setNothing] = useState<string | null>(null);
  const [upload, setUpload] = useState<UploadProgress | null>(null);
  const [paths, setPaths] = useState("");
  const [split, setSplit] = useState<Split>("train");
  const [labels, setLabels] = useState("");
  const [binary, setBinary] = useState(false);
  const classes = project?.classes ?? [];
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number; file: string } | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);

  useEffect(() => onEvent((e) => e.type === "import.progress" && setProgress(e)), [onEvent]);

  const addClassesFiles = async (list: File[]) => {
    for (const f of list) {
      if (f.size > MAX_CLASSES_FILE_BYTES) {
        pushToast("error", `${f.name}: ${formatBytes(f.size)} is too big for a classes file`);
        continue;
      }
      const r = await attempt(api.call("classes.addFromFile", { file: f.name, text: await f.text() }));
      if (r)
        pushToast(
          "success",
          `${f.name}: added ${r.added.length} class${r.added.length === 1 ? "" : "es"}` +
            (r.skipped.length ? ` (${r.skipped.length} the project has already skipped)` : ""),
        );
    }
  };
  // A drop on the image browser may carry a classes file too.
  const [droppedClasses] = useState(() => (dropped ? sortChosen(dropped).classes : []));
  useEffect(() => {
    if (droppedClasses.length > 0) void addClassesFiles(droppedClasses);
    // once, for what was dropped when the dialog opened
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [droppedClasses]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const list = paths
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
    if (files.length === 0 && list.length === 0) {
      setNothing(
        http
          ? "Choose or drop images, or type a path on the server's machine."
          : "Type a file or folder to import.",
      );
      return;
    }
    setBusy(true);
    setResult(null);
    setNothing(null);
    const folder = labels.trim();
    const useBinary = binary && classes.length === 2;
    const r = await attempt(
      files.length > 0 && http
        ? uploadAndImport(http.base, files, { split, binary: useBinary, onProgress: setUpload })
        : api.call("images.import", {
            paths: list,
            split,
            ...(folder ? { labels: folder, binary: useBinary } : {}),
          }),
    );
    setUpload(null);
    setBusy(false);
    if (r && files.length > 0) setFiles([]);
    if (r) {
      setResult(r);
      await refreshProject();
      const problems = r.skipped.length + (r.masks?.errors.length ?? 0);
      pushToast(
        problems > 0 ? "error" : r.imported > 0 || (r.masks?.imported ?? 0) > 0 ? "success" : "info",
        `Imported ${r.imported} image${r.imported === 1 ? "" : "s"}` +
          (r.masks ? ` and ${r.masks.imported} label mask${r.masks.imported === 1 ? "" : "s"}` : "") +
          (problems > 0
            ? `; ${problems} ${problems === 1 ? "problem" : "problems"}, listed in the dialog`
            : ""),
      );
    }
  };

  return (
    <Modal title="Import images" onClose={onClose}>
      <form className="form" onSubmit={submit}>
        {http && (
          <UploadPicker
            files={files}
            onAdd={(more) => {
              setNothing(null);
              setResult(null);
              setFiles((had) => [...had, ...more]);
            }}
            onClear={() => setFiles([])}
            onClassesFiles={(list) => void addClassesFiles(list)}
            onNothing={setNothing}
          />
        )}
        {nothing && (
          <p className="warning" role="alert" data-testid="import-nothing">
            {nothing}
          </p>
        )}
        <label>
          <span>
            {http ? "Or files or folders on the server's machine" : "Files or folders on this machine"}, one
            per line (folders are read recursively; relative paths start at the project folder; a folder
            outside the project's must be chosen with Choose… first)
          </span>
          <span className="field-row">
            <textarea
              data-testid="import-paths"
              rows={http ? 2 : 4}
              value={paths}
              onChange={(e) => setPaths(e.target.value)}
              placeholder="/data/street-scenes"
              autoFocus={!http}
            />
            <ChooseButton
              purpose="import"
              start={paths
                .split("\n")
                .map((l) => l.trim())
                .filter(Boolean)
                .at(-1)}
              onChosen={(dir) => setPaths((p) => (p.trim() ? `${p.trimEnd()}\n${dir}` : dir))}
              testId="choose-import"
            />
          </span>
        </label>
        <label>
          <span>Split</span>
          <select value={split} onChange={(e) => setSplit(e.target.value as Split)}>
            <option value="train">Train</option>
            <option value="val">Validation (dense labels for mIoU)</option>
            <option value="test">Test</option>
          </select>
        </label>
        <label>
          <span>
            Labels folder{http ? " on the server's machine" : ""} (optional): class-index PNG masks named like
            the images (a.jpg takes a.png); 255 and values from {classes.length} up stay unlabeled. Masks also
            label images imported before.
          </span>
          <span className="field-row">
            <input
              value={labels}
              onChange={(e) => setLabels(e.target.value)}
              placeholder="/data/street-scenes-masks"
              data-testid="import-labels"
            />
            <ChooseButton purpose="labels" start={labels} onChosen={setLabels} testId="choose-labels" />
          </span>
        </label>
        {classes.length === 2 && (
          <label className="check">
            <input
              type="checkbox"
              checked={binary}
              onChange={(e) => setBinary(e.target.checked)}
              data-testid="import-binary"
            />
            <span>
              Binary masks (0 / 255): 0 is {classes[0].name}, any other value {classes[1].name}
            </span>
          </label>
        )}
        {busy && upload && (
          <div className="progress" aria-label="Upload progress" data-testid="upload-progress">
            <progress value={upload.sentBytes} max={Math.max(1, upload.totalBytes)} />
            <span className="muted">
              Uploading {upload.files} / {upload.totalFiles} files ({formatBytes(upload.sentBytes)} of{" "}
              {formatBytes(upload.totalBytes)})
            </span>
          </div>
        )}
        {busy && !upload && progress && (
          <div className="progress" aria-label="Import progress">
            <progress value={progress.done} max={Math.max(1, progress.total)} />
            <span className="muted">
              {progress.done} / {progress.total}
            </span>
          </div>
        )}
        {result && (
          <div className="result" data-testid="import-result">
            <p>
              <strong>{result.imported}</strong> imported
              {result.duplicates.length > 0 &&
                `, ${result.duplicates.length} already in the project (same content)`}
              {result.relinked.length > 0 &&
                `, ${plural(result.relinked.length, "moved image")} found again (labels kept)`}
              {result.excluded > 0 &&
                `, ${plural(result.excluded, "image")} in the labels folder left out (${result.excluded === 1 ? "it is a mask" : "they are the masks"})`}
              {result.ignored > 0 && `, ${plural(result.ignored, "non-image file")} ignored`}
            </p>
            {result.masks && (
              <p data-testid="import-masks-result">
                <strong>{result.masks.imported}</strong> label mask{result.masks.imported === 1 ? "" : "s"}{" "}
                read ({plural(result.masks.labeledPixels, "labeled pixel")}
                {result.masks.addedPixels !== result.masks.labeledPixels &&
                  `, ${result.masks.addedPixels.toLocaleString()} of them newly labeled, the rest were labeled already`}
                )
                {result.masks.withoutMask > 0 &&
                  `, ${plural(result.masks.withoutMask, "image")} without a mask`}
                {result.masks.unlabeledValues > 0 &&
                  `, ${plural(result.masks.unlabeledValues, "mask pixel")} left unlabeled`}
              </p>
            )}
            {result.masks && result.masks.binaryLooking > 0 && (
              <p className="warning" data-testid="import-binary-hint">
                {result.masks.binaryLooking === 1
                  ? "1 mask holds only 0 and 255: its 255 was left unlabeled."
                  : `${result.masks.binaryLooking} masks hold only 0 and 255: their 255 was left unlabeled.`}{" "}
                If it marks {classes[1]?.name ?? "the second class"}, tick “Binary masks” and import again.
              </p>
            )}
            {result.masks && result.masks.unmatchedCount > 0 && (
              <details className="problems" data-testid="import-unmatched">
                <summary>
                  {plural(result.masks.unmatchedCount, "file")} of the labels folder matched no image (not
                  imported)
                </summary>
                <ul>
                  {result.masks.unmatched.map((u) => (
                    <li key={u.file}>{u.reason}</li>
                  ))}
                  {result.masks.unmatchedCount > result.masks.unmatched.length && (
                    <li>and {result.masks.unmatchedCount - result.masks.unmatched.length} more</li>
                  )}
                </ul>
              </details>
            )}
            {result.masks && result.masks.errors.length > 0 && (
              <ul className="problems">
                {result.masks.errors.map((e) => (
                  <li key={e.file}>{e.reason.includes(e.file) ? e.reason : `${e.file}: ${e.reason}`}</li>
                ))}
              </ul>
            )}
            {result.skipped.length > 0 && (
              <ul className="problems">
                {result.skipped.map((s) => (
                  <li key={s.file}>
                    <code>{s.file}</code>: {s.reason}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <DialogButtons
          onClose={onClose}
          done={result !== null}
          busy={busy}
          label="Import"
          busyLabel="Importing…"
          testId="import-submit"
        />
      </form>
    </Modal>
  );
}

/** 1 image, 2 images (counts in en-US digits, as the rest of the dialog). */
function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}
