/**
 * A replica's own views in split mode: made with the teacher's weights it is sent (not its live
 * ones), the same views the training thread would make with those weights and seed, and the live
 * weights back in place afterwards.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { seededNetwork } from "../testing/seeded.ts";
import { resolveMethod } from "../method/method.ts";
import { splitViews, teacherTargets } from "../method/semi-supervised.ts";
import { seededRandom } from "./augment.ts";
import { readVariables } from "./data-parallel.ts";
import { replicaViews } from "./teacher-views.ts";

const config = { numClasses: 3, widths: [8, 16], embeddingDim: 4, projectionHidden: 4 };

describe("a replica's own views", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("come from the teacher's weights, as the training thread's would, and leave the live weights", () => {
    const semi = resolveMethod({ semiSupervised: { enabled: true } }).semiSupervised;
    const live = seededNetwork(config, 1);
    const teacher = seededNetwork(config, 2);
    const vars = (n: typeof live) => n.model.trainableWeights.map((w) => w.read() as tf.Variable);
    const stats = (n: typeof live) => n.model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
    const liveWeights = { weights: readVariables(vars(live)), stats: readVariables(stats(live)) };
    const thresholds = new Float32Array(3).fill(0.4);
    const weak = () => ({
      images: tf.randomUniform([4, 16, 16, 3], 0, 255, "float32", 7) as tf.Tensor4D,
      labels: tf.fill([4, 16, 16], 255, "int32") as tf.Tensor3D,
    });
    const made = replicaViews(
      live,
      vars(live),
      stats(live),
      liveWeights,
      weak(),
      {
        weights: [...readVariables(vars(teacher)), ...readVariables(stats(teacher))],
        thresholds,
        seed: 11,
      },
      semi,
    );
    const w = weak();
    const expected = splitViews(
      w.images,
      w.labels,
      (im, lb) => {
        const pass = teacherTargets(teacher, im, lb, thresholds);
        return { targets: pass.targets, entropy: pass.entropy };
      },
      semi.strong,
      seededRandom(11),
    );
    for (const f of ["images", "labels", "pseudoLabels", "teacherEntropy"] as const)
      expect(Array.from(made.batch[f]!.dataSync()), f).toEqual(Array.from(expected[f].dataSync()));
    expect(Number.isFinite(made.stats.meanConfidence)).toBe(true);
    // the live weights are back
    readVariables(vars(live)).forEach((v, i) => expect(v).toEqual(liveWeights.weights[i]));
    tf.dispose([w.images, w.labels, made.batch, ...Object.values(expected)]);
    live.dispose();
    teacher.dispose();
  });
});
