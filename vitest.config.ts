import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "app/**/*.test.ts",
      "main/**/*.test.ts",
      "renderer/**/*.test.ts",
      "scripts/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
    // A bound for a hang, not a speed goal: the ML tests take half a minute on a busy 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // One test file per core (vitest's default leaves one core idle: half of a 2-core machine).
    // Tests wait on events, not on timing, so a busier machine only makes them slower.
    maxWorkers: "100%",
  },
});
