import { useCallback, useEffect, useState } from "react";
import { useApp } from "./state/app-context.tsx";
import { navigate, useRoute } from "./state/route.ts";
import { isTyping, useKeydown } from "./state/keys.ts";
import { runCommand, useCommands } from "./state/commands.ts";
import { commandFor } from "./keymap.ts";
import { StartScreen } from "./screens/StartScreen.tsx";
import { BrowserScreen } from "./screens/browser/BrowserScreen.tsx";
import { LabelScreen } from "./screens/label/LabelScreen.tsx";
import { Toasts } from "./components/Toasts.tsx";
import { StatusBar } from "./components/StatusBar.tsx";
import { ShortcutsSheet } from "./components/ShortcutsSheet.tsx";
import { ImportDialog } from "./components/ImportDialog.tsx";
import { ExportDialog } from "./components/ExportDialog.tsx";
import { TrainingPanel } from "./components/TrainingPanel.tsx";
import { SessionEnded } from "./components/SessionEnded.tsx";
import { useSessionEnded } from "./state/session.ts";
import { PersonPrompt } from "./components/Person.tsx";
import type { PickedFile } from "./api/transfers.ts";

type Dialog = "shortcuts" | "import" | "export" | null;

export function App() {
  const { info, project, onEvent } = useApp();
  const route = useRoute();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [trainingOpen, setTrainingOpen] = useState(false);
  const toggleTraining = useCallback(() => setTrainingOpen((o) => !o), []);
  const closeTraining = useCallback(() => setTrainingOpen(false), []);
  const close = useCallback(() => setDialog(null), []);
  // Files dropped on the image browser, handed to the import dialog they open.
  const [dropped, setDropped] = useState<PickedFile[] | undefined>(undefined);
  // The panel belongs to the open project: leaving it (the start screen, another project) closes it.
  const projectFile = project?.file ?? null;
  const onStart = route.screen === "start";
  useEffect(() => {
    if (onStart) setTrainingOpen(false);
  }, [onStart]);
  useEffect(() => setTrainingOpen(false), [projectFile]);

  // Files dropped where nothing takes them (the label screen, a header) must not make the browser
  // open the file in place of the app.
  useEffect(() => {
    const keep = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes("Files") && !e.defaultPrevented) e.preventDefault();
    };
    window.addEventListener("dragover", keep);
    window.addEventListener("drop", keep);
    return () => {
      window.removeEventListener("dragover", keep);
      window.removeEventListener("drop", keep);
    };
  }, []);

  // Without an open project the only place to be is the start screen.
  useEffect(() => {
    if (info && !project && route.screen !== "start") navigate({ screen: "start" });
  }, [info, project, route.screen]);
  // Opened at no particular place (no hash) while a project is open (`pixelloop serve P`, the
  // demo): straight to its images. The start screen stays one click away (the logo, "#/").
  useEffect(() => {
    if (info?.project && location.hash === "") navigate({ screen: "browse" });
  }, [info]);

  useKeydown((e) => {
    if (isTyping(e)) return;
    if (commandFor(e, ["app"]) === "shortcuts") {
      e.preventDefault();
      setDialog((d) => (d === "shortcuts" ? null : "shortcuts"));
    }
  });
  // The desktop app's menu sends the keymap's commands (main/menu.ts): the open screen runs them.
  useEffect(
    () =>
      onEvent((e) => {
        const m = e as unknown as { type: string; action?: unknown };
        if (m.type === "menu" && typeof m.action === "string") runCommand(m.action);
      }),
    [onEvent],
  );
  useCommands((c) => {
    if (c === "shortcuts") setDialog((d) => (d === "shortcuts" ? null : "shortcuts"));
    else if (c === "project.new") navigate({ screen: "start" });
  });

  // The server restarted with a new token: one message for the whole page (state/session.ts).
  const ended = useSessionEnded();
  if (ended)
    return (
      <div className="app">
        <SessionEnded />
      </div>
    );

  let screen;
  if (!info) screen = <div className="loading-screen">Connecting to Pixelloop…</div>;
  else if (!project || route.screen === "start") screen = <StartScreen />;
  else if (route.screen === "image")
    screen = <LabelScreen imageId={route.id} onToggleTraining={toggleTraining} />;
  else
    screen = (
      <BrowserScreen
        onImport={(files) => {
          setDropped(files);
          setDialog("import");
        }}
        onExport={() => setDialog("export")}
        onToggleTraining={toggleTraining}
      />
    );

  return (
    <div className="app">
      <div className="app-main">
        {screen}
        {trainingOpen && project && !onStart && <TrainingPanel key={project.file} onClose={closeTraining} />}
      </div>
      <Toasts />
      <StatusBar />
      {dialog === "shortcuts" && <ShortcutsSheet onClose={close} />}
      {dialog === "import" && <ImportDialog onClose={close} dropped={dropped} />}
      {dialog === "export" && <ExportDialog onClose={close} />}
      <PersonPrompt />
    </div>
  );
}
