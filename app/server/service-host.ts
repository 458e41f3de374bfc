/**
 * The core on a message port: the desktop app runs the service in a process of its own (an
 * Electron utility process, service-host-main.ts) and its main process only forwards calls,
 * events and image requests (main/service-client.ts). So every SQLite write and every image
 * decode happens here, never in the window's main process. The protocol: host-protocol.ts.
 */
import { ApiError } from "../common/api-error.ts";
import { PixelloopService } from "../api/service.ts";
import { displayImage } from "../api/display-image.ts";
import { thumbnailFor } from "../images/thumbnails.ts";
import { setTrainingHost, type TrainingHost, type TrainingHostFactory } from "../jobs/worker.ts";
import type { HostPort as GenericHostPort } from "../jobs/host-port.ts";
import type { CallReply, FileKind, FileReply, FromHost, ToHost } from "./host-protocol.ts";

/** One end of a message port (a worker thread's parentPort, an Electron utility process's). */
export type HostPort = GenericHostPort<FromHost, ToHost>;

/** A call's reply: the value, or the refusal as the IPC door reports it (ApiError's status, else 500). */
export async function callReply(
  service: PixelloopService,
  method: string,
  body: unknown,
): Promise<CallReply> {
  try {
    return { ok: true, value: await service.call(method, body) };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, status: e.status, message: e.message };
    return { ok: false, status: 500, message: e instanceof Error ? e.message : String(e) };
  }
}

/** The open project's image (as the UI shows it) or thumbnail, or why not. */
export async function fileReply(service: PixelloopService, kind: FileKind, id: number): Promise<FileReply> {
  const project = service.project;
  if (!project) return { ok: false, status: 404, message: "not found" };
  if (kind === "thumb") {
    const t = await thumbnailFor(project, id);
    if (!t.ok) return t;
    return { ok: true, contentType: "image/webp", body: new Uint8Array(t.thumbnail.webp) };
  }
  // The same bytes and messages as browser mode (TIFF as PNG; a missing file named).
  const img = await displayImage(project, id);
  if (!img.ok) return img;
  return { ok: true, contentType: img.contentType, body: new Uint8Array(img.body) };
}

interface RelayedWorker {
  message: ((m: never) => void)[];
  error: ((e: Error) => void)[];
  exit: ((code: number) => void)[];
  exited: Promise<void>;
  markExited: () => void;
  done: boolean;
}

/**
 * Workers started by the main process: each is a training host whose messages cross the port
 * (`worker.*`), as an Electron utility process cannot start another one itself.
 */
function relayedWorkers(port: HostPort): {
  factory: TrainingHostFactory;
  deliver(m: ToHost): boolean;
} {
  const workers = new Map<number, RelayedWorker>();
  let next = 1;
  const factory = (): TrainingHost => {
    const id = next++;
    let markExited = () => {};
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const w: RelayedWorker = { message: [], error: [], exit: [], exited, markExited, done: false };
    workers.set(id, w);
    port.postMessage({ type: "worker.start", worker: id });
    return {
      postMessage: (message) => port.postMessage({ type: "worker.post", worker: id, message }),
      onMessage: (l) => w.message.push(l as (m: never) => void),
      onError: (l) => w.error.push(l),
      onExit: (l) => w.exit.push(l),
      terminate: async () => {
        if (!w.done) port.postMessage({ type: "worker.kill", worker: id });
        await w.exited;
      },
    };
  };
  const deliver = (m: ToHost): boolean => {
    if (m.type !== "worker.message" && m.type !== "worker.error" && m.type !== "worker.exit") return false;
    const w = workers.get(m.worker);
    if (!w) return true;
    if (m.type === "worker.message") for (const l of w.message) l(m.message as never);
    else if (m.type === "worker.error") for (const l of w.error) l(new Error(m.message));
    else {
      w.done = true;
      workers.delete(m.worker);
      for (const l of w.exit) l(m.code);
      w.markExited();
    }
    return true;
  };
  return { factory, deliver };
}

/**
 * Serves the API on `port` once its first message (`init`) says how to make the service: calls,
 * image bytes, events. Resolves with the service (closed by a `close` message).
 */
export function serveOnPort(port: HostPort): Promise<PixelloopService> {
  return new Promise((resolve) => {
    let service: PixelloopService | null = null;
    let relay: ReturnType<typeof relayedWorkers> | null = null;
    // Answers in the order their work ends; each names its request.
    const handle = async (m: ToHost, s: PixelloopService) => {
      switch (m.type) {
        case "call":
          port.postMessage({ type: "reply", id: m.id, reply: await callReply(s, m.method, m.body) });
          break;
        case "file": {
          let reply: FileReply;
          try {
            reply = await fileReply(s, m.kind, m.imageId);
          } catch (e) {
            reply = { ok: false, status: 500, message: e instanceof Error ? e.message : String(e) };
          }
          port.postMessage({ type: "file", id: m.id, reply });
          break;
        }
        case "allowFolder":
          s.allowFolder(m.dir);
          break;
        case "close":
          await s.close();
          port.postMessage({ type: "closed", id: m.id });
          break;
      }
    };
    port.onMessage((m) => {
      if (m.type === "init") {
        if (service) return;
        const { relayWorkers, ...options } = m.options;
        if (relayWorkers) {
          relay = relayedWorkers(port);
          setTrainingHost(relay.factory);
        }
        service = new PixelloopService(options);
        service.on((event) => port.postMessage({ type: "event", event }));
        port.postMessage({ type: "ready" });
        resolve(service);
        return;
      }
      if (relay?.deliver(m)) return;
      if (!service) return; // nothing before init
      void handle(m, service);
    });
  });
}
