import { existsSync, readdirSync, rmSync } from "node:fs";
import { buildIfStale } from "./build.js";

/**
 * Vitest global setup: builds `dist/` once per run so end-to-end tests can start the real
 * binaries (`dist/cli.js`, the bundles, `dist/demo/agent.js`): see {@link buildIfStale}. Its
 * teardown checks the run's temp dir ({@link checkTempDir}).
 */
export default function setup(): () => void {
  buildIfStale();
  return checkTempDir;
}

/**
 * Global teardown: the run's own temp dir (TMPDIR, made by vitest.config.ts) must hold
 * nothing but the trust store and the hub socket dir; it is removed either way, and a
 * warning names each folder or file a test left behind.
 */
function checkTempDir(): void {
  const runTmp = process.env.FLOTILLA_TEST_TMP;
  if (!runTmp || !existsSync(runTmp)) return;
  // config-home is the run's trust store; flotilla-<uid> is where hubs put their sockets when
  // XDG_RUNTIME_DIR is unset, kept like tmux's /tmp/tmux-<uid>.
  const sockets = `flotilla-${process.getuid?.() ?? "user"}`;
  const left = readdirSync(runTmp).filter((name) => name !== "config-home" && name !== sockets);
  rmSync(runTmp, { recursive: true, force: true });
  if (left.length === 0) return;
  // Removed all the same, so /tmp is as it was; named so the test that leaked can be found.
  // Not a failure: a folder a dying hub re-creates in its last moment would fail a green run.
  process.stderr.write(
    `warning: the tests left ${left.length} entries in the temp dir (each test must remove what it makes): ${left.sort().join(", ")}\n`,
  );
}
