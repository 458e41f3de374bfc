/**
 * One pixel's softmax read from its logits in JavaScript: for terms that read a whole batch's
 * predictions back (the teacher's targets, PiXL's), one loop costs less on wasm than the ~6
 * full-size tensor ops of softmax, entropy and arg-max.
 */

/** What softmaxAt found; reused from pixel to pixel. */
export interface SoftmaxAt {
  /** the class with the largest logit (the first of equals, as tf.argMax) */
  best: number;
  /** sum over classes of exp(z - max): the top probability is 1 / sum */
  sum: number;
  /** -sum p log p, in nats */
  entropy: number;
}

/**
 * The softmax of logits[at .. at + k): fills `out`, and `e` (length >= k) with exp(z - max) per
 * class (p = e / sum). The entropy takes one log: -sum p log p = log sum - sum e (z - max) / sum.
 */
export function softmaxAt(
  logits: Float32Array,
  at: number,
  k: number,
  e: Float64Array,
  out: SoftmaxAt,
): void {
  let max = -Infinity;
  let best = 0;
  for (let c = 0; c < k; c++)
    if (logits[at + c] > max) {
      max = logits[at + c];
      best = c;
    }
  let sum = 0;
  let weighted = 0;
  for (let c = 0; c < k; c++) {
    const z = logits[at + c] - max;
    e[c] = Math.exp(z);
    sum += e[c];
    weighted += e[c] * z;
  }
  out.best = best;
  out.sum = sum;
  out.entropy = Math.log(sum) - weighted / sum;
}
