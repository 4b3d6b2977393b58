import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where this package's own files live, found from this module's URL so it works both from
 * `src/` (tests run the TypeScript) and from the built `dist/`.
 */

let cachedRoot: string | undefined;

/**
 * Absolute path of the directory holding Flotilla's `package.json` (the nearest ancestor of
 * this module whose `package.json` is named "flotilla").
 * @throws Error when no such directory exists (a broken install).
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && readPackageName(manifest) === "flotilla") {
      cachedRoot = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find flotilla's package.json above " + dir);
    dir = parent;
  }
}

/** Absolute path of the built CLI entry point, `<package>/dist/cli.js`. */
export function cliEntryPath(): string {
  return path.join(packageRoot(), "dist", "cli.js");
}

/** Absolute path of the built scripted demo agent, `<package>/dist/demo/agent.js`. */
export function demoAgentPath(): string {
  return path.join(packageRoot(), "dist", "demo", "agent.js");
}

function readPackageName(manifest: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
    return typeof parsed.name === "string" ? parsed.name : undefined;
  } catch {
    return undefined;
  }
}
