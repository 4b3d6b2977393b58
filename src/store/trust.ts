import { createHash } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import type { Config, RuntimeProfile } from "../core/schema.js";
import { withFileLock } from "./lock.js";
import { writePrivateFile } from "./safe-path.js";

/**
 * Trust for commands a repository's own config asks to run, like direnv's `allow` or VS
 * Code's workspace trust. `.flotilla/config.json` may be committed, so a cloned repository
 * could define (or redefine a built-in) runtime as any command; such a runtime runs only
 * after the user ran `flotilla trust` for this project and this exact content.
 *
 * Recorded outside every repository, in `$XDG_CONFIG_HOME/flotilla/trust.json` (default
 * `~/.config/flotilla/trust.json`, mode 0600):
 * `{ "version": 1, "projects": { "<real path of the root>": { "hashes": ["<sha256>"], ... } } }`.
 * The hash covers the command-bearing part of the config (`runtimes`), canonically
 * serialized, so editing `targetBranch` needs no new trust and any change to a runtime does.
 * Built-in runtimes, and configs that define no runtime, need no trust.
 */

/** One project's entry in trust.json. */
export interface TrustEntry {
  /** SHA-256 (hex) of each trusted config content, newest last (at most 20 kept). */
  hashes: string[];
  /** ISO-8601 time of the last `flotilla trust`. */
  allowedAt: string;
}

/** trust.json as stored. */
export interface TrustFile {
  version: 1;
  projects: Record<string, TrustEntry>;
}

const MAX_HASHES = 20;

/** Where trust is recorded: `$XDG_CONFIG_HOME/flotilla/trust.json` or `~/.config/...`. */
export function trustFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
      ? env.XDG_CONFIG_HOME
      : path.join(env.HOME ?? os.homedir(), ".config");
  return path.join(base, "flotilla", "trust.json");
}

/**
 * The hash that trusting `config` records, or `undefined` when the config defines no
 * runtime (nothing to trust).
 */
export function configTrustHash(config: Pick<Config, "runtimes">): string | undefined {
  if (Object.keys(config.runtimes).length === 0) return undefined;
  return createHash("sha256")
    .update(canonicalJson({ runtimes: config.runtimes }))
    .digest("hex");
}

/** True when `config` needs no trust or the user trusted this content for `root`. */
export function isConfigTrusted(
  root: string,
  config: Pick<Config, "runtimes">,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const hash = configTrustHash(config);
  if (hash === undefined) return true;
  return readTrust(env).projects[projectKey(root)]?.hashes.includes(hash) ?? false;
}

/**
 * Why `runtime` may not run yet, or `undefined` when it may: only a runtime that the
 * config defines (or redefines) needs trust.
 */
export function runtimeTrustProblem(
  root: string,
  config: Pick<Config, "runtimes">,
  runtime: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const profile = Object.hasOwn(config.runtimes, runtime) ? config.runtimes[runtime] : undefined;
  if (profile === undefined || isConfigTrusted(root, config, env)) return undefined;
  return `${path.join(root, ".flotilla", "config.json")} defines runtime ${JSON.stringify(runtime)} as ${describeCommand(profile)}, and this config is not trusted: review it, then run "flotilla trust" in ${root} to allow it`;
}

/**
 * Throws unless `runtime` may run (see {@link runtimeTrustProblem}).
 * @throws FlotillaError UNTRUSTED_CONFIG showing the command and how to allow it.
 */
export function assertRuntimeTrusted(
  root: string,
  config: Pick<Config, "runtimes">,
  runtime: string,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const problem = runtimeTrustProblem(root, config, runtime, env);
  if (problem !== undefined) throw new FlotillaError("UNTRUSTED_CONFIG", problem);
}

/**
 * Records that the user trusts `config` for `root`. Resolves to the hash recorded, or
 * `undefined` when the config defines no runtime (nothing recorded). The trust file is one
 * per user, shared by every project, so it is read and rewritten under its lock: two
 * `flotilla trust` at once in two projects each keep the other's entry.
 * @throws FlotillaError LOCK_FAILED when the file stays locked (see `withFileLock`).
 */
export async function trustConfig(
  root: string,
  config: Pick<Config, "runtimes">,
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
): Promise<string | undefined> {
  const hash = configTrustHash(config);
  if (hash === undefined) return undefined;
  return withFileLock(trustFilePath(env), async () => {
    const file = readTrust(env);
    const key = projectKey(root);
    const hashes = (file.projects[key]?.hashes ?? []).filter((h) => h !== hash);
    file.projects[key] = {
      hashes: [...hashes, hash].slice(-MAX_HASHES),
      allowedAt: now.toISOString(),
    };
    writePrivateFile(trustFilePath(env), JSON.stringify(file, null, 2) + "\n");
    return hash;
  });
}

/**
 * Forgets every trusted content of `root`, under the trust file's lock. Resolves to true
 * when something was forgotten.
 */
export async function revokeTrust(
  root: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  return withFileLock(trustFilePath(env), async () => {
    const file = readTrust(env);
    const key = projectKey(root);
    if (!file.projects[key]) return false;
    delete file.projects[key];
    writePrivateFile(trustFilePath(env), JSON.stringify(file, null, 2) + "\n");
    return true;
  });
}

/** `sh -c 'touch x'` as one line: the command and its arguments, each JSON-quoted. */
export function describeCommand(profile: Pick<RuntimeProfile, "command" | "args">): string {
  return [profile.command, ...profile.args].map((part) => JSON.stringify(part)).join(" ");
}

function readTrust(env: NodeJS.ProcessEnv): TrustFile {
  const file = trustFilePath(env);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, projects: {} };
    throw new FlotillaError(
      "INVALID_STATE_FILE",
      `${file} is not valid JSON; fix or move it (it was left untouched)`,
      { cause: error },
    );
  }
  const projects = (raw as { projects?: unknown } | null)?.projects;
  const out: TrustFile = { version: 1, projects: {} };
  if (typeof projects !== "object" || projects === null) return out;
  for (const [key, entry] of Object.entries(projects)) {
    const hashes = (entry as { hashes?: unknown } | null)?.hashes;
    const allowedAt = (entry as { allowedAt?: unknown } | null)?.allowedAt;
    if (Array.isArray(hashes) && hashes.every((h) => typeof h === "string")) {
      out.projects[key] = {
        hashes: hashes as string[],
        allowedAt: typeof allowedAt === "string" ? allowedAt : "",
      };
    }
  }
  return out;
}

/** The real path of the root, so a symlinked path and the real one share an entry. */
function projectKey(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return path.resolve(root);
  }
}

/** JSON with object keys sorted at every level, so equal content hashes equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
