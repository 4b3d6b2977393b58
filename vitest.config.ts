import { mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "vitest/config";

// Every temp folder of the run goes under one of its own (TMPDIR for the tests and every
// process they start): the global teardown fails the run listing what a test left there,
// then removes it, so a run leaves the OS temp dir as it found it.
const runTmp =
  process.env.FLOTILLA_TEST_TMP ?? mkdtempSync(path.join(os.tmpdir(), "flotilla-vitest-"));
process.env.FLOTILLA_TEST_TMP = runTmp;
// Trust (flotilla trust) is recorded under $XDG_CONFIG_HOME: never the user's own in tests.
const configHome = path.join(runTmp, "config-home");
mkdirSync(configHome, { recursive: true });

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    globalSetup: ["test/global-setup.ts"],
    env: { XDG_CONFIG_HOME: configHome, TMPDIR: runTmp },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2-core machines: e2e tests spawn real ptys and processes; keep contention sane.
    maxWorkers: 2,
    pool: "forks",
  },
});
