/**
 * The label screen: one image to paint on, with its layers, suggested regions and accept tools.
 * The work is in hooks (use-loaded-image, use-queue, use-mask-sync, use-accept-tools,
 * use-navigation) and the keys come from the one keymap (renderer/keymap.ts).
 */
import { classesAddedMessage } from "./classes-added.ts";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Split, Suggestion, UncertaintyMeasure } from "../../../app/common/api-types.ts";
import { attempt, useApp } from "../../state/app-context.tsx";
import { clearUncertaintyOn, navigate, uncertaintyOnAtOpen } from "../../state/route.ts";
import { pushToast, toastError } from "../../state/toasts.ts";
import { leastLabeledText, leastLabeledTrain } from "../../state/start-fallback.ts";
import { classPalette, uncertaintyPalette, uncertaintyThreshold } from "../../canvas/palette.ts";
import { LabelCanvas, type CanvasHandle, type LayerSettings, type Tool } from "./LabelCanvas.tsx";
import { LayerPanel, ToolBar } from "./Sidebar.tsx";
import { ClassPalette } from "./ClassPalette.tsx";
import { RegionsPanel } from "./RegionsPanel.tsx";
import { RemoveImageDialog } from "./RemoveImageDialog.tsx";
import { DeleteClassDialog } from "./DeleteClassDialog.tsx";
import { Header } from "../../components/Header.tsx";
import { DEFAULT_LAYERS } from "./label-layers.ts";
import { noPrediction } from "./no-prediction.ts";
import { SaveBadge } from "./SaveBadge.tsx";
import { ImageNav } from "./ImageNav.tsx";
import { CanvasHud } from "./CanvasHud.tsx";
import { useLabelKeys } from "./use-label-keys.ts";
import { AcceptPanel } from "./AcceptPanel.tsx";
import { ImagePanel } from "./ImagePanel.tsx";
import { useLoadedImage } from "./use-loaded-image.ts";
import { useQueue } from "./use-queue.ts";
import { useMaskSync } from "./use-mask-sync.ts";
import { useAcceptTools } from "./use-accept-tools.ts";
import { useNavigation } from "./use-navigation.ts";
import { DEFAULT_DISPLAY, type Display } from "./display.ts";
import { DisplayPanel } from "./DisplayPanel.tsx";
import { LivePanel } from "./LivePanel.tsx";
import { useLive } from "./use-live.ts";
import {
  DEFAULT_BRUSH,
  MAX_BRUSH,
  MIN_BRUSH,
  isBrush,
  isClassVisibility,
  useProjectSetting,
  type ClassVisibility,
} from "../../state/project-settings.ts";

const NOTHING_HIDDEN: ClassVisibility = { hidden: [], locked: [] };

/** The view settings last used in this window, kept the same way. */
let keptDisplay: Display = DEFAULT_DISPLAY;

