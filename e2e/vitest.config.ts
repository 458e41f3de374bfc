import { defineConfig } from "vitest/config";

// End-to-end: the real UI (dist/renderer) in Debian's Chromium against a real `pixelloop serve`.
// Every spec file starts its own server and browser and each test makes its own fixture project,
// so two files run at a time.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
