import { describe, expect, it } from "vitest";
import { tf } from "./tf.ts";
import { initBackend } from "./backend.ts";

// Own test file = own process: the threaded build must be chosen before wasm first initializes.
describe("wasm threads under Node", () => {
  it("loads the threaded build when asked, still computes, and reports the threads it really got", async () => {
    const info = await initBackend("wasm", { wasmThreads: 2 });
    expect(info.name).toBe("wasm");
    expect(info.tried[0].reason).toMatch(/thread/);
    // Finding with tfjs-backend-wasm 4.22: XNNPACK's pool reports 1 thread (see wasm-threads.ts).
    expect(info.threads).toBeGreaterThanOrEqual(1);
    const y = tf.tidy(
      () =>
        tf
          .sum(
            tf.conv2d(tf.ones([1, 8, 8, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, "valid"),
          )
          .dataSync()[0],
    );
    expect(y).toBe(36 * 18);
  });
});
