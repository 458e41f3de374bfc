import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { decodePixels } from "./decode.ts";
import { tmpDir } from "../testing/tmp.ts";
import { writeSampleImages } from "../testing/sample-images.ts";

describe("image import", () => {
  const t = tmpDir();
  const src = path.join(t.dir, "src");

  beforeAll(() => writeSampleImages(t.dir));
  afterAll(() => t.cleanup());

  it("decodes gray as one channel, color as RGB, 16-bit to 8-bit (high-depth.test.ts), with orientation applied", async () => {
    const gray = await decodePixels(path.join(src, "gray.png"));
    expect([gray.channels, gray.data.length]).toEqual([1, 64 * 48]);
    const deep = await decodePixels(path.join(src, "deep16.png"));
    expect([deep.channels, deep.data.length]).toEqual([3, 64 * 48 * 3]);
    const rot = await decodePixels(path.join(src, "rotated.jpg"));
    expect([rot.width, rot.height]).toEqual([40, 60]);
  });
});
