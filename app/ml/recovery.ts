/**
 * Training that was killed (crash, power loss, SIGKILL) leaves its run row at status
 * 'running' with the last checkpoint the worker sent. Recovery turns that checkpoint into a
 * model, so the work is not lost, and marks the run as interrupted ('failed').
 */
import type { ProjectStore } from "../store/project-store.ts";
import { nowIso } from "../store/db.ts";
import { readWeightsConfig } from "./weights.ts";

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
  const rows = store.db
    .prepare("SELECT id, config, checkpoint FROM training_runs WHERE status = 'running' ORDER BY id")
    .all() as {
    id: number;
    config: string;
    checkpoint: Buffer | null;
  }[];
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
    store.db.transaction(() => {
      if (r.checkpoint) {
        const network = readWeightsConfig(new Uint8Array(r.checkpoint));
        modelId = Number(
          store.db
            .prepare(
              `INSERT INTO models (name, created_at, architecture, backend, weights, label_snapshot, metrics, parent_id)
               VALUES (?, ?, ?, 'unknown', ?, '{}', ?, NULL)`,
            )
            .run(
              `recovered from interrupted run ${r.id}`,
              nowIso(),
              JSON.stringify({ type: "pixelloop-unet", ...network, inputSize: config.inputSize }),
              r.checkpoint,
              JSON.stringify({ recoveredFromRun: r.id, validation: null }),
            ).lastInsertRowid,
        );
      }
      store.db
        .prepare(
          "UPDATE training_runs SET status = 'failed', finished_at = ?, model_id = COALESCE(model_id, ?) WHERE id = ?",
        )
        .run(nowIso(), modelId, r.id);
    })();
    out.push({ runId: r.id, modelId });
  }
  return out;
}
