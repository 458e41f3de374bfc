import { defineConfig } from "vitest/config";

// End-to-end: the real UI (dist/renderer) in Debian's Chromium against a real `pixelloop serve`.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
  },
});
