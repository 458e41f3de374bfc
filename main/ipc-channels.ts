export const CALL_CHANNEL = "pixelloop:call";
export const EVENT_CHANNEL = "pixelloop:event";
export type IpcReply = { ok: true; value: unknown } | { ok: false; status: number; message: string };
