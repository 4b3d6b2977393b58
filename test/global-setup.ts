import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Vitest global setup: builds `dist/` once per run so end-to-end tests can start the real
 * binaries (`dist/cli.js`, `dist/demo/agent.js`). Skipped when `dist/` is newer than every
 * file under `src/`, so unit-test runs do not pay for a build they already have.
 */
export default function setup(): void {
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
