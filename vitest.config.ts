import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

// Trust (flotilla trust) is recorded under $XDG_CONFIG_HOME: never the user's own in tests.
const configHome = mkdtempSync(path.join(os.tmpdir(), "flotilla-test-config-"));

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    globalSetup: ["test/global-setup.ts"],
    env: { XDG_CONFIG_HOME: configHome },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2-core machines: e2e tests spawn real ptys and processes; keep contention sane.
    maxWorkers: 2,
    pool: "forks",
  },
});
