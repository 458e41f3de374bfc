/**
 * The renderer's only door to the core: the typed API map of app/api, here over HTTP
 * (browser mode) with events over a WebSocket. In the desktop app the same `UiApi` goes over
 * Electron IPC instead (ipc.ts).
 */
import { ApiError } from "../../app/common/api-error.ts";
import type { ApiMethod, ApiRequest, ApiResponse, ApiTransport } from "../../app/api/schema.ts";
import type { ApiEvent } from "../../app/common/api-types.ts";
import { markSessionEnded, sessionEnded } from "../state/session.ts";

import { personHeaders } from "../state/person.ts";

export { ApiError };

/** What the UI needs from a transport: the typed calls and where images load from. */
export interface UiApi extends ApiTransport {
  imageUrl(id: number): string;
  /** Keyed by content too: image ids repeat across projects, and the browser keeps images by URL. */
  thumbUrl(image: { id: number; sha256: string }): string;
}

/**
 * Where an image's thumbnail loads from: by id, with a slice of its content hash that the server
 * ignores. Ids repeat across projects (each file counts from 1) and the browser keeps an image it
 * loaded by URL, so without the hash a project opened after another showed the first one's pictures.
 */
export function thumbPath(image: { id: number; sha256: string }): string {
  return `/files/thumb/${image.id}?v=${image.sha256.slice(0, 16)}`;
}

export class HttpApi implements UiApi {
  readonly base: string;
  constructor(base = "") {
    this.base = base;
  }

  async call<M extends ApiMethod>(m: M, req: ApiRequest<M>): Promise<ApiResponse<M>> {
    if (sessionEnded()) throw new ApiError(401, SESSION_ENDED);
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/${m}`, {
        method: "POST",
        // The person this browser labels as (#34; renderer/state/person.ts).
        headers: { "content-type": "application/json", ...personHeaders() },
        body: JSON.stringify(req ?? {}),
        credentials: "same-origin",
      });
    } catch (e) {
      throw new ApiError(
        0,
        `cannot reach the Pixelloop server (${(e as Error).message}); is \`pixelloop serve\` still running?`,
      );
    }
    // The server no longer takes this page's token (restarted with a new one): the session ended.
    if (res.status === 401) {
      markSessionEnded();
      throw new ApiError(401, SESSION_ENDED);
    }
    let body: { ok: boolean; result?: unknown; error?: { status: number; message: string } };
    try {
      body = await res.json();
    } catch {
      throw new ApiError(
        res.status,
        `${m}: the server answered ${res.status} ${res.statusText} without JSON`,
      );
    }
    if (!body.ok)
      throw new ApiError(
        body.error?.status ?? res.status,
        body.error?.message ?? `${m} failed (${res.status})`,
      );
    return body.result as ApiResponse<M>;
  }

  imageUrl(id: number): string {
    return `${this.base}/files/image/${id}`;
  }

  thumbUrl(image: { id: number; sha256: string }): string {
    return `${this.base}${thumbPath(image)}`;
  }
}

/** What a call made after the session ended answers (the page shows the full message). */
export const SESSION_ENDED = "this page's session ended: the server was restarted";

export type ConnectionState = "connecting" | "open" | "closed";

/**
 * After the events socket closed: whether the server still takes this page's token. A browser does
 * not show why an upgrade was refused, so one plain API call asks: 401 means the session ended;
 * no answer means the server is down (reconnect later); anything else, reconnect now.
 */
async function probeSession(): Promise<"ok" | "down" | "ended"> {
  try {
    const res = await fetch("/api/app.info", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
      credentials: "same-origin",
    });
    return res.status === 401 ? "ended" : "ok";
  } catch {
    return "down";
  }
}

/** Subscribes to server events; reconnects with backoff. Returns a function that disconnects. */
export function connectEvents(
  onEvent: (e: ApiEvent) => void,
  onState: (s: ConnectionState) => void,
): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let delay = 250;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = () => {
    onState("connecting");
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${proto}//${location.host}/events`);
    ws.onopen = () => {
      delay = 250;
      onState("open");
    };
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as ApiEvent);
      } catch {
        // a malformed event is dropped; the next status call resynchronizes
      }
    };
    ws.onclose = () => {
      onState("closed");
      if (stopped || sessionEnded()) return;
      const retry = () => {
        if (stopped) return;
        timer = setTimeout(() => void reconnect(), delay);
        delay = Math.min(delay * 2, 5000);
      };
      const reconnect = async () => {
        const s = await probeSession();
        if (stopped) return;
        if (s === "ended") return markSessionEnded(); // no more retries: the page says why
        if (s === "down") return retry();
        open();
      };
      retry();
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ws?.close();
  };
}
