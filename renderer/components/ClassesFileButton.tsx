import { useRef } from "react";
import { MAX_CLASSES_FILE_BYTES } from "../../app/common/limits.ts";
import { pushToast } from "../state/toasts.ts";

/**
 * A button that picks a classes.json (the format `--classes-file` reads) and hands over its name
 * and text, read in the browser: no server path needed. A file over the cap is refused here,
 * naming it, before it is read; the server checks everything else and names the file too.
 */
export function ClassesFileButton({
  label,
  testId,
  title,
  className,
  onFile,
}: {
  label: string;
  testId: string;
  title?: string;
  className?: string;
  onFile: (file: string, text: string) => Promise<void>;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className={className}
        data-testid={testId}
        title={title}
        onClick={() => input.current?.click()}
      >
        {label}
      </button>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid={`${testId}-input`}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ""; // the same file again is a new pick
          if (!file) return;
          if (file.size > MAX_CLASSES_FILE_BYTES) {
            pushToast(
              "error",
              `${file.name}: ${(file.size / 1024 / 1024).toFixed(1)} MiB is too big for a classes file (at most ${MAX_CLASSES_FILE_BYTES / 1024 / 1024} MiB)`,
            );
            return;
          }
          void file.text().then(
            (text) => onFile(file.name, text),
            (err: Error) => pushToast("error", `${file.name}: cannot read (${err.message})`),
          );
        }}
      />
    </>
  );
}
