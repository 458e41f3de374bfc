import { useEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { ClassDef, ImageItem, ImageSort, ImageStatus, Split } from "../../../app/common/api-types.ts";
import { useApp } from "../../state/app-context.tsx";
import { navigate, openSuggested, takeLastImage } from "../../state/route.ts";
import { isTyping, useKeydown } from "../../state/keys.ts";
import { useCommands } from "../../state/commands.ts";
import { commandFor, type Command } from "../../keymap.ts";
import { Header } from "../../components/Header.tsx";
import { pushToast, toastError } from "../../state/toasts.ts";
import { leastLabeledText, leastLabeledTrain } from "../../state/start-fallback.ts";
import { useImagePages, type ImageQuery } from "./use-image-pages.ts";
import { TileLabels } from "./TileLabels.tsx";
import { HttpApi, type UiApi } from "../../api/client.ts";
import { droppedFiles, type PickedFile } from "../../api/transfers.ts";

const TILE_W = 184;
const TILE_H = 212;

/** The grid's sort and filters last used in this window: coming back from an image keeps them. */
let kept = {
  sort: "id" as ImageSort,
  status: "" as ImageStatus | "",
  split: "" as Split | "",
  search: "",
  /** the labels drawn over the thumbnails */
  labels: true,
};

export function BrowserScreen({
  onImport,
  onExport,
  onToggleTraining,
}: {
  /** opens the import dialog; with the files dropped on the grid (browser mode) */
  onImport: (dropped?: PickedFile[]) => void;
  onExport: () => void;
  onToggleTraining: () => void;
}) {
  const { api, project, onEvent } = useApp();
  // Browser mode takes files by drag-and-drop; the desktop app imports folders by path.
  const uploads = api instanceof HttpApi;
  const [dropping, setDropping] = useState(false);
  const [sort, setSort] = useState<ImageSort>(kept.sort);
  const [status, setStatus] = useState<ImageStatus | "">(kept.status);
  const [showLabels, setShowLabels] = useState(kept.labels);
  const [split, setSplit] = useState<Split | "">(kept.split);
  const [search, setSearch] = useState(kept.search);
  const [debounced, setDebounced] = useState(kept.search.trim());
  useEffect(() => {
    kept = { sort, status, split, search, labels: showLabels };
  }, [sort, status, split, search, showLabels]);
  const [reloadKey, setReloadKey] = useState(0);
  const [focused, setFocused] = useState(0);
  const [width, setWidth] = useState(1000);
  const scrollRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const t = setTimeout(() => setDebounced(search.trim()), 200);
    return () => clearTimeout(t);
  }, [search]);

  useEffect(
    () =>
      onEvent((e) => {
        if (e.type === "project.changed" || e.type === "predictions.changed") setReloadKey((k) => k + 1);
      }),
    [onEvent],
  );

  const query = useMemo<ImageQuery>(
    () => ({ sort, status: status || undefined, split: split || undefined, search: debounced || undefined }),
    [sort, status, split, debounced],
  );
  const { total, item, ensure } = useImagePages(api, query, `${project?.file}:${reloadKey}`);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  const cols = Math.max(1, Math.floor((width - 16) / TILE_W));
  const count = total ?? 0;
  const rows = Math.ceil(count / cols);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => TILE_H,
    overscan: 3,
  });
  const vrows = virtualizer.getVirtualItems();
  const firstRow = vrows[0]?.index ?? 0;
  const lastRow = vrows[vrows.length - 1]?.index ?? 0;

  useEffect(() => {
    if (count > 0) ensure(firstRow * cols, (lastRow + 1) * cols - 1);
  }, [firstRow, lastRow, cols, count, ensure]);

  const open = (it: ImageItem | undefined) => it && navigate({ screen: "image", id: it.id });

  /**
   * The first image of the queue not worked on yet (before any model: the start queue), opened
   * as N on the labeling screen opens one: with the uncertainty layer on.
   */
  const labelNext = async () => {
    try {
      const list = await api.call("suggestions.list", { limit: 500 });
      const pick = list.find((q) => !q.worked);
      const least =
        !pick && list.length === 0 && project?.summary.models === 0
          ? await leastLabeledTrain(api, null)
          : null;
      if (pick) openSuggested(pick.imageId);
      else if (least) {
        pushToast("info", leastLabeledText(least));
        navigate({ screen: "image", id: least.id });
      } else
        pushToast(
          "info",
          list.length === 0
            ? "No suggestions: every train image has labels. Train a model (T); its uncertainty picks what to label next."
            : `All ${list.length} suggested images are done. Train again (T) for new suggestions.`,
        );
    } catch (e) {
      toastError(e);
    }
  };

  const moveFocus = (to: number) => {
    const i = Math.max(0, Math.min(count - 1, to));
    setFocused(i);
    virtualizer.scrollToIndex(Math.floor(i / cols), { align: "auto" });
    // The tile is there once the virtualizer has rendered its row: a few frames at most.
    const focusTile = (tries: number) => {
      const tile = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${i}"]`);
      if (tile) tile.focus();
      else if (tries > 0) requestAnimationFrame(() => focusTile(tries - 1));
    };
    requestAnimationFrame(() => focusTile(10));
  };

  // Back from an image (G, ← Images): its tile has the focus, so the arrows go on from there.
  const [returnTo, setReturnTo] = useState<number | null>(null);
  const [returnId, setReturnId] = useState<number | null>(null);
  useEffect(() => {
    const id = takeLastImage();
    if (id === null) return;
    const plain = kept.sort === "id" && !kept.status && !kept.split && !kept.search.trim();
    // In import order, unfiltered, the image's place is what images.neighbors counts; sorted or
    // filtered, it is looked up among the tiles loaded.
    if (!plain) return setReturnId(id);
    api
      .call("images.neighbors", { id })
      .then((n) => setReturnTo(n.index))
      .catch(() => {}); // an image removed meanwhile: nothing to come back to
  }, [api]);
  // Read through a ref: made anew each render, it is not what this waits for (the tiles are).
  const moveFocusRef = useRef(moveFocus);
  moveFocusRef.current = moveFocus;
  useEffect(() => {
    const moveFocus = moveFocusRef.current;
    if (returnId !== null && count > 0) {
      for (let i = 0; i < count; i++) {
        const it = item(i);
        if (it === undefined) break; // not loaded (yet): the first page holds the usual case
        if (it.id === returnId) {
          setReturnId(null);
          moveFocus(i);
          return;
        }
      }
      return;
    }
    if (returnTo === null || count === 0) return;
    setReturnTo(null);
    moveFocus(returnTo);
  }, [returnId, returnTo, count, item]);

  useKeydown((e) => {
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    // The arrows work while nothing has the focus (a fresh grid), from the current tile on; the
    // grid's own handler has them once a tile has it.
    if (e.target === document.body && moveKey(e.key)) return e.preventDefault();
    run(commandFor(e, ["grid"]), e);
  });
  /** What each command of the keymap does on the grid (a key, or the desktop app's menu). */
  const run = (c: Command | null, e?: KeyboardEvent) => {
    if (c === "training") onToggleTraining();
    else if (c === "grid.import" || c === "import") onImport();
    else if (c === "suggestion.next") void labelNext();
    else if (c === "grid.search") {
      e?.preventDefault();
      document.querySelector<HTMLInputElement>("#image-search")?.focus();
    }
  };
  useCommands((c) => (c === "export" ? onExport() : run(c)));

  /** Moves the focus by an arrow, Page Up/Down, Home or End; false for any other key. */
  function moveKey(key: string): boolean {
    const step: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: cols,
      ArrowUp: -cols,
      PageDown: cols * 4,
      PageUp: -cols * 4,
    };
    if (count === 0) return false;
    if (key in step) moveFocus(focused + step[key]);
    else if (key === "Home") moveFocus(0);
    else if (key === "End") moveFocus(count - 1);
    else return false;
    return true;
  }

  const onGridKey = (e: React.KeyboardEvent) => {
    if (moveKey(e.key)) e.preventDefault();
    else if (e.key === "Enter") open(item(focused));
  };

  const filtered = !!(status || split || debounced);
  const classes = project?.classes;
  const overlay = useMemo(
    () => (showLabels && classes ? { api, classes } : null),
    [showLabels, classes, api],
  );
  const empty = total === 0 && !filtered;
  return (
    <div
      className={dropping ? "screen browser-screen dropping" : "screen browser-screen"}
      data-testid="browser-screen"
      {...(uploads
        ? {
            // Files dropped on the grid open the import dialog with them (browser mode).
            onDragOver: (e: React.DragEvent) => {
              if (!e.dataTransfer.types.includes("Files")) return;
              e.preventDefault();
              e.dataTransfer.dropEffect = "copy";
              setDropping(true);
            },
            onDragLeave: (e: React.DragEvent) => {
              if (e.currentTarget === e.target) setDropping(false);
            },
            onDrop: (e: React.DragEvent) => {
              e.preventDefault();
              setDropping(false);
              void droppedFiles(e.dataTransfer).then((files) => onImport(files));
            },
          }
        : {})}
    >
      <Header>
        <div className="filters" role="search">
          <input
            id="image-search"
            type="search"
            placeholder="Search  ( / )"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            aria-label="Search images by name"
          />
          <label>
            Sort
            <select
              value={sort}
              onChange={(e) => setSort(e.target.value as ImageSort)}
              data-testid="sort"
              title={project?.summary.models === 0 ? "Most uncertain: after the first training" : undefined}
            >
              <option value="id">Import order</option>
              <option value="name">Name</option>
              <option value="labeled">Most labeled</option>
              <option value="uncertainty" disabled={project?.summary.models === 0}>
                Most uncertain
              </option>
              <option value="suggested">Suggested first</option>
            </select>
          </label>
          <label>
            Status
            <select
              value={status}
              onChange={(e) => setStatus(e.target.value as ImageStatus | "")}
              data-testid="filter-status"
            >
              <option value="">All</option>
              <option value="unlabeled">Unlabeled</option>
              <option value="labeled">Labeled</option>
              <option value="predicted">Predicted</option>
              <option value="suggested">Suggested</option>
            </select>
          </label>
          <label>
            Split
            <select value={split} onChange={(e) => setSplit(e.target.value as Split | "")}>
              <option value="">All</option>
              <option value="train">Train</option>
              <option value="val">Val</option>
              <option value="test">Test</option>
            </select>
          </label>
        </div>
        <div className="actions">
          <button
            type="button"
            onClick={() => onImport()}
            data-testid="open-import"
            title="Import images (I)"
          >
            Import
          </button>
          <button
            type="button"
            onClick={onExport}
            data-testid="open-export"
            title="Export masks, a dataset folder or the model"
          >
            Export
          </button>
          <button type="button" onClick={onToggleTraining} data-testid="open-training" title="Training (T)">
            Training
          </button>
        </div>
      </Header>
      <div className="grid-meta muted" data-testid="grid-count">
        {total === null
          ? "Loading…"
          : filtered && project
            ? // The project's counts would not add up with a filtered list: what matches, of how many.
              `${total.toLocaleString()} of ${project.summary.images.toLocaleString()} images match`
            : `${total.toLocaleString()} image${total === 1 ? "" : "s"}`}
        {project && !filtered && ` · ${project.summary.labeledImages} with labels`}
        <label className="check grid-labels-toggle" title="Draw each image's labels over its thumbnail">
          <input
            type="checkbox"
            checked={showLabels}
            onChange={(e) => setShowLabels(e.target.checked)}
            data-testid="grid-show-labels"
          />
          <span>Labels</span>
        </label>
        {project !== null && project.summary.images > 0 && (
          <button
            type="button"
            className="primary small"
            onClick={() => void labelNext()}
            data-testid="grid-next-suggestion"
            title="Open the first suggested image not labeled yet (N); before any model, varied images to label first"
          >
            Label next suggested <kbd>N</kbd>
          </button>
        )}
        <span className="push">
          <kbd>←↑→↓</kbd> move · <kbd>Enter</kbd> open · <kbd>/</kbd> search
        </span>
      </div>
      <div className="grid-scroll" ref={scrollRef} data-testid="grid" onKeyDown={onGridKey}>
        {empty ? (
          <div className="empty-state">
            <h2>No images yet</h2>
            <p>
              Import a folder of PNG, JPEG, TIFF or WebP images to start labeling
              {uploads ? ", or drop images and folders here." : "."}
            </p>
            <button type="button" className="primary" onClick={() => onImport()}>
              Import images
            </button>
          </div>
        ) : total === 0 ? (
          <div className="empty-state">
            <p>No image matches these filters.</p>
          </div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {vrows.map((vr) => (
              <div
                key={vr.key}
                className="grid-row"
                style={{ transform: `translateY(${vr.start}px)`, height: TILE_H }}
              >
                {Array.from({ length: cols }, (_, c) => {
                  const i = vr.index * cols + c;
                  if (i >= count) return null;
                  const it = item(i);
                  return (
                    <Tile
                      key={i}
                      index={i}
                      item={it}
                      focused={i === focused}
                      thumbUrl={it ? api.thumbUrl(it) : null}
                      overlay={overlay}
                      onOpen={() => open(it)}
                      onFocus={() => setFocused(i)}
                    />
                  );
                })}
              </div>
            ))}
          </div>
        )}
      </div>
    </div>
  );
}

