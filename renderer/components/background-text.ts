import type { BackgroundStatus } from "../../app/common/api-types.ts";

/** What background training does now, in a line. */
export function backgroundText(b: BackgroundStatus): string {
  if (!b.enabled) return `Off: the network trains when you press Start (T).`;
  const rounds = b.rounds === 1 ? "1 round" : `${b.rounds} rounds`;
  if (b.state === "failed") return `Failed: ${b.message ?? "see the training panel"}`;
  const done = b.rounds > 0 ? ` ${rounds} done.` : "";
  if (b.message) return `${b.message}${done}`;
  return b.rounds > 0 ? `${rounds} done.` : "Starting…";
}
