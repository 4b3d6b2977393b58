import type * as ChildProcess from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";

/**
 * The one way Flotilla runs git: every caller goes through this module (`gitAt` or
 * `runGitIn`; `gitSync` only where a synchronous answer is truly needed). It runs the `git`
 * on PATH with `execFile` (no shell: arguments are never parsed), in the caller's
 * environment plus any extra variables (e.g. `GIT_INDEX_FILE`).
 *
 * Not simple-git: Flotilla only ever needed its `raw()`, it refuses custom environments that
 * still carry the user's `EDITOR`/`PAGER`, and loading it costs ~70 ms on every short CLI
 * command (`flotilla mail send`), which must stay close to `node -e 0`.
 */

const requireBuiltin = createRequire(import.meta.url);
let loadedChildProcess: typeof ChildProcess | undefined;

/**
 * node:child_process, loaded on the first git command: with net, stream and dgram it costs
 * every CLI start ~6 ms, and most short commands run no git at all (`git/discover.ts` finds
 * the repository from its files).
 */
function childProcess(): typeof ChildProcess {
  loadedChildProcess ??= requireBuiltin("node:child_process") as typeof ChildProcess;
  return loadedChildProcess;
}

/** git's output can be large (`log`, `diff`); beyond this the command fails. */
const MAX_BUFFER = 64 * 1024 * 1024;

/** Runs git commands in one checkout or worktree. */
export interface GitClient {
  /** The checkout or worktree commands run in (absolute). */
  readonly dir: string;
  /**
   * Runs `git <args>` and resolves with its stdout, untrimmed.
   * @throws Error whose message is git's stderr (or the spawn error) when git exits non-zero.
   */
  raw(args: readonly string[]): Promise<string>;
}

/** A client for `dir`, optionally with extra environment variables for every command. */
export function gitAt(dir: string, extraEnv: Record<string, string> = {}): GitClient {
  return { dir, raw: (args) => runGitIn(dir, args, extraEnv) };
}

/**
 * Runs `git <args>` in `dir` (with `extraEnv` added to this process's environment) and
 * resolves with its stdout.
 * @throws Error with git's stderr as message (the exec error as `cause`) on a non-zero exit.
 */
export async function runGitIn(
  dir: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await promisify(childProcess().execFile)("git", [...args], {
      cwd: dir,
      env: { ...process.env, ...extraEnv },
      encoding: "utf8",
      maxBuffer: MAX_BUFFER,
    });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(stderr.length > 0 ? stderr : (error as Error).message, { cause: error });
  }
}

/**
 * `runGitIn`, synchronously, stdout trimmed. Only for answers needed before anything async
 * can run: finding the project root, which every command does first, synchronously.
 * @throws Error as {@link runGitIn}.
 */
export function gitSync(dir: string, args: readonly string[]): string {
  return childProcess()
    .execFileSync("git", [...args], {
      cwd: dir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: MAX_BUFFER,
    })
    .trim();
}

/** What one git process did, for callers that treat a refusal as a value (see `tryGitIn`). */
export interface GitOutcome {
  /** Exit status; 128 when git could not be run or was killed. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `git <args>` in `dir` like {@link runGitIn}, optionally feeding `input` on stdin, and
 * resolves with the exit status and output instead of throwing: for callers to whom a
 * non-zero exit is an expected answer (a conflict, a ref that moved, a fast-forward refused).
 */
export function tryGitIn(
  dir: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<GitOutcome> {
  return new Promise((resolve) => {
    const child = childProcess().execFile(
      "git",
      [...args],
      {
        cwd: dir,
        env: options.env ?? process.env,
        encoding: "utf8",
        maxBuffer: MAX_BUFFER,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 128;
        resolve({ code, stdout: String(stdout), stderr: String(stderr || (error?.message ?? "")) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
