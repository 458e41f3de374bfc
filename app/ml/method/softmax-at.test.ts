import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { softmaxAt, type SoftmaxAt } from "./softmax-at.ts";

describe("one pixel's softmax in JavaScript", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("gives tfjs's probabilities, arg-max (first of equals) and entropy", () => {
    const k = 5;
    const rows = [
      [0, 0, 0, 0, 0],
      [3, -1, 3, 0.5, 2],
      [80, -80, 10, 0, 1],
      [-2.5, 1.25, 0.75, 1.25, -0.5],
    ];
    const logits = Float32Array.from(rows.flat());
    const probs = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [rows.length, k])).arraySync() as number[][]);
    const e = new Float64Array(k);
    const out: SoftmaxAt = { best: -1, sum: 0, entropy: 0 };
    rows.forEach((row, i) => {
      softmaxAt(logits, i * k, k, e, out);
      expect(out.best, `row ${i}`).toBe(row.indexOf(Math.max(...row)));
      for (let c = 0; c < k; c++) expect(e[c] / out.sum).toBeCloseTo(probs[i][c], 6);
      expect(1 / out.sum).toBeCloseTo(Math.max(...probs[i]), 6);
      const entropy = -probs[i].reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0);
      expect(out.entropy).toBeCloseTo(entropy, 5);
    });
    softmaxAt(logits, 0, k, e, out);
    expect(out.entropy).toBeCloseTo(Math.log(k), 6); // uniform
  });
});
