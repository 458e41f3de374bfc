/**
 * Label-propagation regularizer for scribbles: a local, color-gated CRF loss (in the spirit of
 * Tang et al. 2018 / Obukhov et al. "Gated CRF loss"), computed with shifted copies of the
 * prediction. For neighbour pairs (p, q) at each offset d (right, down and both diagonals):
 *
 *   loss = sum_pq w_pq * (1 - <P_p, P_q>) / sum_pq w_pq,   w_pq = exp(-|I_p - I_q|^2 / (2 sigma^2))
 *
 * so neighbours of similar color are pushed to agree, spreading scribble labels up to edges.
 */
import { tf } from "../engine/tf.ts";
import type { LossTerm } from "./losses.ts";
import type { CrfOptions } from "./method.ts";
import { ramp } from "./ramp.ts";

export function crfLoss(
  options: Pick<CrfOptions, "weight" | "sigma" | "offsets" | "rampFraction" | "scale">,
): LossTerm {
  return {
    name: "crf",
    weight: ramp(options.weight, options.rampFraction),
    compute: (ctx) => {
      // At 1/scale resolution (block means of probabilities and colors): the loss is about regions,
      // and full resolution costs ~2x a training step on the wasm backend.
      const f = Math.max(1, options.scale);
      const down = (t: tf.Tensor4D) => (f > 1 ? tf.avgPool(t, f, f, "valid") : t);
      const probs = down(tf.softmax(ctx.outputs.logits));
      const images = down(ctx.images);
      const [, H, W] = probs.shape;
      let num: tf.Tensor = tf.scalar(0);
      let den: tf.Tensor = tf.scalar(0);
      const shifts: Array<[number, number]> = [];
      for (const d of options.offsets) shifts.push([0, d], [d, 0], [d, d], [d, -d]);
      for (const [dy, dx] of shifts) {
        if (dy >= H || Math.abs(dx) >= W) continue;
        const h = H - dy;
        const w = W - Math.abs(dx);
        const a = (t: tf.Tensor4D) => tf.slice(t, [0, 0, Math.max(0, -dx), 0], [-1, h, w, -1]);
        const b = (t: tf.Tensor4D) => tf.slice(t, [0, dy, Math.max(0, dx), 0], [-1, h, w, -1]);
        const diff = tf.sum(tf.square(tf.sub(a(images), b(images))), -1);
        const gate = tf.exp(tf.div(diff, -2 * options.sigma * options.sigma));
        const agree = tf.sum(tf.mul(a(probs), b(probs)), -1);
        num = tf.add(num, tf.sum(tf.mul(gate, tf.sub(1, agree))));
        den = tf.add(den, tf.sum(gate));
      }
      return tf.div(num, tf.maximum(den, 1e-6)) as tf.Scalar;
    },
  };
}
