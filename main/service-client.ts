/**
 * The main process's side of the core's process (app/server/service-host.ts): forwards calls,
 * image requests and the folder the person picked; passes the core's events on; starts the
 * training and prediction workers the core asks for and relays their messages (an Electron
 * utility process cannot start another). Nothing here opens the project file or decodes an
 * image. Free of Electron imports, so it is tested under plain Node with a worker thread standing
 * in for the utility process (main/service-client.test.ts).
 */
import { ApiError } from "../app/common/api-error.ts";
import type { ApiEvent } from "../app/common/api-types.ts";
import type {
  CallReply,
  FileKind,
  FileReply,
  FromHost,
  HostOptions,
  ToHost,
} from "../app/server/host-protocol.ts";

/** The core's process as main sees it: its port and its end. */
export interface CoreProcess {
  postMessage(message: ToHost): void;
  onMessage(listener: (message: FromHost) => void): void;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

/** A training or prediction worker process main starts for the core. */
export interface WorkerProcess {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (message: string) => void): void;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

type Pending = { resolve: (v: never) => void; reject: (e: Error) => void };

export class ServiceClient {
  readonly #core: CoreProcess;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(e: ApiEvent) => void>();
  readonly #workers = new Map<number, WorkerProcess>();
  #next = 1;
  #exited: number | null = null;
  readonly ready: Promise<void>;

  constructor(core: CoreProcess, options: HostOptions, forkWorker: () => WorkerProcess) {
    this.#core = core;
    let ready = () => {};
    this.ready = new Promise((resolve) => (ready = resolve));
    core.onMessage((m) => {
      switch (m.type) {
        case "ready":
          ready();
          break;
        case "reply":
        case "file":
        case "closed": {
          const p = this.#pending.get(m.id);
          this.#pending.delete(m.id);
          p?.resolve((m.type === "closed" ? undefined : m.reply) as never);
          break;
        }
        case "event":
          for (const l of this.#listeners) l(m.event);
          break;
        case "worker.start":
          this.#startWorker(m.worker, forkWorker);
          break;
        case "worker.post":
          this.#workers.get(m.worker)?.postMessage(m.message);
          break;
        case "worker.kill":
          this.#workers.get(m.worker)?.kill();
          break;
      }
    });
    core.onExit((code) => {
      this.#exited = code;
      for (const w of this.#workers.values()) w.kill();
      const stopped = new ApiError(500, `the core process stopped (exit code ${code})`);
      for (const p of this.#pending.values()) p.reject(stopped);
      this.#pending.clear();
    });
    core.postMessage({ type: "init", options: { ...options, relayWorkers: true } });
  }

  #startWorker(id: number, forkWorker: () => WorkerProcess): void {
    const w = forkWorker();
    this.#workers.set(id, w);
    const send = (m: ToHost) => {
      if (this.#exited === null) this.#core.postMessage(m);
    };
    w.onMessage((message) => send({ type: "worker.message", worker: id, message } as ToHost));
    w.onError((message) => send({ type: "worker.error", worker: id, message }));
    w.onExit((code) => {
      this.#workers.delete(id);
      send({ type: "worker.exit", worker: id, code });
    });
  }

  #request<T>(make: (id: number) => ToHost): Promise<T> {
    if (this.#exited !== null)
      return Promise.reject(new ApiError(500, `the core process stopped (exit code ${this.#exited})`));
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: never) => void, reject });
      this.#core.postMessage(make(id));
    });
  }

  /** Runs an API method in the core; a refusal is an ApiError with its status, as the service throws. */
  async call(method: string, body: unknown): Promise<unknown> {
    const reply = await this.#request<CallReply>((id) => ({ type: "call", id, method, body }));
    if (reply.ok) return reply.value;
    throw new ApiError(reply.status, reply.message);
  }

  /** An image of the open project as the UI shows it, or its thumbnail (by id, never by path). */
  file(kind: FileKind, imageId: number): Promise<FileReply> {
    return this.#request<FileReply>((id) => ({ type: "file", id, kind, imageId }));
  }

  /** A folder the person chose in a dialog or on the command line (PixelloopService.allowFolder). */
  allowFolder(dir: string): void {
    if (this.#exited === null) this.#core.postMessage({ type: "allowFolder", dir });
  }

  on(listener: (e: ApiEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the service (stops a run, closes the project), then ends the core's process. */
  async close(): Promise<void> {
    if (this.#exited === null) await this.#request<void>((id) => ({ type: "close", id }));
    this.#core.kill();
  }
}
