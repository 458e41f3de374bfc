/**
 * The IPC door to the core: one channel, checked sender, validated arguments. Free of
 * Electron imports so it is tested under plain Node.
 */
import { ApiError, isApiMethod } from "../app/api/schema.ts";
import { isTrustedSender } from "./security.ts";

import type { IpcReply } from "./ipc-channels.ts";
export { CALL_CHANNEL, EVENT_CHANNEL, type IpcReply } from "./ipc-channels.ts";

export interface CallCore {
  /** validates `body` against the method's schema and runs it (PixelloopService.call) */
  call(method: string, body: unknown): Promise<unknown>;
}

/** Handles one IPC call: refuses untrusted frames and unknown methods before touching the core. */
export async function handleIpcCall(
  core: CallCore,
  sender: { url: string | undefined; isMainFrame: boolean },
  method: unknown,
  body: unknown,
): Promise<IpcReply> {
  if (!isTrustedSender(sender.url, sender.isMainFrame)) {
    return { ok: false, status: 403, message: "refused: IPC from a frame that is not the app" };
  }
  if (typeof method !== "string" || !isApiMethod(method)) {
    return { ok: false, status: 404, message: `unknown API method ${JSON.stringify(method)}` };
  }
  try {
    return { ok: true, value: await core.call(method, body) };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, status: e.status, message: e.message };
    return { ok: false, status: 500, message: e instanceof Error ? e.message : String(e) };
  }
}
