/**
 * The messages between the desktop app's main process and the core's process (the service host,
 * service-host.ts): calls and their replies, the UI's image bytes, the service's events, and the
 * training and prediction workers, which only the main process can start (an Electron utility
 * process cannot fork another) and whose messages it relays. Plain data: structured clone.
 */
import type { ApiEvent } from "../common/api-types.ts";
import type { ServiceOptions } from "../api/service.ts";
import type { WorkerEvent, WorkerRequest } from "../jobs/worker.ts";

/** A call's answer: the value, or the refusal with its HTTP-like status (ApiError's). */
export type CallReply = { ok: true; value: unknown } | { ok: false; status: number; message: string };

/** An image or thumbnail of the open project, as the app protocol serves it. */
export type FileReply =
  { ok: true; contentType: string; body: Uint8Array } | { ok: false; status: number; message: string };

export type FileKind = "image" | "thumb";

/** Main process to core. */
export type ToHost =
  /** first: how to make the service; `relayWorkers`: start workers through the main process */
  | { type: "init"; options: HostOptions }
  | { type: "call"; id: number; method: string; body: unknown }
  | { type: "file"; id: number; kind: FileKind; imageId: number }
  | { type: "allowFolder"; dir: string }
  | { type: "close"; id: number }
  | { type: "worker.message"; worker: number; message: WorkerEvent }
  | { type: "worker.error"; worker: number; message: string }
  | { type: "worker.exit"; worker: number; code: number };

/** Core to main process. */
export type FromHost =
  | { type: "ready" }
  | { type: "reply"; id: number; reply: CallReply }
  | { type: "file"; id: number; reply: FileReply }
  | { type: "closed"; id: number }
  | { type: "event"; event: ApiEvent }
  | { type: "worker.start"; worker: number }
  | { type: "worker.post"; worker: number; message: WorkerRequest }
  | { type: "worker.kill"; worker: number };

/** The service's options that cross a port (no functions), and where its workers start. */
export type HostOptions = Pick<
  ServiceOptions,
  | "projectsDir"
  | "settingsDir"
  | "recentFile"
  | "demoDir"
  | "version"
  | "transport"
  | "allowedDirs"
  | "watchMs"
> & {
  /** ask the main process to start each worker (Electron); default: worker threads of the core */
  relayWorkers?: boolean;
};
