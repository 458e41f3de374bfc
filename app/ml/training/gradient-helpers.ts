/**
 * Helper threads for data-parallel training (data-parallel.ts): each runs
 * gradient-worker-main.ts with its own tensor backend and a copy of the network, and computes one
 * slice's gradients per step from the weights it is sent.
 */
import { Worker } from "node:worker_threads";
import { workerEntry } from "../engine/worker-entry.ts";
import type { BackendName, BackendOptions } from "../engine/backend.ts";
import type { NetworkConfig } from "../model/network.ts";
import type { PartialMethod } from "../method/method.ts";
import type { BatchSlice, GradientHelpers, SliceGradients } from "./data-parallel.ts";

export interface HelperInit {
  backend: BackendName;
  backendOptions?: BackendOptions;
  network: NetworkConfig;
  method: PartialMethod;
  classWeights?: readonly number[];
}

export type HelperRequest =
  | { type: "init"; init: HelperInit }
  | {
      type: "step";
      weights: Float32Array[];
      stats: Float32Array[];
      slice: BatchSlice;
      step: number;
      totalSteps: number;
    };

export type HelperEvent =
  { type: "ready" } | ({ type: "grads" } & SliceGradients) | { type: "error"; message: string };

/** One helper thread: answers its messages in order, one at a time. */
class Helper {
  private readonly worker: Worker;
  private waiting: { resolve: (e: HelperEvent) => void; reject: (err: Error) => void } | null = null;
  private failure: Error | null = null;

  constructor() {
    const entry = workerEntry("gradient-worker-main", import.meta.url);
    this.worker = new Worker(entry.url, { execArgv: entry.execArgv });
    this.worker.on("message", (e: HelperEvent) => {
      const w = this.waiting;
      this.waiting = null;
      if (!w) return;
      if (e.type === "error") w.reject(new Error(`gradient helper failed: ${e.message}`));
      else w.resolve(e);
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      const w = this.waiting;
      this.waiting = null;
      w?.reject(this.failure);
    };
    this.worker.on("error", (err) => fail(err instanceof Error ? err : new Error(String(err))));
    this.worker.on("exit", (code) => fail(new Error(`gradient helper exited with code ${code}`)));
  }

  request(m: HelperRequest): Promise<HelperEvent> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error("gradient helper is busy"));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(m);
    });
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error("gradient helper stopped");
    await this.worker.terminate();
  }
}

/** Starts `count` helper threads and waits until each has its backend and network. */
export async function startGradientHelpers(count: number, init: HelperInit): Promise<GradientHelpers> {
  const helpers = Array.from({ length: count }, () => new Helper());
  const stopAll = () => Promise.all(helpers.map((h) => h.terminate())).then(() => undefined);
  try {
    await Promise.all(helpers.map((h) => h.request({ type: "init", init })));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return {
    count,
    async compute(weights, stats, slices, step, totalSteps): Promise<SliceGradients[]> {
      if (slices.length !== count) throw new Error(`${slices.length} slices for ${count} gradient helpers`);
      const answers = await Promise.all(
        helpers.map((h, i) =>
          h.request({ type: "step", weights, stats, slice: slices[i], step, totalSteps }),
        ),
      );
      return answers.map((a) => {
        if (a.type !== "grads") throw new Error(`gradient helper answered ${a.type} to a step`);
        return { grads: a.grads, stats: a.stats, losses: a.losses, teacherStats: a.teacherStats };
      });
    },
    dispose: stopAll,
  };
}
