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
import type { BatchSlice, GradientHelpers, SliceGradients, SlicePixels } from "./data-parallel.ts";

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
    }
  | { type: "render-ahead"; id: number; pixels: SlicePixels };

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

  /** Sends `m`, which has no answer (moving the buffers in `transfer` to the helper). */
  post(m: HelperRequest, transfer: ArrayBuffer[] = []): void {
    if (!this.failure) this.worker.postMessage(m, transfer);
  }

  /** Sends `m` (moving the buffers in `transfer` to the helper) and waits for the answer. */
  request(m: HelperRequest, transfer: ArrayBuffer[] = []): Promise<HelperEvent> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiting) return Promise.reject(new Error("gradient helper is busy"));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(m, transfer);
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
      // The weights come in shared memory (readVariablesShared): every helper reads the one copy.
      // Each slice's crops are its helper's alone: moved, not copied.
      const answers = await Promise.all(
        helpers.map((h, i) =>
          h.request(
            { type: "step", weights, stats, slice: slices[i], step, totalSteps },
            cropBuffers(slices[i].pixels),
          ),
        ),
      );
      return answers.map((a) => {
        if (a.type !== "grads") throw new Error(`gradient helper answered ${a.type} to a step`);
        return { grads: a.grads, stats: a.stats, losses: a.losses, teacherStats: a.teacherStats, ms: a.ms };
      });
    },
    renderAhead(id, pixels) {
      if (pixels.length !== count) throw new Error(`${pixels.length} slices for ${count} gradient helpers`);
      helpers.forEach((h, i) =>
        h.post({ type: "render-ahead", id, pixels: pixels[i] }, cropBuffers(pixels[i])),
      );
    },
    dispose: stopAll,
  };
}

/** The buffers of a slice's crops: its helper's alone, so they are moved, not copied. */
function cropBuffers(pixels: SlicePixels): ArrayBuffer[] {
  if (!("crops" in pixels)) return [];
  return pixels.crops.flatMap(({ part }) =>
    [part.pixels, part.labels].flatMap((a) => (a ? [a.buffer as ArrayBuffer] : [])),
  );
}
