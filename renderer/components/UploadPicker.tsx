import { useRef, useState } from "react";
import {
  IMAGE_EXTENSIONS,
  droppedFiles,
  formatBytes,
  hasImageExtension,
  partOf,
  pickedFiles,
  type PickedFile,
  type UploadPart,
} from "../api/transfers.ts";

/** Files chosen for an upload, each with its part (images or masks). */
export interface ChosenFile {
  file: File;
  part: UploadPart;
  path: string;
}

/** The message when files were chosen but none is an image (as the importer says it of a folder). */
export function noImagesMessage(where: string, other: number): string {
  return `${where}: no images in it (PNG, JPEG, TIFF or WebP; ${other} other file${other === 1 ? "" : "s"})`;
}

/**
 * Sorts picked or dropped files: classes files (classes.json, the `--classes-file` format) apart, masks (files in a masks-like
 * folder, or every file when `part` is labels), images; files of other kinds are counted.
 */
export function sortChosen(files: PickedFile[], part?: UploadPart) {
  const chosen: ChosenFile[] = [];
  const classes: File[] = [];
  let other = 0;
  for (const f of files) {
    if (!part && /class.*\.json$/i.test(f.file.name)) classes.push(f.file);
    else if (hasImageExtension(f.file.name))
      chosen.push({ file: f.file, part: part ?? partOf(f), path: f.path });
    else other++;
  }
  return { chosen, classes, other };
}

/**
 * Picking files on this computer for an upload (browser mode): images by a file picker or a folder
 * picker, a masks folder, or anything dropped here (folders read through; a folder named masks,
 * labels, gt, ... inside a drop holds masks). Lists what was chosen.
 */
export function UploadPicker({
  files,
  onAdd,
  onClear,
  onClassesFiles,
  onNothing,
}: {
  files: ChosenFile[];
  onAdd: (files: ChosenFile[]) => void;
  onClear: () => void;
  onClassesFiles: (files: File[]) => void;
  /** a pick or drop without any image: the message saying what is expected */
  onNothing: (message: string) => void;
}) {
  const imagesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const masksInput = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);

  const take = (picked: PickedFile[], part: UploadPart | undefined, where: string) => {
    const { chosen, classes, other } = sortChosen(picked, part);
    if (classes.length > 0) onClassesFiles(classes);
    if (chosen.length > 0) onAdd(chosen);
    else if (classes.length === 0) onNothing(noImagesMessage(where, other));
  };
  const images = files.filter((f) => f.part === "images");
  const masks = files.filter((f) => f.part === "labels");
  const bytes = files.reduce((n, f) => n + f.file.size, 0);
  const input = (
    ref: React.RefObject<HTMLInputElement | null>,
    part: UploadPart | undefined,
    folder: boolean,
    testId: string,
  ) => (
    <input
      ref={ref}
      type="file"
      multiple
      hidden
      accept={folder ? undefined : IMAGE_EXTENSIONS.join(",")}
      data-testid={testId}
      {...(folder ? { webkitdirectory: "" } : {})}
      onChange={(e) => {
        const list = pickedFiles(e.target.files);
        e.target.value = ""; // the same files again are a new pick
        take(list, part, folder ? "The folder" : "The files chosen");
      }}
    />
  );

  return (
    <div
      className={over ? "drop-zone over" : "drop-zone"}
      data-testid="upload-drop"
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes("Files")) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        void droppedFiles(e.dataTransfer).then((list) => take(list, undefined, "The drop"));
      }}
    >
      <p>
        Drop images, folders and a masks folder here, or choose:{" "}
        <button type="button" onClick={() => imagesInput.current?.click()} data-testid="upload-pick-images">
          Images…
        </button>{" "}
        <button type="button" onClick={() => folderInput.current?.click()} data-testid="upload-pick-folder">
          A folder…
        </button>{" "}
        <button type="button" onClick={() => masksInput.current?.click()} data-testid="upload-pick-masks">
          Masks folder…
        </button>
      </p>
      {input(imagesInput, "images", false, "upload-images-input")}
      {input(folderInput, undefined, true, "upload-folder-input")}
      {input(masksInput, "labels", true, "upload-masks-input")}
      {files.length > 0 && (
        <p className="muted" data-testid="upload-chosen">
          {images.length} image{images.length === 1 ? "" : "s"}
          {masks.length > 0 && `, ${masks.length} mask${masks.length === 1 ? "" : "s"}`} ({formatBytes(bytes)}
          ) to upload{" "}
          <button type="button" className="link" onClick={onClear}>
            clear
          </button>
        </p>
      )}
    </div>
  );
}
