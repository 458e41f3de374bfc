/**
 * The IPC door to the core: one channel, checked sender, validated arguments. Free of
 * Electron imports so it is tested under plain Node.
 */
import { ApiError } from "../app/common/api-error.ts";
import { isApiMethod } from "../app/api/schema.ts";
import { personNameProblem } from "../app/common/person-name.ts";
import { isTrustedSender } from "./security.ts";

import type { IpcReply } from "./ipc-channels.ts";
export { CALL_CHANNEL, EVENT_CHANNEL, type IpcReply } from "./ipc-channels.ts";

export interface CallCore {
  /** validates `body` against the method's schema and runs it as `ctx.person` (PixelloopService.call) */
  call(method: string, body: unknown, ctx?: { person?: string }): Promise<unknown>;
}

/** Handles one IPC call: refuses untrusted frames and unknown methods before touching the core. */
export async function handleIpcCall(
  core: CallCore,
  sender: { url: string | undefined; isMainFrame: boolean },
  method: unknown,
  body: unknown,
  /** the name set in the app (#34), else the OS user: a label on the person's own machine */
  person?: unknown,
): Promise<IpcReply> {
  if (!isTrustedSender(sender.url, sender.isMainFrame)) {
    return { ok: false, status: 403, message: "refused: IPC from a frame that is not the app" };
  }
  if (typeof method !== "string" || !isApiMethod(method)) {
    return { ok: false, status: 404, message: `unknown API method ${JSON.stringify(method)}` };
  }
  if (person !== undefined) {
    const problem = typeof person === "string" ? personNameProblem(person) : "not text";
    if (problem)
      return { ok: false, status: 400, message: `the name set in the app is not usable: ${problem}` };
  }
  try {
    return {
      ok: true,
      value: await core.call(method, body, person === undefined ? {} : { person: person as string }),
    };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, status: e.status, message: e.message };
    return { ok: false, status: 500, message: e instanceof Error ? e.message : String(e) };
  }
}
