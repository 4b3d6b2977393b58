import { existsSync, realpathSync } from "node:fs";
import path from "node:path";

/**
 * How the user can run this Flotilla again, for hints such as the detach message:
 * `flotilla` when that name on `PATH` is this very script (after `npm link` or a global
 * install), `npx flotilla` when the script lives in a project's `node_modules`, and
 * otherwise `node <absolute path of the script>` (a clone run as `node dist/cli.js` or
 * `npm run demo`), so the hint is a command that works where the user is.
 * @param script the entry script, `process.argv[1]`
 * @param searchPath the `PATH` value to look through (`:`-separated)
 */
export function selfCommand(script: string | undefined, searchPath: string | undefined): string {
  if (!script) return "flotilla";
  const real = realPath(script);
  for (const dir of (searchPath ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, "flotilla");
    if (existsSync(candidate) && realPath(candidate) === real) return "flotilla";
  }
  if (real.split(path.sep).includes("node_modules")) return "npx flotilla";
  return `node ${shellWord(real)}`;
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** `text` as one POSIX shell word: bare when it holds only safe characters, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
