import { beforeAll, describe, expect, it } from "vitest";
import { tf } from "../engine/tf.ts";
import { initBackend } from "../engine/backend.ts";
import { rgbTensor } from "./image.ts";

describe("raw pixels to the network's input", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("gives float RGB 0..255 from gray, RGB and RGBA bytes: gray replicated, alpha dropped", () => {
    const [w, h] = [3, 2];
    const gray = Uint8Array.from([0, 1, 127, 128, 254, 255]);
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256);
    const rgba = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 53) % 256);
    const cases = [
      { channels: 1 as const, pixels: gray, expected: [...gray].flatMap((v) => [v, v, v]) },
      { channels: 3 as const, pixels: rgb, expected: [...rgb] },
      {
        channels: 4 as const,
        pixels: rgba,
        expected: [...rgba].filter((_, i) => i % 4 !== 3),
      },
    ];
    for (const c of cases) {
      const t = rgbTensor({ width: w, height: h, channels: c.channels, pixels: c.pixels });
      expect(t.shape, `${c.channels} channels`).toEqual([h, w, 3]);
      expect(t.dtype).toBe("float32");
      expect(Array.from(t.dataSync()), `${c.channels} channels`).toEqual(c.expected);
      t.dispose();
    }
    expect(() => rgbTensor({ width: w, height: h, channels: 3, pixels: gray })).toThrow(/expected 18 bytes/);
    expect(tf.memory().numTensors).toBe(0);
  });
});
