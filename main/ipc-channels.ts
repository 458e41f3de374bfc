export const CALL_CHANNEL = "pixelloop:call";
export const EVENT_CHANNEL = "pixelloop:event";
/** "Choose…" buttons: the system's folder or project dialog (main/dialogs.ts) */
export const PICK_CHANNEL = "pixelloop:pick";
export type IpcReply = { ok: true; value: unknown } | { ok: false; status: number; message: string };
