/**
 * Choosing a folder (or a project file) on the machine the server runs on. In browser mode: a
 * dialog over the folders.* API (breadcrumbs, subfolders with their image counts, a new folder,
 * choose); choosing makes the folder usable for projects, imports and exports for the session.
 * In the desktop app: the system's dialog through the preload (main/dialogs.ts), whose choice the
 * main process tells the core. docs/ui.md, "Choosing folders".
 */
import { useCallback, useEffect, useState } from "react";
import { createPortal } from "react-dom";
import type { FolderListing } from "../../app/common/api-types.ts";
import { useApp } from "../state/app-context.tsx";
import { toastError } from "../state/toasts.ts";
import { electronBridge, type PickPurpose } from "../api/ipc.ts";
import { Modal } from "./Modal.tsx";

export type { PickPurpose };

const TITLES: Record<PickPurpose, string> = {
  "new-project": "Choose the new project's folder",
  "open-project": "Open a project",
  import: "Choose a folder of images",
  labels: "Choose the folder of label masks",
  export: "Choose the export folder",
};

/** A "Choose…" button: the folder picker (browser) or the system's dialog (desktop app). */
export function ChooseButton({
  purpose,
  start,
  onChosen,
  testId,
  label = "Choose…",
  disabled,
}: {
  purpose: PickPurpose;
  /** where the picker opens (a path typed in the field beside it), if it exists */
  start?: string;
  onChosen: (path: string) => void;
  testId: string;
  label?: string;
  disabled?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const click = async () => {
    const bridge = electronBridge();
    if (bridge?.pick) {
      try {
        const chosen = await bridge.pick(purpose);
        if (chosen) onChosen(chosen);
      } catch (e) {
        toastError(e);
      }
      return;
    }
    setOpen(true);
  };
  const close = useCallback(() => setOpen(false), []);
  return (
    <>
      <button type="button" onClick={() => void click()} data-testid={testId} disabled={disabled}>
        {label}
      </button>
      {open &&
        createPortal(
          <FolderPicker
            purpose={purpose}
            start={start}
            onClose={close}
            onChosen={(p) => {
              setOpen(false);
              onChosen(p);
            }}
          />,
          document.body,
        )}
    </>
  );
}

function joinPath(dir: string, name: string): string {
  const sep = dir.includes("\\") && !dir.includes("/") ? "\\" : "/";
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

function imagesText(n: number | null, more?: boolean): string {
  if (n === null) return "not counted";
  const count = n.toLocaleString("en-US");
  return `${count}${more ? "+" : ""} image${n === 1 && !more ? "" : "s"}`;
}

export function FolderPicker({
  purpose,
  start,
  onClose,
  onChosen,
}: {
  purpose: PickPurpose;
  start?: string;
  onClose: () => void;
  onChosen: (path: string) => void;
}) {
  const { api } = useApp();
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [newName, setNewName] = useState("");
  const [busy, setBusy] = useState(false);

  const go = useCallback(
    async (dir?: string) => {
      setError(null);
      try {
        setListing(await api.call("folders.list", dir ? { dir } : {}));
        return true;
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
        return false;
      }
    },
    [api],
  );
  useEffect(() => {
    const typed = start?.trim();
    // A typed path that is not a folder (yet): start at the default place instead.
    void (async () => {
      if (typed && typed.startsWith("/") && (await go(typed))) return;
      await go();
    })();
  }, [go, start]);

  const act = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const choose = (then: (dir: string) => string) =>
    act(async () => {
      if (!listing) return;
      const r = await api.call("folders.choose", { dir: listing.dir });
      onChosen(then(r.dir));
    });
  const makeFolder = () =>
    act(async () => {
      if (!listing || !newName.trim()) return;
      const r = await api.call("folders.create", { parent: listing.dir, name: newName });
      setNewName("");
      await go(r.dir);
    });

  return (
    <Modal title={TITLES[purpose]} onClose={onClose} wide>
      <div className="picker" data-testid="folder-picker">
        {listing && (
          <>
            <div className="picker-places">
              {listing.places.map((p) => (
                <button
                  type="button"
                  className="ghost"
                  key={p.path}
                  title={p.path}
                  onClick={() => void go(p.path)}
                >
                  {p.what}
                </button>
              ))}
            </div>
            <nav className="picker-crumbs" aria-label="Folder path" data-testid="picker-crumbs">
              {listing.crumbs.map((c, i) => (
                <span key={c.path}>
                  {i > 1 && <span className="muted">/</span>}
                  <button type="button" className="ghost" onClick={() => void go(c.path)}>
                    {c.name}
                  </button>
                </span>
              ))}
            </nav>
            <p className="muted" data-testid="picker-summary">
              {imagesText(listing.images)} in this folder
              {listing.allowed ? `; in ${listing.allowed}` : ""}
            </p>
            <ul className="picker-list" data-testid="picker-list">
              {listing.parent && (
                <li>
                  <button type="button" className="picker-row" onClick={() => void go(listing.parent!)}>
                    <span>..</span>
                    <span className="muted">up</span>
                  </button>
                </li>
              )}
              {purpose === "open-project" &&
                listing.projects.map((name) => (
                  <li key={`p:${name}`}>
                    <button
                      type="button"
                      className="picker-row project"
                      data-testid={`picker-project-${name}`}
                      disabled={busy}
                      onClick={() => void choose((dir) => joinPath(dir, name))}
                    >
                      <span>{name}</span>
                      <span className="muted">project</span>
                    </button>
                  </li>
                ))}
              {listing.folders.map((f) => (
                <li key={f.path}>
                  <button
                    type="button"
                    className="picker-row"
                    data-testid={`picker-folder-${f.name}`}
                    disabled={f.link?.target === null}
                    title={f.link ? (f.link.target ?? f.link.reason) : f.path}
                    onClick={() => void go(f.link?.target ?? f.path)}
                  >
                    <span>
                      {f.name}/{f.link && <span className="muted"> → {f.link.target ?? f.link.reason}</span>}
                    </span>
                    <span className="muted">
                      {f.link?.target === null ? "" : imagesText(f.images, f.moreImages)}
                    </span>
                  </button>
                </li>
              ))}
              {listing.folders.length === 0 && <li className="muted">No folders in it.</li>}
            </ul>
            {listing.truncated && (
              <p className="muted">This folder holds more than one listing shows: some are not listed.</p>
            )}
            {listing.skipped > 0 && (
              <p className="muted">
                {listing.skipped} name{listing.skipped === 1 ? "" : "s"} that are not valid UTF-8 are left
                out.
              </p>
            )}
            <div className="picker-new">
              <input
                value={newName}
                onChange={(e) => setNewName(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    e.preventDefault();
                    void makeFolder();
                  }
                }}
                placeholder="New folder name"
                aria-label="New folder name"
                data-testid="picker-new-name"
              />
              <button
                type="button"
                onClick={() => void makeFolder()}
                disabled={busy || !newName.trim()}
                data-testid="picker-new"
              >
                New folder
              </button>
            </div>
          </>
        )}
        {error && (
          <p className="error-text" role="alert" data-testid="picker-error">
            {error}
          </p>
        )}
        <div className="buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          {purpose !== "open-project" && (
            <button
              type="button"
              className="primary"
              disabled={!listing || busy}
              onClick={() => void choose((dir) => dir)}
              data-testid="picker-choose"
            >
              Choose this folder
            </button>
          )}
        </div>
      </div>
    </Modal>
  );
}
