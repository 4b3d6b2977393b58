import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2-core machines: e2e tests spawn real ptys and processes; keep contention sane.
    maxWorkers: 2,
    pool: "forks",
  },
});
