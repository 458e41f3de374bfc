/**
 * Entry point of a gradient helper thread (data-parallel training, see data-parallel.ts and
 * gradient-helpers.ts). Protocol (structured-clone messages):
 *   host -> helper: { type: "init", init } once, then { type: "step", ... } per training step
 *   helper -> host: "ready" (backend up, network built), then per step "grads", or "error"
 */
import { parentPort } from "node:worker_threads";
import { initBackend } from "../engine/backend.ts";
import { SegmentationNetwork } from "../model/network.ts";
import { buildLossTerms, resolveMethod } from "../method/method.ts";
import { tf } from "../engine/tf.ts";
import { readVariables, sliceTensors, stepGradients, writeVariables } from "./data-parallel.ts";
import type { HelperEvent, HelperRequest } from "./gradient-helpers.ts";

if (!parentPort) throw new Error("gradient-worker-main must run in a worker thread");
const port = parentPort;
const send = (e: HelperEvent, transfer: ArrayBuffer[] = []) => port.postMessage(e, transfer);

let net: SegmentationNetwork | undefined;
let variables: tf.Variable[] = [];
let stats: tf.Variable[] = [];
let lossTerms: ReturnType<typeof buildLossTerms> = [];

port.on("message", (m: HelperRequest) => {
  void (async () => {
    try {
      if (m.type === "init") {
        await initBackend(m.init.backend, m.init.backendOptions);
        net = new SegmentationNetwork(m.init.network, { seed: 1 }); // weights come with every step
        variables = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
        stats = net.model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
        lossTerms = buildLossTerms(resolveMethod(m.init.method), m.init.classWeights);
        send({ type: "ready" });
      } else if (m.type === "step") {
        if (!net) throw new Error("gradient helper: step before init");
        writeVariables(variables, m.weights);
        writeVariables(stats, m.stats);
        const slice = sliceTensors(m.slice);
        try {
          const r = stepGradients(net, variables, lossTerms, slice, m.step, m.totalSteps);
          const grads = r.grads.map((g) => (g.dataSync() as Float32Array).slice());
          tf.dispose(r.grads);
          const after = readVariables(stats);
          send({ type: "grads", grads, stats: after, losses: r.losses }, [
            ...grads.map((g) => g.buffer as ArrayBuffer),
            ...after.map((v) => v.buffer as ArrayBuffer),
          ]);
        } finally {
          tf.dispose(slice);
        }
      }
    } catch (err) {
      send({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
