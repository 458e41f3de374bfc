import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import { HttpApi, connectEvents, type ConnectionState, type UiApi } from "../api/client.ts";
import { IpcApi, electronBridge } from "../api/ipc.ts";
import type { ApiEvent, AppInfo, ProjectInfo, TrainingStatus } from "../../app/common/api-types.ts";
import { toastError } from "./toasts.ts";

type EventListener = (e: ApiEvent) => void;

export interface AppState {
  api: UiApi;
  info: AppInfo | null;
  project: ProjectInfo | null;
  setProject: (p: ProjectInfo | null) => void;
  refreshProject: () => Promise<void>;
  connection: ConnectionState;
  /** How many times the events socket has opened; views holding server state read it again on a change. */
  opens: number;
  training: TrainingStatus | null;
  /** Subscribe to server events; returns the unsubscribe function. */
  onEvent: (l: EventListener) => () => void;
}

const Ctx = createContext<AppState | null>(null);

export function useApp(): AppState {
  const v = useContext(Ctx);
  if (!v) throw new Error("useApp outside <AppProvider>");
  return v;
}

/** Runs an API call and turns a failure into an error toast; resolves undefined then. */
export async function attempt<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    toastError(e);
    return undefined;
  }
}

export function AppProvider({ children }: { children: ReactNode }) {
  // Electron: the preload bridge; browser mode: HTTP + WebSocket. Same typed API either way.
  const api = useMemo<UiApi>(() => {
    const bridge = electronBridge();
    return bridge ? new IpcApi(bridge) : new HttpApi();
  }, []);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [project, setProject] = useState<ProjectInfo | null>(null);
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [opens, setOpens] = useState(0);
  const [training, setTraining] = useState<TrainingStatus | null>(null);
  const listeners = useRef(new Set<EventListener>());
  const summaryTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // Count project.changed and training.status events, so a state read begun before one is not
  // applied after it.
  const projectEvents = useRef(0);
  const trainingEvents = useRef(0);

  useEffect(() => {
    // Reads the project and training state; runs at start and whenever the events socket
    // (re)opens, since events sent while it was closed or still opening never arrive.
    const sync = (first: boolean) => {
      const seen = projectEvents.current;
      const seenTraining = trainingEvents.current;
      api
        .call("app.info", {})
        .then((i) => {
          if (first) setInfo(i);
          if (projectEvents.current === seen) setProject(i.project);
        })
        .catch((e) => (first ? toastError(e) : undefined));
      api
        .call("training.status", {})
        .then((t) => {
          if (trainingEvents.current === seenTraining) setTraining(t);
        })
        .catch(() => undefined);
    };
    sync(true);
    const subscribe = api instanceof IpcApi ? api.connectEvents.bind(api) : connectEvents;
    return subscribe(
      (e) => {
        if (e.type === "project.changed") {
          projectEvents.current++;
          setProject(e.project);
        }
        if (e.type === "training.status") {
          trainingEvents.current++;
          setTraining(e.status);
        }
        // Counts in the status bar follow edits and predictions, at most once a second.
        const finished = e.type === "training.status" && e.status.state === "done";
        if (finished) api.call("project.status", {}).then(setProject, () => undefined);
        if ((e.type === "mask.changed" || e.type === "predictions.changed") && !summaryTimer.current) {
          summaryTimer.current = setTimeout(() => {
            summaryTimer.current = undefined;
            api.call("project.status", {}).then(setProject, () => undefined);
          }, 1000);
        }
        listeners.current.forEach((l) => l(e));
      },
      (s) => {
        setConnection(s);
        if (s === "open") {
          setOpens((n) => n + 1);
          sync(false);
        }
      },
    );
  }, [api]);

  const refreshProject = useCallback(async () => {
    try {
      setProject(await api.call("project.status", {}));
    } catch (e) {
      toastError(e);
    }
  }, [api]);

  const onEvent = useCallback((l: EventListener) => {
    listeners.current.add(l);
    return () => {
      listeners.current.delete(l);
    };
  }, []);

  const value: AppState = {
    api,
    info,
    project,
    setProject,
    refreshProject,
    connection,
    opens,
    training,
    onEvent,
  };
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
