import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../engine/backend.ts";
import { UNLABELED } from "./losses.ts";
import { datasetFromArray, type TrainingSample } from "../training/train.ts";
import { forestLabeledDataset } from "./forest-labels.ts";

/** A 64x48 gray image: dark left half (class 0), bright right half (class 1), a little noise; a few scribbled pixels per class. */
function halves(seed: number, scribbled: boolean): TrainingSample & { gt: Uint8Array } {
  const w = 64;
  const h = 48;
  const pixels = new Uint8Array(w * h);
  const gt = new Uint8Array(w * h);
  let s = seed + 7;
  for (let i = 0; i < w * h; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    gt[i] = i % w < w / 2 ? 0 : 1;
    pixels[i] = (gt[i] ? 190 : 60) + ((s >>> 16) % 30);
  }
  const labels = new Uint8Array(w * h).fill(UNLABELED);
  if (scribbled)
    for (let y = 10; y < 38; y++) {
      labels[y * w + 8] = 0;
      labels[y * w + 56] = 1;
    }
  return { pixels, width: w, height: h, channels: 1, labels, gt };
}

describe("labels from the classical pixel classifier", () => {
  beforeAll(async () => {
    await initBackend("cpu");
  });

  it("labels the unlabeled pixels of labeled images where the forest is confident, keeping every existing label", () => {
    const samples = [halves(1, true), halves(2, true), halves(3, false)];
    const data = datasetFromArray(samples);
    const taught = forestLabeledDataset(data, data, 2, { tau: 0.8 }, 1);
    expect(taught.size).toBe(3);
    for (const i of [0, 1]) {
      const before = samples[i].labels as Uint8Array;
      const after = taught.get(i).labels as Uint8Array;
      let added = 0;
      let right = 0;
      for (let p = 0; p < after.length; p++) {
        if (before[p] !== UNLABELED) expect(after[p]).toBe(before[p]);
        else if (after[p] !== UNLABELED) {
          added++;
          if (after[p] === samples[i].gt[p]) right++;
        }
      }
      expect(added).toBeGreaterThan(0.8 * after.length);
      expect(right / added).toBeGreaterThan(0.95);
    }
    // an image without labels stays without (it is not a labeled training image)
    expect((taught.get(2).labels as Uint8Array).every((v) => v === UNLABELED)).toBe(true);
    // computed once and kept
    expect(taught.get(0)).toBe(taught.get(0));
  });
});
