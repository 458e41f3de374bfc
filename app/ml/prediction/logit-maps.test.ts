import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { writeClassMaps } from "./logit-maps.ts";
import { seededRandom } from "../engine/random.ts";

/** The tensor way: resize the logits to the tile, softmax, then arg-max, max and entropy. */
function reference(values: Float32Array, gw: number, gh: number, k: number, w: number, h: number) {
  return tf.tidy(() => {
    let x = tf.tensor4d(values, [1, gh, gw, k]);
    if (gw !== w || gh !== h) x = tf.image.resizeBilinear(x, [h, w]);
    const p = tf.squeeze(tf.softmax(x), [0]);
    const ent = tf.div(tf.neg(tf.sum(tf.mul(p, tf.log(tf.maximum(p, 1e-12))), -1)), Math.log(k));
    return {
      cls: tf.argMax(p, -1).dataSync(),
      conf: tf.max(p, -1).dataSync(),
      ent: ent.dataSync(),
      // how far the best class is ahead of the second: a near-tie may go either way in float32
      gap: tf.tidy(() => {
        const top = tf.topk(p, 2).values;
        return tf
          .sub(tf.slice(top, [0, 0, 0], [-1, -1, 1]), tf.slice(top, [0, 0, 1], [-1, -1, 1]))
          .dataSync();
      }),
    };
  });
}

describe("class maps from network-resolution logits", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  for (const [gw, gh, w, h] of [
    [24, 18, 97, 61], // the usual case: the network ran at a smaller working scale
    [40, 30, 40, 30], // working scale 1
    [30, 20, 17, 11], // a working scale above 1
  ]) {
    it(`match resizeBilinear + softmax for a ${gw}x${gh} grid on a ${w}x${h} tile`, () => {
      const k = 5;
      const rand = seededRandom(gw * 7 + w);
      const values = Float32Array.from({ length: gw * gh * k }, () => (rand() - 0.5) * 12);
      const ref = reference(values, gw, gh, k, w, h);
      // Only a region of the tile, written at an offset in a larger image.
      const region = { x0: 3, x1: w - 2, y0: 2, y1: h - 1 };
      const W = w + 10;
      const out = {
        width: W,
        classMap: new Uint8Array(W * (h + 5)).fill(255),
        confidence: new Float32Array(W * (h + 5)).fill(-1),
        margin: new Float32Array(W * (h + 5)).fill(-1),
        entropy: new Float32Array(W * (h + 5)).fill(-1),
      };
      writeClassMaps({ values, width: gw, height: gh, classes: k }, w, h, region, out, 6, 4);
      let written = 0;
      for (let i = 0; i < out.classMap.length; i++) if (out.classMap[i] !== 255) written++;
      expect(written).toBe((region.x1 - region.x0) * (region.y1 - region.y0));
      for (let y = region.y0; y < region.y1; y++) {
        for (let x = region.x0; x < region.x1; x++) {
          const r = y * w + x;
          const o = (4 + y - region.y0) * W + 6 + x - region.x0;
          if (ref.gap[r] > 1e-5) expect(out.classMap[o]).toBe(ref.cls[r]);
          expect(Math.abs(out.confidence[o] - ref.conf[r])).toBeLessThan(1e-5);
          expect(Math.abs(out.entropy[o] - ref.ent[r])).toBeLessThan(1e-5);
          expect(Math.abs(out.margin[o] - ref.gap[r])).toBeLessThan(1e-5);
        }
      }
    });
  }

  it("a uniform pixel has entropy 1, confidence 1/K and margin 0; a certain one entropy 0 and margin 1", () => {
    const out = {
      width: 2,
      classMap: new Uint8Array(2),
      confidence: new Float32Array(2),
      margin: new Float32Array(2),
      entropy: new Float32Array(2),
    };
    const values = Float32Array.from([0, 0, 0, 0, 200, 0, 0, 0]); // two pixels, 4 classes
    writeClassMaps(
      { values, width: 2, height: 1, classes: 4 },
      2,
      1,
      { x0: 0, x1: 2, y0: 0, y1: 1 },
      out,
      0,
      0,
    );
    expect(Array.from(out.classMap)).toEqual([0, 0]);
    expect(out.confidence[0]).toBeCloseTo(0.25, 6);
    expect(out.entropy[0]).toBeCloseTo(1, 6);
    expect(out.margin[0]).toBeCloseTo(0, 6); // a tie
    expect(out.margin[1]).toBeCloseTo(1, 6);
    expect(out.confidence[1]).toBeCloseTo(1, 6);
    expect(out.entropy[1]).toBeCloseTo(0, 6);
  });
});
