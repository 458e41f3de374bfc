/**
 * A child's message port to the process that started it: a worker thread's parentPort under
 * plain Node (the CLI, browser mode, tests), or an Electron utility process's process.parentPort
 * in the desktop app. The training worker (worker-main.ts) and the core's host
 * (server/service-host-main.ts) both run as either.
 */
import { parentPort } from "node:worker_threads";

export interface HostPort<Out, In> {
  postMessage(m: Out): void;
  onMessage(listener: (m: In) => void): void;
}

/** The port this code runs behind; `who` names the entry in the error when there is none. */
export function hostPort<Out, In>(who: string): HostPort<Out, In> {
  if (parentPort) {
    const p = parentPort;
    return { postMessage: (m) => p.postMessage(m), onMessage: (l) => p.on("message", l) };
  }
  const electronPort = (
    process as unknown as {
      parentPort?: {
        postMessage(m: unknown): void;
        on(e: "message", l: (ev: { data: unknown }) => void): void;
      };
    }
  ).parentPort;
  if (electronPort)
    return {
      postMessage: (m) => electronPort.postMessage(m),
      onMessage: (l) => electronPort.on("message", (ev) => l(ev.data as In)),
    };
  throw new Error(`${who} must run in a worker thread or an Electron utility process`);
}
