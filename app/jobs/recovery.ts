/**
 * Training that was killed (crash, power loss, SIGKILL) leaves its run row at status
 * 'running' with the last checkpoint the worker sent. Recovery turns that checkpoint into a
 * model, so the work is not lost, and marks the run as interrupted ('failed').
 */
import type { ProjectStore } from "../store/project-store.ts";
import { readWeightsConfig } from "../ml/model/weights.ts";

export interface RecoveredRun {
  runId: number;
  /** the model made from its last checkpoint, or null when it had none */
  modelId: number | null;
}

function processAlive(pid: unknown): boolean {
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function recoverInterruptedRuns(store: ProjectStore): RecoveredRun[] {
  const rows = store.runs.running();
  const out: RecoveredRun[] = [];
  for (const r of rows) {
    let config: { pid?: unknown; inputSize?: number } = {};
    try {
      config = JSON.parse(r.config);
    } catch {
      // unreadable config: treat as interrupted
    }
    if (config.pid === process.pid || processAlive(config.pid)) continue; // still training
    let modelId: number | null = null;
    store.transaction(() => {
      if (r.checkpoint) {
        const network = readWeightsConfig(new Uint8Array(r.checkpoint));
        modelId = store.models.insert({
          name: `recovered from interrupted run ${r.id}`,
          architecture: { type: "pixelloop-unet", ...network, inputSize: config.inputSize },
          backend: "unknown",
          weights: r.checkpoint,
          labelSnapshot: {},
          metrics: { recoveredFromRun: r.id, validation: null },
          parentId: null,
        });
      }
      store.runs.markInterrupted(r.id, modelId);
    });
    out.push({ runId: r.id, modelId });
  }
  return out;
}
