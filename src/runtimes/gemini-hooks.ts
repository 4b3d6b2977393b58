import { lstatSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Gemini CLI's status hooks, passed without writing into the worktree.
 *
 * Gemini CLI (0.61.0) reads hooks from its settings files only (docs/hooks/index.md and
 * `loadSettings` in `bundle/chunk-5V744PDA.js`): the user's `~/.gemini/settings.json`, the
 * workspace's `.gemini/settings.json` (in the worktree: not an option), and two system
 * files whose paths come from the environment, `GEMINI_CLI_SYSTEM_SETTINGS_PATH` (default
 * `/etc/gemini-cli/settings.json`, overriding every other file) and
 * `GEMINI_CLI_SYSTEM_DEFAULTS_PATH` (default `system-defaults.json` beside the system
 * settings, the lowest layer). Every `hooks.<Event>` array is concatenated across the files
 * (`mergeStrategy: "concat"` in its settings schema), so hooks in the defaults layer run
 * beside the user's own and override no setting: Flotilla writes the agent's defaults file
 * under `.flotilla/agents/<name>/` (a copy of the system defaults file Gemini CLI would
 * have read, if any, with Flotilla's hooks added) and points
 * `GEMINI_CLI_SYSTEM_DEFAULTS_PATH` at it.
 *
 * Gemini CLI loads a system file only when it and every directory above it are owned by
 * root and not writable by group or others (`loadSystemFile` → `isFileAndDirectorySecureSync`
 * → `checkPosixStatsSecurity` in `bundle/chunk-JDPZ4CE3.js`); otherwise it skips it with a
 * "Security Warning" in the pane. So the hooks are wired only where that holds
 * ({@link geminiAcceptsSystemFile}: in practice a hub running as root in a project under
 * root-owned directories, e.g. in a container), and a Gemini agent anywhere else has its
 * screen alone, as before. Hooks also run only in a folder Gemini CLI trusts (its
 * `HookRegistry.processHooksFromConfig`); its trust dialog is a waiting screen.
 *
 * A hook entry (docs/hooks/reference.md): `{"matcher": "*", "hooks": [{"type": "command",
 * "command": "…", "name": "…", "timeout": <ms>}]}`; the command runs through the shell
 * with the hook input JSON on stdin, and empty stdout with exit 0 changes nothing.
 */

/**
 * Hook events that say what a Gemini agent does (names from Gemini CLI 0.61.0's
 * `HookEventName`): a prompt taken and tools → working, a tool waiting for approval
 * (Notification) → waiting, the turn's end (AfterAgent) → idle; SessionStart carries the
 * session id. See `geminiHookEvent`.
 */
export const GEMINI_STATUS_HOOK_EVENTS = [
  "SessionStart",
  "BeforeAgent",
  "BeforeTool",
  "AfterTool",
  "Notification",
  "AfterAgent",
] as const;

/** The `name` of Flotilla's hook entries (what `/hooks panel` shows, and `/hooks disable` takes). */
export const GEMINI_HOOK_NAME = "flotilla-status";

interface GeminiHook {
  type: "command";
  name: string;
  command: string;
  timeout: number;
}

interface GeminiHookDefinition {
  matcher: string;
  hooks: GeminiHook[];
}

/** Flotilla's `hooks` object for Gemini CLI: `command` on every status event. */
export function geminiStatusHooks(command: string): Record<string, GeminiHookDefinition[]> {
  const hooks: Record<string, GeminiHookDefinition[]> = {};
  for (const event of GEMINI_STATUS_HOOK_EVENTS) {
    hooks[event] = [
      {
        matcher: "*",
        hooks: [{ type: "command", name: GEMINI_HOOK_NAME, command, timeout: 10_000 }],
      },
    ];
  }
  return hooks;
}

/** Where an agent's Gemini CLI defaults file lives: `<.flotilla>/agents/<name>/gemini-system-defaults.json`. */
export function geminiDefaultsPath(flotillaDir: string, name: string): string {
  return path.join(flotillaDir, "agents", name, "gemini-system-defaults.json");
}

/**
 * The system defaults file Gemini CLI would read in `env`: `GEMINI_CLI_SYSTEM_DEFAULTS_PATH`,
 * else `system-defaults.json` beside the system settings file (`GEMINI_CLI_SYSTEM_SETTINGS_PATH`,
 * else the platform's: `/etc/gemini-cli/settings.json` on Linux), as its
 * `getSystemDefaultsPath` computes it.
 */
export function geminiOwnDefaultsPath(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH) return env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH;
  const settings =
    env.GEMINI_CLI_SYSTEM_SETTINGS_PATH ||
    (platform === "darwin"
      ? "/Library/Application Support/GeminiCli/settings.json"
      : platform === "win32"
        ? "C:\\ProgramData\\gemini-cli\\settings.json"
        : "/etc/gemini-cli/settings.json");
  return path.join(path.dirname(settings), "system-defaults.json");
}

/**
 * The agent's defaults document: the file at `own` (the defaults Gemini CLI would read
 * without Flotilla) with `hooks` appended to its own per event, or `hooks` alone when there
 * is no such file. `undefined` when that file exists but is not a JSON object (Gemini CLI
 * strips comments; Flotilla would rather not guess), so the agent goes without hooks and
 * keeps the user's defaults.
 */
export function geminiDefaultsDocument(
  own: string,
  hooks: Record<string, GeminiHookDefinition[]>,
): Record<string, unknown> | undefined {
  let theirs: unknown = {};
  try {
    theirs = JSON.parse(readFileSync(own, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return undefined;
  }
  if (!isObject(theirs)) return undefined;
  const merged: Record<string, unknown> = { ...theirs };
  const theirHooks = isObject(theirs.hooks) ? theirs.hooks : {};
  const allHooks: Record<string, unknown> = { ...theirHooks };
  for (const [event, entries] of Object.entries(hooks)) {
    const before = allHooks[event];
    allHooks[event] = [...(Array.isArray(before) ? (before as unknown[]) : []), ...entries];
  }
  merged.hooks = allHooks;
  return merged;
}

/**
 * Whether Gemini CLI would load a system settings file at `file`: the check of its
 * `isFileAndDirectorySecureSync` on POSIX, where the file (once written, by this process)
 * and each existing directory above it, symlinks resolved, must be owned by root (uid 0)
 * and not writable by group or others. Always false on Windows (its ACL check is not
 * reproduced here).
 */
export function geminiAcceptsSystemFile(
  file: string,
  uid: number | undefined = process.getuid?.(),
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (platform === "win32" || uid !== 0) return false;
  const dirs = new Set<string>();
  for (const start of [path.resolve(file), canonical(path.resolve(file))]) {
    for (let dir = path.dirname(start); ; dir = path.dirname(dir)) {
      dirs.add(dir);
      if (path.dirname(dir) === dir) break;
    }
  }
  for (const dir of dirs) {
    let stats;
    try {
      stats = statSync(dir);
      if (lstatSync(dir).isSymbolicLink() && lstatSync(dir).uid !== 0) return false;
    } catch {
      continue; // not there yet: Flotilla creates it, as root
    }
    if (!stats.isDirectory() || stats.uid !== 0 || (stats.mode & 0o022) !== 0) return false;
  }
  return true;
}

/** `file` with the symlinks of its nearest existing ancestor resolved. */
function canonical(file: string): string {
  const rest: string[] = [];
  for (let dir = file; ; dir = path.dirname(dir)) {
    try {
      return path.join(realpathSync(dir), ...rest.reverse());
    } catch {
      if (path.dirname(dir) === dir) return file;
      rest.push(path.basename(dir));
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
