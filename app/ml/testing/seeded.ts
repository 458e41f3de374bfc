import { tf } from "../engine/tf.ts";
import { createNetwork, type SegmentationNetwork, type NetworkConfig } from "../model/network.ts";
import { seededRandom } from "../engine/random.ts";

/**
 * A network whose conv kernels are seeded He-uniform values, so a test's outcome does not depend
 * on the random initialization of the run (unseeded nets made agreement/accuracy checks flaky).
 */
export function seededNetwork(config: NetworkConfig, seed = 7): SegmentationNetwork {
  const n = createNetwork(config);
  const rand = seededRandom(seed);
  const seeded = n.model.getWeights().map((w) => {
    if (w.rank !== 4) return w.clone();
    const [kh, kw, cin] = w.shape as number[];
    const limit = Math.sqrt(6 / (kh * kw * cin));
    const values = Float32Array.from({ length: w.size }, () => (rand() * 2 - 1) * limit);
    return tf.tensor(values, w.shape);
  });
  n.model.setWeights(seeded);
  seeded.forEach((t) => t.dispose());
  return n;
}
