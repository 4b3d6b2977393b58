import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Written by scripts/post-build.mjs at the end of every whole build. */
const STAMP = join(ROOT, "dist", ".build-stamp");

/**
 * Makes sure `dist/` is a whole build (tsc, then scripts/post-build.mjs: the CLI entry and
 * the bundles the real binary runs) at least as new as every file under `src/` and the
 * build script, building it when not; `npm test` builds first, so this is normally a no-op.
 * A tsc-only build would leave the previous bundles beside the new modules, and tests
 * would run code that is not the source's.
 */
export function buildIfStale(): void {
  const inputs = Math.max(
    newestMtime(join(ROOT, "src")),
    mtime(join(ROOT, "scripts", "post-build.mjs")),
  );
  if (existsSync(STAMP) && inputs < mtime(STAMP)) return;
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  execFileSync(process.execPath, [join(ROOT, "scripts", "post-build.mjs")], {
    cwd: ROOT,
    stdio: "inherit",
  });
}

function mtime(file: string): number {
  return statSync(file).mtimeMs;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : mtime(path));
  }
  return newest;
}
