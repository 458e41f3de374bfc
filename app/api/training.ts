/**
 * Training as the UI drives it: start/stop one run per project, progress pushed as events.
 * Project-level training (app/ml/project-training.ts) is not in this build yet, so every
 * method reports "not available" honestly instead of pretending.
 */
import type { ProjectStore } from "../store/project-store.ts";
import type { ApiEvent, TrainingStatus } from "./types.ts";

export interface TrainingController {
  start(req: { steps?: number; inputSize?: number; batchSize?: number; widths?: number[] }): Promise<TrainingStatus> | TrainingStatus;
  stop(): Promise<TrainingStatus> | TrainingStatus;
  status(): TrainingStatus;
  shutdown(): Promise<void>;
}

export interface TrainingContext {
  project: () => ProjectStore;
  emit: (e: ApiEvent) => void;
}

const UNAVAILABLE: TrainingStatus = {
  available: false,
  reason: "training is not available in this build (project-level training has not landed yet)",
  state: "idle",
  backend: null,
  step: 0,
  totalSteps: 0,
  etaSec: null,
  imagesPerSec: null,
  losses: [],
  valMiou: [],
  message: null,
  rounds: [],
};

export function createTrainingController(_ctx: TrainingContext): TrainingController {
  return {
    start: () => UNAVAILABLE,
    stop: () => UNAVAILABLE,
    status: () => UNAVAILABLE,
    shutdown: async () => {},
  };
}