export function LabelScreen({
  imageId,
  onToggleTraining,
}: {
  imageId: number;
  onToggleTraining: () => void;
}) {
  const { api, project, setProject, onEvent, training, opens } = useApp();
  // Deleted classes keep their index (a tombstone) but are never shown, painted or picked.
  const classes = useMemo(() => (project?.classes ?? []).filter((c) => !c.deleted), [project]);
  const [view, setDisplay] = useState<Display>(keptDisplay);
  useEffect(() => {
    keptDisplay = view;
  }, [view]);
  // Classes hidden and locked are the project's, kept in this browser across reloads.
  const [shown, setShown] = useProjectSetting(
    project?.file ?? "",
    "classes-shown",
    NOTHING_HIDDEN,
    isClassVisibility,
  );
  const display = useMemo(() => ({ ...view, hidden: shown.hidden, locked: shown.locked }), [view, shown]);
  const { highContrast, hidden } = display;
  const palette = useMemo(
    () => classPalette(classes, { highContrast, hidden }),
    [classes, highContrast, hidden],
  );
  const [tool, setTool] = useState<Tool>("brush");
  const [classIdx, setClassIdx] = useState(0);
  // The brush is the project's (size, screen or image pixels, shape), kept in this browser.
  const [brush, setBrush] = useProjectSetting(project?.file ?? "", "brush", DEFAULT_BRUSH, isBrush);
  const setBrushSize = useCallback(
    (f: (s: number) => number) =>
      setBrush((b) => ({ ...b, size: Math.min(MAX_BRUSH, Math.max(MIN_BRUSH, f(b.size))) })),
    [setBrush],
  );
  const [removing, setRemoving] = useState(false);
  const [deletingClass, setDeletingClass] = useState<number | null>(null);
  const closeDeleteClass = useCallback(() => setDeletingClass(null), []);
  // Opened by "Label next suggested" in the grid: with the uncertainty layer on, as N does here.
  const [layers, setLayers] = useState<LayerSettings>(() =>
    uncertaintyOnAtOpen()
      ? { ...DEFAULT_LAYERS, uncertainty: { ...DEFAULT_LAYERS.uncertainty, visible: true } }
      : DEFAULT_LAYERS,
  );
  useEffect(clearUncertaintyOn, []);
  const [zoom, setZoom] = useState(1);
  const [activeRegion, setActiveRegion] = useState<number | null>(null);
  // Bumped when a training run has stored new predictions (and the next queue): the open image's
  // prediction layers and suggested regions are fetched again, labels and view untouched.
  const [predictionsVersion, setPredictionsVersion] = useState(0);
  /** what the uncertainty layer shows */
  const [measure, setMeasure] = useState<UncertaintyMeasure>("entropy");
  useEffect(
    () =>
      onEvent((e) => {
        if (e.type === "predictions.changed") setPredictionsVersion((v) => v + 1);
      }),
    [onEvent],
  );
  useEffect(() => setActiveRegion(null), [imageId, predictionsVersion]);
  const canvasRef = useRef<CanvasHandle>(null);

  // Live mode: the preview's new predictions of this image refetch its layers too; so does each
  // reopening of the events socket (predictions stored while it was down sent no event here).
  const live = useLive(api, imageId, onEvent);
  const opensAtMount = useRef(opens);
  const reopened = opens - opensAtMount.current;
  const img = useLoadedImage({
    api,
    imageId,
    classes,
    palette,
    measure,
    predictionsVersion: predictionsVersion + live.previewVersion + reopened,
    canvasRef,
  });
  const { loaded, loadedRef, titleItem, stats, acceptedPixels } = img;
  useEffect(() => {
    loaded?.labels.setOutline(display.outline);
    canvasRef.current?.redrawLabels();
  }, [loaded, display.outline]);
  // The uncertainty layer shows the most unsure share of the pixels only (display.ts).
  useEffect(() => {
    const u = loaded?.uncertainty;
    if (!u) return;
    u.setPalette(uncertaintyPalette(uncertaintyThreshold(u.values, display.uncertaintyTop)));
    canvasRef.current?.redraw();
  }, [loaded, display.uncertaintyTop]);
  const { queue, setQueue, regions, worked, touched, isQueued } = useQueue(
    api,
    imageId,
    predictionsVersion,
    opens,
  );
  const saver = useMaskSync({
    api,
    imageId,
    onEvent,
    opens,
    loadedRef,
    canvasRef,
    reloadMask: img.reloadMask,
    setStats: img.setStats,
    touched,
    isQueued,
  });
  const { neighbors, go, step } = useNavigation(api, imageId, saver.flush);
  const models = project?.summary.models ?? 0;
  const missing =
    loaded?.predictionSource === "preview"
      ? {
          text: "The live preview's prediction is shown: accepting takes a network's prediction, so train one first (T).",
          hint: "preview shown: train a network to accept (T)",
        }
      : noPrediction(training, models);
  const acceptable = loaded?.predictionSource === "network";
  const tools = useAcceptTools({
    api,
    saver,
    classes,
    loadedRef,
    canvasRef,
    acceptedPixels,
    setAcceptedPixels: img.setAcceptedPixels,
    reloadMask: img.reloadMask,
    missingText: missing.text,
  });

  /** Zooms to a suggested region (R walks them in order). */
  const showRegion = useCallback((r: Suggestion["regions"][number]) => {
    if (!canvasRef.current) return; // the image is not shown (yet)
    setActiveRegion(r.id);
    canvasRef.current.showRect(r);
  }, []);

  const stepRegion = useCallback(
    (by: 1 | -1) => {
      if (regions.length === 0) {
        pushToast("info", "No suggested regions on this image.");
        return;
      }
      const at = regions.findIndex((r) => r.id === activeRegion);
      const from = at < 0 && by < 0 ? 0 : at;
      showRegion(regions[(from + by + regions.length) % regions.length]);
    },
    [regions, activeRegion, showRegion],
  );

  const nextSuggestion = useCallback(async () => {
    try {
      const list = await api.call("suggestions.list", { limit: 500 });
      if (list.length === 0) {
        // Before any model: the least labeled train image (start-fallback.ts).
        const least = models === 0 ? await leastLabeledTrain(api, imageId) : null;
        if (least) {
          pushToast("info", leastLabeledText(least));
          await go(least.id);
          return;
        }
        pushToast(
          "info",
          "No suggestions: every train image has labels. Train a model (T); its uncertainty picks what to label next.",
        );
        return;
      }
      // The queue in rank order, skipping images already worked on in this round: from a
      // suggested image to the next one ranked after it (then around to earlier ones), from any
      // other image to the first. (Not "the first one but this": that goes back and forth.)
      const at = list.findIndex((s) => s.imageId === imageId);
      const todo = (s: Suggestion) => !s.worked && s.imageId !== imageId;
      const pick = list.slice(at + 1).find(todo) ?? list.slice(0, Math.max(0, at)).find(todo);
      setQueue(list);
      if (!pick) {
        const n = `${list.length} suggested ${list.length === 1 ? "image" : "images"}`;
        pushToast(
          "info",
          at !== -1 && !list[at].worked
            ? `This is the last of the ${n} not done yet; then train again (T) for new suggestions.`
            : `All ${n} are done. Train again (T) for new suggestions.`,
        );
        return;
      }
      setLayers((ls) => ({ ...ls, uncertainty: { ...ls.uncertainty, visible: true } }));
      await go(pick.imageId);
    } catch (e) {
      toastError(e);
    }
  }, [api, imageId, go, setQueue, models]);

  const pickClass = (idx: number) => {
    setClassIdx(idx);
    if (tool === "eraser" || tool === "accept") setTool("brush");
  };
  const toGrid = () => void saver.flush().then(() => navigate({ screen: "browse" }));

  const toggle = (id: keyof LayerSettings) =>
    setLayers((ls) => ({ ...ls, [id]: { ...ls[id], visible: !ls[id].visible } }));
  const canvas = () => canvasRef.current;
  // What each command of the keymap does here (a key, or the desktop app's menu).
  useLabelKeys(classes, pickClass, {
    undo: () => tools.undoRedo("masks.undo"),
    redo: () => tools.undoRedo("masks.redo"),
    "zoom.fit": () => canvas()?.fit(),
    "zoom.1": () => canvas()?.oneToOne(),
    "zoom.in": () => canvas()?.zoomBy(1.25),
    "zoom.out": () => canvas()?.zoomBy(0.8),
    "tool.brush": () => setTool("brush"),
    "tool.eraser": () => setTool("eraser"),
    "tool.polygon": () => setTool("polygon"),
    "tool.accept": () => setTool("accept"),
    "brush.smaller": () => setBrushSize((s) => Math.min(s - 1, Math.round(s / 1.25))),
    "brush.larger": () => setBrushSize((s) => Math.max(s + 1, Math.round(s * 1.25))),
    "layer.labels": () => toggle("labels"),
    "layer.accepted": () => toggle("accepted"),
    "layer.prediction": () => toggle("prediction"),
    "layer.uncertainty": () => toggle("uncertainty"),
    "layer.image": () => toggle("image"),
    "suggestion.next": () => void nextSuggestion(),
    "region.next": () => stepRegion(1),
    "region.prev": () => stepRegion(-1),
    "image.next": () => step(1),
    "image.prev": () => step(-1),
    "polygon.close": () => canvas()?.closePolygon(),
    "polygon.cancel": () => void canvas()?.cancelPolygon(),
    grid: toGrid,
    training: onToggleTraining,
  });

  const activeClass = classes.find((c) => c.idx === classIdx);
  const moveToSplit = async (split: Split) => {
    if (!titleItem) return;
    try {
      await api.call("images.setSplit", { ids: [titleItem.id], split });
      img.setItem(await api.call("images.get", { id: titleItem.id }));
    } catch (e) {
      toastError(e);
    }
  };

  return (
    <div className="screen label-screen">
      <Header>
        <ImageNav
          item={titleItem}
          neighbors={neighbors}
          queue={queue}
          worked={worked}
          onGrid={toGrid}
          onGo={(id) => void go(id)}
          onNextSuggestion={() => void nextSuggestion()}
        />
        <SaveBadge state={saver.state} lastSaved={saver.lastSaved} />
      </Header>
      <div className="label-body">
        <aside className="sidebar left">
          <ToolBar tool={tool} onTool={setTool} brush={brush} onBrush={setBrush} />
          <ClassPalette
            classes={classes}
            active={classIdx}
            onPick={pickClass}
            onDelete={setDeletingClass}
            onAddFromFile={async (file, text) => {
              const r = await attempt(api.call("classes.addFromFile", { file, text }));
              if (!r) return;
              setProject(r.project);
              pushToast(
                r.added.length > 0 ? "success" : "info",
                classesAddedMessage(file, r.added, r.skipped),
              );
            }}
            onAdd={async (c) => {
              const info = await attempt(api.call("classes.add", c));
              if (!info) return false;
              setProject(info);
              const added = info.classes.at(-1);
              if (added) {
                pickClass(added.idx);
                pushToast(
                  "info",
                  info.summary.models > 0
                    ? `Added ${added.name}. Models made before it do not predict it: train from scratch (not fine-tuning) to learn it.`
                    : `Added ${added.name}.`,
                );
              }
              return true;
            }}
            highContrast={display.highContrast}
            hidden={display.hidden}
            locked={display.locked}
            onToggleHidden={(idx) => setShown((v) => ({ ...v, hidden: toggled(v.hidden, idx) }))}
            onToggleLocked={(idx) => setShown((v) => ({ ...v, locked: toggled(v.locked, idx) }))}
            onUpdate={async (idx, c) => {
              const info = await attempt(api.call("classes.update", { idx, ...c }));
              if (info) setProject(info);
              return info !== undefined;
            }}
          />
        </aside>
        <main className="canvas-area">
          {loaded ? (
            <LabelCanvas
              ref={canvasRef}
              width={loaded.item.width}
              height={loaded.item.height}
              image={loaded.image}
              labels={loaded.labels}
              accepted={loaded.accepted}
              prediction={loaded.prediction}
              uncertainty={loaded.uncertainty}
              layers={layers}
              tool={tool}
              classIdx={classIdx}
              brushSize={brush.size}
              brushUnit={brush.unit}
              brushShape={brush.shape}
              onStroke={tools.onStroke}
              onAccept={tools.onAccept}
              onZoom={setZoom}
              regions={regions}
              activeRegionId={activeRegion}
              display={display}
            />
          ) : (
            <div className="canvas-placeholder">
              {img.loadError
                ? `Could not open this image: ${img.loadError}. Its stored labels are kept.`
                : "Loading image…"}
            </div>
          )}
          <CanvasHud
            tool={tool}
            brush={brush}
            acceptHint={loaded && !acceptable ? missing.hint : null}
            activeClass={activeClass ?? null}
            highContrast={display.highContrast}
            zoom={zoom}
            onFit={() => canvasRef.current?.fit()}
            onOneToOne={() => canvasRef.current?.oneToOne()}
          />
        </main>
        <aside className="sidebar right">
          <LivePanel
            status={live.status}
            shownModel={loaded?.shownModel ?? null}
            madeAt={loaded?.predictionMadeAt ?? null}
            onToggle={live.setEnabled}
            background={training?.background ?? null}
            onBackground={(enabled) => void api.call("training.background", { enabled }).catch(toastError)}
          />
          <LayerPanel
            layers={layers}
            onChange={setLayers}
            measure={measure}
            uncertaintyTop={display.uncertaintyTop}
            onUncertaintyTop={(t) => setDisplay((d) => ({ ...d, uncertaintyTop: t }))}
            onMeasure={(m) => {
              setMeasure(m);
              setPredictionsVersion((v) => v + 1); // fetch the open image's layer by the new measure
            }}
            hints={{
              ...(loaded?.prediction ? {} : { prediction: missing.hint, uncertainty: missing.hint }),
              ...(loaded?.uncertaintyMissing ? { uncertainty: loaded.uncertaintyMissing } : {}),
            }}
            notShown={loaded ? undefined : img.loadError ? "the image is not shown" : "loading…"}
            available={{
              image: true,
              labels: true,
              accepted: acceptedPixels > 0,
              prediction: !!loaded?.prediction,
              uncertainty: !!loaded?.uncertainty,
            }}
          />
          <DisplayPanel display={display} onChange={setDisplay} />
          <ImagePanel
            item={titleItem}
            stats={stats}
            acceptedPixels={acceptedPixels}
            onSplit={(s) => void moveToSplit(s)}
            onRemove={() => setRemoving(true)}
          />
          <RegionsPanel
            regions={regions}
            prediction={loaded?.prediction ?? null}
            classes={classes}
            activeRegion={activeRegion}
            onShow={showRegion}
            onAccept={tools.acceptRegion}
          />
          <AcceptPanel
            hasPrediction={acceptable}
            missingText={missing.text}
            acceptText={tools.acceptText}
            setAcceptText={tools.setAcceptText}
            acceptPercent={tools.acceptPercent}
            acceptValid={tools.acceptValid}
            acceptedPixels={acceptedPixels}
            onAccept={tools.acceptConfident}
            onClear={tools.clearAccepted}
          />
        </aside>
      </div>
      {deletingClass !== null && (
        <DeleteClassDialog
          idx={deletingClass}
          onClose={closeDeleteClass}
          onDeleted={(p) => {
            const gone = classes.find((c) => c.idx === deletingClass)?.name ?? "";
            setProject(p);
            const live = p.classes.filter((c) => !c.deleted);
            if (!live.some((c) => c.idx === classIdx)) pickClass(live[0]?.idx ?? 0);
            setDeletingClass(null);
            pushToast("success", `Deleted the class ${gone}.`);
          }}
        />
      )}
      {removing && titleItem && (
        <RemoveImageDialog
          name={titleItem.name}
          labeledPixels={stats?.labeledPixels ?? titleItem.labeledPixels}
          onClose={() => setRemoving(false)}
          onRemove={async () => {
            await saver.flush();
            // Where to go next: the image after it, else the one before, else the grid.
            const next = neighbors?.next ?? neighbors?.prev ?? null;
            try {
              const r = await api.call("images.remove", { ids: [titleItem.id] });
              setRemoving(false);
              pushToast("info", `Removed ${r.names.join(", ")} from the project (the file stays on disk).`);
              navigate(next === null ? { screen: "browse" } : { screen: "image", id: next });
            } catch (e) {
              toastError(e);
            }
          }}
        />
      )}
    </div>
  );
}

function toggled(list: number[], idx: number): number[] {
  return list.includes(idx) ? list.filter((i) => i !== idx) : [...list, idx];
}
