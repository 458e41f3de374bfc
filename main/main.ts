/**
 * The Electron shell: one secure window, the app protocol, IPC to the core, menus, dialogs.
 * Thin by design: the core (PixelloopService) runs in a utility process of its own
 * (app/server/service-host-main.ts); this process only forwards calls, events and image bytes
 * (service-client.ts), so no SQLite write or image decode ever runs in the window's process.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session,
  shell,
  utilityProcess,
} from "electron";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ServiceClient, type WorkerProcess } from "./service-client.ts";
import type { FromHost } from "../app/server/host-protocol.ts";
import { CALL_CHANNEL, EVENT_CHANNEL, handleIpcCall } from "./ipc.ts";
import { menuTemplate } from "./menu.ts";
import { PICK_CHANNEL, handlePick } from "./dialogs.ts";
import type { Command } from "../renderer/keymap.ts";
import {
  APP_ORIGIN,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  devToolsAllowed,
  isNavigationAllowed,
  isPermissionAllowed,
  isVettedExternalUrl,
  resolveProtocolPath,
  secureWebPreferences,
} from "./security.ts";

const RENDERER_DIR = path.join(app.getAppPath(), "dist", "renderer");
const PRELOAD = path.join(app.getAppPath(), "dist", "main", "preload.cjs");

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

if (!app.requestSingleInstanceLock()) app.quit();

let win: BrowserWindow | null = null;

const DIST_MAIN = path.join(app.getAppPath(), "dist", "main");

// Training and prediction run in utility processes of their own (tfjs-node-gpu when installed),
// started here for the core, which cannot start them itself: a crash or a long step there never
// freezes or kills the window's process, nor the core's.
function forkWorker(): WorkerProcess {
  const child = utilityProcess.fork(path.join(DIST_MAIN, "worker-main.js"), [], {
    serviceName: "Pixelloop training",
    stdio: "inherit",
  });
  return {
    postMessage: (m) => child.postMessage(m),
    onMessage: (l) => child.on("message", l),
    onError: (l) =>
      child.on("error", (type: string, location: string) => l(`training process ${type} at ${location}`)),
    onExit: (l) => child.on("exit", l),
    kill: () => void child.kill(),
  };
}

// The core: the service, its project file and its images, in a utility process.
const coreProcess = utilityProcess.fork(path.join(DIST_MAIN, "service-host.js"), [], {
  serviceName: "Pixelloop core",
  stdio: "inherit",
});
const service = new ServiceClient(
  {
    postMessage: (m) => coreProcess.postMessage(m),
    onMessage: (l) => coreProcess.on("message", (m: unknown) => l(m as FromHost)),
    onExit: (l) => coreProcess.on("exit", l),
    kill: () => void coreProcess.kill(),
  },
  { version: app.getVersion(), transport: "ipc" },
  forkWorker,
);

/** Folders the protocol serves by path: only the UI bundle (images are served by id). */
function allowedRoots(): string[] {
  return [RENDERER_DIR];
}

function registerProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== "app") return new Response("not found", { status: 404 });
    // /files/image/<id> and /files/thumb/<id>: looked up by id, never by a path from the page.
    const m = /^\/files\/(image|thumb)\/(\d+)$/.exec(url.pathname);
    if (m) {
      // The core reads and converts the image (the same bytes and messages as browser mode).
      const r = await service.file(m[1] as "image" | "thumb", Number(m[2]));
      if (!r.ok) return new Response(r.message, { status: r.status });
      return new Response(new Uint8Array(r.body), {
        headers: {
          "Content-Type": r.contentType,
          "Content-Security-Policy": CONTENT_SECURITY_POLICY,
          "X-Content-Type-Options": "nosniff",
        },
      });
    }
    const file = resolveProtocolPath(url.pathname === "/" ? "/index.html" : url.pathname, allowedRoots());
    if (!file) return new Response("not found", { status: 404 });
    const response = await fetchFile(file);
    const headers = new Headers(response.headers);
    headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    headers.set("X-Content-Type-Options", "nosniff");
    return new Response(response.body, { status: response.status, headers });
  });
}

async function fetchFile(file: string): Promise<Response> {
  const { net } = await import("electron");
  return net.fetch(pathToFileURL(file).toString());
}

interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized?: boolean;
}

const stateFile = () => path.join(app.getPath("userData"), "window-state.json");

function loadWindowState(): WindowState {
  try {
    const s = JSON.parse(fs.readFileSync(stateFile(), "utf8")) as WindowState;
    if (s.width >= 400 && s.height >= 300) return s;
  } catch {
    // first start or unreadable: defaults
  }
  return { width: 1400, height: 900 };
}

function saveWindowState(w: BrowserWindow): void {
  const b = w.getNormalBounds();
  const s: WindowState = { width: b.width, height: b.height, x: b.x, y: b.y, maximized: w.isMaximized() };
  try {
    fs.mkdirSync(path.dirname(stateFile()), { recursive: true });
    fs.writeFileSync(stateFile(), JSON.stringify(s));
  } catch {
    // losing the window position is not worth an error dialog
  }
}

