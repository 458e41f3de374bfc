/**
 * Entry of the core's process in the desktop app: an Electron utility process (process.parentPort)
 * started by main/main.ts; under plain Node a worker thread (worker_threads' parentPort), as the
 * tests run it. See service-host.ts.
 */
import { parentPort } from "node:worker_threads";
import { serveOnPort, type HostPort } from "./service-host.ts";
import type { ToHost } from "./host-protocol.ts";

function hostPort(): HostPort {
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
      onMessage: (l) => electronPort.on("message", (ev) => l(ev.data as ToHost)),
    };
  throw new Error("service-host-main must run in an Electron utility process or a worker thread");
}

void serveOnPort(hostPort());