function Tile({
  item,
  index,
  focused,
  thumbUrl,
  overlay,
  onOpen,
  onFocus,
}: {
  item: ImageItem | undefined;
  index: number;
  focused: boolean;
  thumbUrl: string | null;
  /** the labels over the thumbnail (null: off) */
  overlay: { api: UiApi; classes: ClassDef[] } | null;
  onOpen: () => void;
  onFocus: () => void;
}) {
  const labeledPct = item ? (100 * item.labeledPixels) / (item.width * item.height) : 0;
  return (
    <button
      type="button"
      className="tile"
      data-index={index}
      data-testid={item ? `tile-${item.id}` : undefined}
      tabIndex={focused ? 0 : -1}
      onClick={onOpen}
      onFocus={onFocus}
      aria-label={item ? `${item.name}, ${item.status}` : "loading"}
    >
      <div className="thumb">
        {thumbUrl ? (
          <span className="thumb-stack">
            <img src={thumbUrl} alt="" loading="lazy" decoding="async" draggable={false} />
            {overlay && item && <TileLabels api={overlay.api} item={item} classes={overlay.classes} />}
          </span>
        ) : (
          <div className="thumb-skeleton" />
        )}
      </div>
      <div className="tile-name" title={item?.name}>
        {item?.name ?? "…"}
      </div>
      <div className="tile-meta">
        {item && <span className={`badge ${item.status}`}>{item.status}</span>}
        {item && (
          <span
            className={`split-badge ${item.split}`}
            data-testid="split-badge"
            title={
              item.split === "train"
                ? "train: the model learns from its labels"
                : item.split === "val"
                  ? "val: its labels measure the model (val mIoU), not trained on"
                  : "test: kept apart, not trained on"
            }
          >
            {item.split}
          </span>
        )}
        {item?.suggestedRank != null && (
          <span
            className="rank"
            data-testid="suggested-rank"
            title={`Number ${item.suggestedRank} in the suggestion queue (N in the labeling screen walks it)`}
          >
            #{item.suggestedRank}
          </span>
        )}
        {item && item.labeledPixels > 0 && (
          <span className="muted">{labeledPct < 0.1 ? "<0.1" : labeledPct.toFixed(1)}%</span>
        )}
        {item?.score != null && (
          <span className="score" title={`uncertainty ${item.score.toFixed(3)}`}>
            <span className="score-bar" style={{ width: `${Math.round(Math.min(1, item.score) * 100)}%` }} />
          </span>
        )}
      </div>
    </button>
  );
}
