/**
 * Entry point of a gradient helper thread (data-parallel training, see data-parallel.ts and
 * gradient-helpers.ts). Protocol (structured-clone messages):
 *   host -> helper: { type: "init", init } once, then { type: "step", ... } per training step,
 *                   and { type: "render-ahead", ... } (its next slice to render ahead; no answer)
 *   helper -> host: "ready" (backend up, network built), then per step "grads", or "error"
 */
import { parentPort } from "node:worker_threads";
import { initBackend } from "../engine/backend.ts";
import { SegmentationNetwork } from "../model/network.ts";
import { buildLossTerms, resolveMethod, type SemiSupervisedOptions } from "../method/method.ts";
import type { tf } from "../engine/tf.ts";
import { computeSlice, PreparedSlices } from "./replica-step.ts";
import type { HelperEvent, HelperRequest } from "./gradient-helpers.ts";

if (!parentPort) throw new Error("gradient-worker-main must run in a worker thread");
const port = parentPort;
const send = (e: HelperEvent, transfer: ArrayBuffer[] = []) => port.postMessage(e, transfer);

let net: SegmentationNetwork | undefined;
let variables: tf.Variable[] = [];
let stats: tf.Variable[] = [];
let lossTerms: ReturnType<typeof buildLossTerms> = [];
let semi: SemiSupervisedOptions | undefined;
const prepared = new PreparedSlices();

port.on("message", (m: HelperRequest) => {
  void (async () => {
    try {
      if (m.type === "init") {
        await initBackend(m.init.backend, m.init.backendOptions);
        net = new SegmentationNetwork(m.init.network, { seed: 1 }); // weights come with every step
        variables = net.model.trainableWeights.map((w) => w.read() as tf.Variable);
        stats = net.model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
        const method = resolveMethod(m.init.method);
        lossTerms = buildLossTerms(method, m.init.classWeights);
        semi = method.semiSupervised.enabled ? method.semiSupervised : undefined;
        send({ type: "ready" });
      } else if (m.type === "render-ahead") {
        prepared.render(m.id, m.pixels); // no answer: the step tells how it went
      } else if (m.type === "step") {
        if (!net) throw new Error("gradient helper: step before init");
        const r = computeSlice(net, variables, stats, lossTerms, semi, m, prepared);
        send({ type: "grads", ...r }, [
          ...r.grads.map((g) => g.buffer as ArrayBuffer),
          ...r.stats.map((v) => v.buffer as ArrayBuffer),
        ]);
      }
    } catch (err) {
      send({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  })();
});
