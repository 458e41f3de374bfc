import util from "node:util";
import { describe, expect, it } from "vitest";
import { tf } from "./tf.ts";
import { BackendUnavailableError, describeBackend, initBackend, installNodeUtilShim } from "./backend.ts";

describe("backend ladder", () => {
  it("auto walks the ladder, records why native backends were skipped, and lands on wasm here", async () => {
    const info = await initBackend("auto");
    expect(info.tried.map((t) => t.name)).toEqual(["tfjs-node-gpu", "tfjs-node", "wasm"]);
    expect(info.tried.slice(0, 2).every((t) => !t.ok && /not installed/.test(t.reason))).toBe(true);
    expect(info).toMatchObject({ name: "wasm", tfBackend: "wasm", threads: 1 });
    expect(info.customKernels).toContain("Conv2DBackpropFilter");
    expect(tf.getBackend()).toBe("wasm");
    expect(describeBackend(info)).toMatch(/tensor backend: wasm/);
    expect(describeBackend(info)).toMatch(/SIMD convolution gradients/);
  });

  it("an explicit preference overrides the ladder", async () => {
    const info = await initBackend("cpu");
    expect(info.name).toBe("cpu");
    expect(info.tried).toHaveLength(1);
    expect(tf.getBackend()).toBe("cpu");
    await initBackend("wasm");
    expect(tf.getBackend()).toBe("wasm");
  });

  it("an unavailable explicit preference fails with a readable reason", async () => {
    const err = await initBackend("tfjs-node").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).reason).toMatch(/@tensorflow\/tfjs-node is not installed/);
  });

  it("the util shim provides isNullOrUndefined for tfjs-node on Node 23+", () => {
    installNodeUtilShim();
    const isNullOrUndefined = (util as unknown as { isNullOrUndefined: (v: unknown) => boolean })
      .isNullOrUndefined;
    expect([null, undefined, 0, ""].map(isNullOrUndefined)).toEqual([true, true, false, false]);
  });
});
