/**
 * The Electron transport: the same typed API over the preload bridge (main/preload.ts), which
 * exposes one function per method and an event subscription. Images load from the app
 * protocol by id (relative URLs resolve to pixelloop://app/files/...).
 */
import { ApiError } from "../../app/common/api-error.ts";
import type { ApiMethod, ApiRequest, ApiResponse } from "../../app/api/schema.ts";
import type { ApiEvent } from "../../app/common/api-types.ts";
import { thumbPath, type ConnectionState, type UiApi } from "./client.ts";
import { storedPersonName } from "../state/person.ts";

/** What a folder (or project file) is chosen for: the desktop app's dialog is shaped by it. */
export type PickPurpose = "new-project" | "open-project" | "import" | "labels" | "export";

interface Bridge {
  shell: "electron";
  methods: Record<string, (req?: unknown, person?: string) => Promise<unknown>>;
  onEvent(cb: (e: unknown) => void): () => void;
  /** the system's dialog (main/dialogs.ts): the chosen path, or null when cancelled */
  pick?(purpose: PickPurpose): Promise<string | null>;
}

export function electronBridge(): Bridge | null {
  const b = (globalThis as { pixelloop?: Bridge }).pixelloop;
  return b && b.shell === "electron" ? b : null;
}

export class IpcApi implements UiApi {
  readonly base = "";
  private readonly bridge: Bridge;
  constructor(bridge: Bridge) {
    this.bridge = bridge;
  }

  async call<M extends ApiMethod>(m: M, req: ApiRequest<M>): Promise<ApiResponse<M>> {
    const fn = this.bridge.methods[m];
    if (!fn) throw new ApiError(404, `${m}: not available in this build of the desktop app`);
    try {
      // The name set in the app (#34), else the core acts as the OS user.
      const person = storedPersonName();
      return (await (person ? fn(req ?? {}, person) : fn(req ?? {}))) as ApiResponse<M>;
    } catch (e) {
      const err = e as Error & { status?: number };
      // Electron prefixes errors crossing IPC with "Error invoking remote method ...: Error: ".
      throw new ApiError(
        err.status ?? 500,
        err.message.replace(/^Error invoking remote method '[^']*': (Error: )?/, ""),
      );
    }
  }

  imageUrl(id: number): string {
    return `/files/image/${id}`;
  }

  thumbUrl(image: { id: number; sha256: string }): string {
    return thumbPath(image);
  }

  connectEvents(onEvent: (e: ApiEvent) => void, onState: (s: ConnectionState) => void): () => void {
    onState("open");
    return this.bridge.onEvent((e) => onEvent(e as ApiEvent));
  }
}
