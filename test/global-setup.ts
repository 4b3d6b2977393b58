import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: builds `dist/` once per run so end-to-end tests can start the real
 * binaries (`dist/cli.js`, `dist/demo/agent.js`). Skipped when `dist/` is newer than every
 * file under `src/`, so unit-test runs do not pay for a build they already have. Its
 * teardown checks the run's temp dir ({@link checkTempDir}).
 */
export default function setup(): () => void {
  build();
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

function build(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const stamp = join(root, "dist", ".build-stamp");
  if (existsSync(stamp) && newestMtime(join(root, "src")) < statSync(stamp).mtimeMs) return;
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}
