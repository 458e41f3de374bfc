/** Entry point of the training / prediction worker; see worker.ts for the protocol. */
import { setPriority } from "node:os";
import { initBackend, type BackendInfo } from "../ml/engine/backend.ts";
import { replicaCount, type GradientHelpers } from "../ml/training/data-parallel.ts";
import { startGradientHelpers } from "../ml/training/gradient-helpers.ts";
import { SegmentationNetwork } from "../ml/model/network.ts";
import { datasetFromArray, train } from "../ml/training/train.ts";
import { loadWeights, networkFromWeights, serializeWeights } from "../ml/model/weights.ts";
import { predictImageFile } from "../ml/prediction/predict-file.ts";
import { encodePrediction } from "./project-prediction.ts";
import { evaluateNetwork } from "../ml/training/evaluate.ts";
import { ProjectStore } from "../store/project-store.ts";
import { computeSuggestions } from "../loop/suggest.ts";
import type { PredictionJob, SuggestionJob, TrainingJob, WorkerEvent, WorkerRequest } from "./worker.ts";
import { runPreviewJob } from "./preview-run.ts";
import { hostPort } from "./host-port.ts";

const port = hostPort<WorkerEvent, WorkerRequest>("worker-main");
const abort = new AbortController();
const send = (event: WorkerEvent) => port.postMessage(event);

/** Helper threads for data-parallel training on wasm, or none (other backends, or 1 replica). */
async function gradientHelpers(job: TrainingJob, info: BackendInfo): Promise<GradientHelpers | undefined> {
  const replicas = replicaCount(job.replicas ?? 1, job.options.batchSize ?? 8);
  if (replicas < 2 || info.name !== "wasm") return undefined;
  return startGradientHelpers(replicas - 1, {
    backend: info.name,
    backendOptions: job.backendOptions,
    network: job.network,
    method: job.options.method ?? {},
    classWeights: job.options.classWeights,
  });
}

/** The nice value of background training: the UI, saves and the preview go first. */
const LOW_PRIORITY = 10;

/** On Linux a thread's nice value is its own (this worker's), and threads it starts inherit it. */
function lowerPriority(): void {
  try {
    setPriority(LOW_PRIORITY);
  } catch {
    // not allowed here: runs at the normal priority
  }
}

async function run(job: TrainingJob): Promise<void> {
  if (job.lowPriority) lowerPriority();
  const info = await initBackend(job.backend ?? "auto", job.backendOptions);
  let helpers: GradientHelpers | undefined;
  let replicasNote: string | undefined;
  try {
    helpers = await gradientHelpers(job, info);
  } catch (err) {
    // Training still runs, on one core, and says why.
    replicasNote = `data-parallel helpers did not start (${err instanceof Error ? err.message : String(err)}); training on one core`;
  }
  send({ type: "backend", info: { ...info, replicas: (helpers?.count ?? 0) + 1, replicasNote } });
  try {
    await trainJob(job, helpers);
  } finally {
    await helpers?.dispose();
  }
}

async function trainJob(job: TrainingJob, helpers: GradientHelpers | undefined): Promise<void> {
  // Seeded like the data order and crops, so the same project and seed train the same model.
  const net = new SegmentationNetwork(job.network, { seed: job.options.seed ?? 1 });
  if (job.initialWeights) loadWeights(net, job.initialWeights);
  const result = await train(net, datasetFromArray(job.samples), {
    ...job.options,
    helpers,
    signal: abort.signal,
    onProgress: (progress) => send({ type: "progress", progress }),
    onPreparing: (what) => send({ type: "preparing", what }),
    onCheckpoint: (checkpoint) => send({ type: "checkpoint", checkpoint }),
    validation: job.validation?.samples.length
      ? {
          every: job.validation.every,
          atStart: job.validation.atStart,
          run: (n) => {
            const m = evaluateNetwork(n, job.validation?.samples ?? []);
            return { score: m.miou, metrics: { ...m } };
          },
        }
      : undefined,
    onValidation: (validation) => send({ type: "validation", validation }),
    onSelfTraining: (round) => send({ type: "selfTraining", round }),
  });
  send({ type: "done", result, weights: serializeWeights(net) });
  net.dispose();
}

/** Predicts the job's images one by one; the host stores each result as it arrives. */
async function runPrediction(job: PredictionJob): Promise<void> {
  if (job.lowPriority) lowerPriority();
  send({ type: "backend", info: await initBackend(job.backend ?? "auto", job.backendOptions) });
  const net = networkFromWeights(job.weights);
  try {
    for (const image of job.images) {
      if (abort.signal.aborted) return send({ type: "predicted", cancelled: true });
      const r = await predictImageFile(net, image.file, image);
      if ("skipped" in r) send({ type: "skipped", id: image.id, skipped: r.skipped });
      // Encoded here, so the host's thread only writes the row.
      else send({ type: "prediction", id: image.id, prediction: encodePrediction(r.prediction) });
    }
    send({ type: "predicted", cancelled: false });
  } finally {
    net.dispose();
  }
}

/** Scores a model's stored predictions (a read-only connection) and sends the queue to the host, which stores it. */
function runSuggestion(job: SuggestionJob): void {
  const store = ProjectStore.open(job.projectFile, { readonly: true });
  try {
    send({
      type: "suggestions",
      items: computeSuggestions(store, { n: job.n, modelId: job.modelId, save: false }),
    });
  } finally {
    store.close();
  }
}

const fail = (err: unknown) =>
  send({ type: "error", message: err instanceof Error ? err.message : String(err) });

/** Set by "preview.interrupt", cleared when the next preview job starts. */
let previewInterrupted = false;

port.onMessage((message: WorkerRequest) => {
  if (message.type === "preview") {
    previewInterrupted = false;
    runPreviewJob(message.job, send, () => previewInterrupted).catch((err: unknown) =>
      send({ type: "preview.error", message: err instanceof Error ? err.message : String(err) }),
    );
  } else if (message.type === "preview.interrupt") {
    previewInterrupted = true;
  } else if (message.type === "cancel") {
    abort.abort();
  } else if (message.type === "start") {
    run(message.job).catch(fail);
  } else if (message.type === "predict") {
    runPrediction(message.job).catch(fail);
  } else if (message.type === "suggest") {
    try {
      runSuggestion(message.job);
    } catch (err) {
      fail(err);
    }
  }
});