function createWindow(): BrowserWindow {
  const state = loadWindowState();
  const w = new BrowserWindow({
    width: state.width,
    height: state.height,
    x: state.x,
    y: state.y,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: "Pixelloop",
    backgroundColor: "#1e1f22",
    webPreferences: secureWebPreferences(PRELOAD, { isPackaged: app.isPackaged }),
  });
  if (state.maximized) w.maximize();
  w.once("ready-to-show", () => w.show());
  w.webContents.on("will-navigate", (e, url) => {
    if (!isNavigationAllowed(url)) e.preventDefault();
  });
  w.webContents.on("will-attach-webview", (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (isVettedExternalUrl(url)) void shell.openExternal(url);
    return { action: "deny" };
  });
  let confirmedClose = false;
  w.on("close", (e) => {
    saveWindowState(w);
    if (confirmedClose) return;
    void service.call("training.status", {}).then((st) => {
      const s = st as { state: string; job: string | null };
      // Predicting imported images is not worth asking about: the training panel offers it again.
      if (!["training", "starting", "predicting"].includes(s.state) || s.job === "predict-new") {
        confirmedClose = true;
        w.close();
        return;
      }
      const choice = dialog.showMessageBoxSync(w, {
        type: "question",
        buttons: ["Stop training and close", "Keep training"],
        defaultId: 1,
        cancelId: 1,
        message: "Training is running.",
        detail: "Closing stops it; the best checkpoint so far is kept.",
      });
      if (choice === 0) {
        void service.call("training.stop", {}).finally(() => {
          confirmedClose = true;
          w.close();
        });
      }
    });
    e.preventDefault();
  });
  void w.loadURL(`${APP_ORIGIN}/index.html`);
  return w;
}

function sendMenu(action: string): void {
  win?.webContents.send(EVENT_CHANNEL, { type: "menu", action });
}

async function openProjectDialog(): Promise<void> {
  if (!win) return;
  const r = await dialog.showOpenDialog(win, {
    title: "Open project",
    properties: ["openFile"],
    filters: [{ name: "Pixelloop project", extensions: ["pxl"] }],
  });
  if (r.canceled || r.filePaths.length === 0) return;
  try {
    // Picked in the dialog: its folder is the person's choice (paths from the window are limited).
    service.allowFolder(path.dirname(r.filePaths[0]));
    await service.call("project.open", { file: r.filePaths[0] });
  } catch (e) {
    dialog.showErrorBox("Cannot open project", e instanceof Error ? e.message : String(e));
  }
}

async function importDialog(): Promise<void> {
  if (!win) return;
  const info = (await service.call("app.info", {})) as { project: unknown };
  if (!info.project) return;
  const r = await dialog.showOpenDialog(win, {
    title: "Import images",
    properties: ["openFile", "openDirectory", "multiSelections"],
    filters: [{ name: "Images", extensions: ["png", "jpg", "jpeg", "tif", "tiff", "webp"] }],
  });
  if (r.canceled || r.filePaths.length === 0) return;
  try {
    await service.call("images.import", { paths: r.filePaths });
  } catch (e) {
    dialog.showErrorBox("Import failed", e instanceof Error ? e.message : String(e));
  }
}

function buildMenu(): void {
  const run = (c: Command) => {
    if (c === "project.open") void openProjectDialog();
    else if (c === "import") void importDialog();
    else sendMenu(c);
  };
  const template = menuTemplate(run, {
    openDemo: () => void service.call("project.openDemo", {}),
    devTools: devToolsAllowed(app.isPackaged),
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

app.on("second-instance", () => {
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});

app.on("web-contents-created", (_e, contents) => {
  contents.on("will-navigate", (ev, url) => {
    if (!isNavigationAllowed(url)) ev.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: "deny" }));
});

void app.whenReady().then(() => {
  // Deny by default: no web permission is granted or reported as granted (security.ts).
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_wc, permission, requestingOrigin) =>
    isPermissionAllowed(permission, requestingOrigin),
  );
  session.defaultSession.setDevicePermissionHandler(() => false);
  registerProtocol();
  ipcMain.handle(CALL_CHANNEL, (event, method: unknown, body: unknown, person: unknown) =>
    handleIpcCall(
      service,
      { url: event.senderFrame?.url, isMainFrame: event.senderFrame === event.sender.mainFrame },
      method,
      body,
      person,
    ),
  );
  // "Choose…" in the window: the system's dialog; the folder chosen is allowed in the core.
  ipcMain.handle(PICK_CHANNEL, (event, purpose: unknown) =>
    handlePick(
      {
        show: (o) => (win ? dialog.showOpenDialog(win, o) : dialog.showOpenDialog(o)),
        allowFolder: (d) => service.allowFolder(d),
      },
      { url: event.senderFrame?.url, isMainFrame: event.senderFrame === event.sender.mainFrame },
      purpose,
    ),
  );
  service.on((ev) => win?.webContents.send(EVENT_CHANNEL, ev));
  buildMenu();
  const projectArg = process.argv.slice(app.isPackaged ? 1 : 2).find((a) => a.endsWith(".pxl"));
  if (projectArg) {
    // Named on the command line: its folder is the person's choice.
    service.allowFolder(path.dirname(path.resolve(projectArg)));
    service.call("project.open", { file: projectArg }).catch((e: unknown) => {
      dialog.showErrorBox("Cannot open project", e instanceof Error ? e.message : String(e));
    });
  }
  win = createWindow();
});

app.on("window-all-closed", () => {
  void service.close().finally(() => app.quit());
});
