/**
 * Preload (sandboxed, context-isolated): exposes the typed API as `window.pixelloop`, one
 * function per API method, plus an event subscription. No raw ipcRenderer reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from "electron";
import { API_METHOD_NAMES } from "../app/common/api-methods.ts";
import { CALL_CHANNEL, EVENT_CHANNEL, PICK_CHANNEL, type IpcReply } from "./ipc-channels.ts";

const methods: Record<string, (req?: unknown, person?: string) => Promise<unknown>> = {};
for (const name of API_METHOD_NAMES) {
  // `person`: the name set in the app, if any (#34; checked in main/ipc.ts).
  methods[name] = async (req?: unknown, person?: string) => {
    const args = typeof person === "string" ? [req ?? {}, person] : [req ?? {}];
    const reply = (await ipcRenderer.invoke(CALL_CHANNEL, name, ...args)) as IpcReply;
    if (reply.ok) return reply.value;
    throw Object.assign(new Error(reply.message), { status: reply.status });
  };
}

contextBridge.exposeInMainWorld("pixelloop", {
  shell: "electron",
  methods,
  onEvent(callback: (event: unknown) => void): () => void {
    const listener = (_e: IpcRendererEvent, payload: unknown) => callback(payload);
    ipcRenderer.on(EVENT_CHANNEL, listener);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, listener);
  },
  /** "Choose…": the system's dialog (main/dialogs.ts); the chosen path, or null when cancelled */
  pick(purpose: string): Promise<string | null> {
    return ipcRenderer.invoke(PICK_CHANNEL, purpose) as Promise<string | null>;
  },
});
