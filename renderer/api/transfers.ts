/**
 * Files between the browser and `pixelloop serve` (browser mode only; the desktop app reads and
 * writes folders on the machine by path): uploads of images and masks into a batch that the
 * server imports as the CLI does (app/server/uploads.ts), and exports fetched as a zip
 * (app/server/downloads.ts).
 */
import { ApiError } from "../../app/common/api-error.ts";
import type { ApiRequest } from "../../app/api/schema.ts";
import type { ImportResult, Split } from "../../app/common/api-types.ts";

export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"];

/** A file picked or dropped, with the path it had inside a dropped or picked folder. */
export interface PickedFile {
  file: File;
  /** "street/masks/a.png" for a file of a folder, else its name */
  path: string;
}

export type UploadPart = "images" | "labels";

export interface UploadLimits {
  maxFileBytes: number;
  maxBatchBytes: number;
  maxFiles: number;
}

/** What the dialog shows while a batch uploads. */
export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
  file: string;
}

export type ExportMethod = "export.masks" | "export.dataset" | "export.model";

export function hasImageExtension(name: string): boolean {
  const dot = name.lastIndexOf(".");
  return dot >= 0 && IMAGE_EXTENSIONS.includes(name.slice(dot).toLowerCase());
}

/** Folder names that hold masks in the datasets people drop (masks/, labels/, gt/, SegmentationClass/). */
const MASK_FOLDER = /^(masks?|labels?|annotations?|gt|ground[-_ ]?truth|segmentation[-_ ]?class\w*)$/i;

/** Which part of an upload a dropped file is: a file inside a masks-like folder is a mask. */
export function partOf(p: PickedFile): UploadPart {
  const folders = p.path.split("/").slice(0, -1);
  return folders.some((f) => MASK_FOLDER.test(f)) ? "labels" : "images";
}

/** "1.2 MB" */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/**
 * The files of a drop, folders read recursively where the browser gives them
 * (webkitGetAsEntry); otherwise the dropped files as they are.
 */
export async function droppedFiles(dt: DataTransfer): Promise<PickedFile[]> {
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(dt.items)) {
    if (item.kind !== "file") continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) return Array.from(dt.files).map((file) => ({ file, path: file.name }));
  const out: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      );
      out.push({ file, path: prefix + entry.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries answers in pieces (100 at a time in Chromium) until it answers none.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
          reader.readEntries(resolve, reject),
        );
        if (batch.length === 0) break;
        for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, "");
  return out;
}

/** The files of an <input type=file> (with `webkitdirectory`, their paths in the folder). */
export function pickedFiles(list: FileList | null): PickedFile[] {
  return Array.from(list ?? []).map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

async function json<T>(res: Response, what: string): Promise<T> {
  let body: { ok: boolean; result?: unknown; error?: { status: number; message: string } };
  try {
    body = await res.json();
  } catch {
    throw new ApiError(
      res.status,
      `${what}: the server answered ${res.status} ${res.statusText} without JSON`,
    );
  }
  if (!body.ok) throw new ApiError(body.error?.status ?? res.status, body.error?.message ?? `${what} failed`);
  return body.result as T;
}

async function post<T>(base: string, url: string, body: unknown, what: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${url}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (e) {
    throw new ApiError(0, `${what}: cannot reach the Pixelloop server (${(e as Error).message})`);
  }
  return json<T>(res, what);
}

/** One file's bytes to the batch, with upload progress (fetch has none: XMLHttpRequest). */
function sendFile(
  base: string,
  batch: string,
  part: UploadPart,
  file: File,
  onSent: (bytes: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${base}/upload/${batch}/${part}?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onerror = () =>
      reject(new ApiError(0, `${file.name}: the upload failed (the server is not reachable)`));
    xhr.onload = () => {
      let body: { ok?: boolean; error?: { status: number; message: string } } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // answered below
      }
      if (xhr.status === 200 && body.ok) return resolve();
      reject(
        new ApiError(xhr.status, body.error?.message ?? `${file.name}: the server answered ${xhr.status}`),
      );
    };
    xhr.send(file);
  });
}

/**
 * Uploads images (and masks) as one batch, then has the server import it: the answer is the
 * import's, as `images.import` gives it. Files over the server's limits are refused before
 * anything is sent; any failure drops the whole batch on the server (nothing half-imported).
 */
export async function uploadAndImport(
  base: string,
  files: { file: File; part: UploadPart }[],
  opts: { split: Split; binary: boolean; onProgress: (p: UploadProgress) => void },
): Promise<ImportResult> {
  const { batch, limits } = await post<{ batch: string; limits: UploadLimits }>(
    base,
    "/upload",
    {},
    "upload",
  );
  const totalBytes = files.reduce((n, f) => n + f.file.size, 0);
  const drop = () =>
    fetch(`${base}/upload/${batch}`, { method: "DELETE", credentials: "same-origin" }).catch(() => undefined);
  const tooBig = files.find((f) => f.file.size > limits.maxFileBytes);
  const refusal = tooBig
    ? `${tooBig.file.name} is ${formatBytes(tooBig.file.size)}, over the limit of ${formatBytes(limits.maxFileBytes)} per file`
    : totalBytes > limits.maxBatchBytes
      ? `the files are ${formatBytes(totalBytes)} in all, over the limit of ${formatBytes(limits.maxBatchBytes)} per upload`
      : files.length > limits.maxFiles
        ? `${files.length.toLocaleString("en-US")} files, over the limit of ${limits.maxFiles.toLocaleString("en-US")} per upload`
        : null;
  if (refusal) {
    await drop();
    throw new ApiError(413, `${refusal}; nothing was uploaded`);
  }
  let sent = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      const { file, part } = files[i];
      const progress = (bytes: number) =>
        opts.onProgress({
          sentBytes: sent + bytes,
          totalBytes,
          files: i,
          totalFiles: files.length,
          file: file.name,
        });
      progress(0);
      await sendFile(base, batch, part, file, progress);
      sent += file.size;
    }
    opts.onProgress({ sentBytes: sent, totalBytes, files: files.length, totalFiles: files.length, file: "" });
  } catch (e) {
    await drop();
    throw e;
  }
  return post<ImportResult>(
    base,
    `/upload/${batch}/import`,
    { split: opts.split, binary: opts.binary },
    "import",
  );
}

/** Runs an export on the server into a zip to fetch: its name and the export's answer. */
export function prepareDownload<M extends ExportMethod>(
  base: string,
  method: M,
  request: Omit<ApiRequest<M>, "outDir">,
): Promise<{ id: string; name: string; result: unknown }> {
  return post(base, "/download", { method, request }, method);
}

/** Starts the browser's download of a prepared zip (streamed by the server, saved by the browser). */
export function startDownload(base: string, id: string, name: string): void {
  const a = document.createElement("a");
  a.href = `${base}/download/${id}.zip`;
  a.download = name;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
}
