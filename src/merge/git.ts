import { execFile } from "node:child_process";
import { FlotillaError } from "../core/errors.js";

/**
 * The git calls of the merge queue: plain `git` processes (execFile, no shell), each
 * returning its exit code and output so that expected refusals (a conflict, a moved ref, a
 * fast-forward git declines) are values, not exceptions.
 */

/** What one git process did. `stdout`/`stderr` are UTF-8 text, untrimmed. */
export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment for every git the queue runs: no pager, no editor, no prompts, no hooks' tty. */
function gitEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_EDITOR: "true",
    GIT_PAGER: "cat",
    LC_ALL: "C",
  };
  delete env.GIT_DIR;
  delete env.GIT_WORK_TREE;
  delete env.GIT_INDEX_FILE;
  return { ...env, ...extra };
}

/** Runs `git <args>` in `cwd`; never throws for a non-zero exit (see {@link GitResult}). */
export function tryGit(
  cwd: string,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = execFile(
      "git",
      [...args],
      { cwd, env: gitEnv(options.env), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code =
          error === null
            ? 0
            : typeof (error as { code?: unknown }).code === "number"
              ? ((error as { code: number }).code ?? 1)
              : 128;
        resolve({ code, stdout: String(stdout), stderr: String(stderr || (error?.message ?? "")) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * Runs `git <args>` in `cwd` and returns its stdout.
 * @throws FlotillaError GIT_FAILED naming `what` and git's first error line.
 */
export async function mustGit(
  cwd: string,
  args: readonly string[],
  what: string,
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<string> {
  const result = await tryGit(cwd, args, options);
  if (result.code !== 0)
    throw new FlotillaError("GIT_FAILED", `git failed while ${what}: ${firstErrorLine(result)}`);
  return result.stdout;
}

/** git's reason from a failed result: the first `fatal:`/`error:` line, else the first line. */
export function firstErrorLine(result: Pick<GitResult, "stderr" | "stdout">): string {
  const lines = `${result.stderr}\n${result.stdout}`
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const line = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? "unknown error";
  return line.replace(/^(fatal|error):\s*/, "");
}

/** The commit `ref` names, or `undefined` (never reads `ref` as an option). */
export async function revParse(cwd: string, ref: string): Promise<string | undefined> {
  if (ref.startsWith("-")) return undefined;
  const result = await tryGit(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  const sha = result.stdout.trim();
  return result.code === 0 && sha.length > 0 ? sha : undefined;
}

/** True when commit `a` is an ancestor of (or equal to) commit `b`. */
export async function isAncestor(cwd: string, a: string, b: string): Promise<boolean> {
  return (await tryGit(cwd, ["merge-base", "--is-ancestor", a, b])).code === 0;
}

/** Paths (NUL-separated output split) of a `-z` listing. */
export function splitNul(text: string): string[] {
  return text.split("\0").filter((s) => s.length > 0);
}

/**
 * Author/committer variables for commits the queue makes: the repository's own identity
 * when git has one (`git var GIT_COMMITTER_IDENT` succeeds), else "Flotilla merge queue".
 */
export async function commitIdentity(cwd: string): Promise<Record<string, string>> {
  const known = await tryGit(cwd, ["var", "GIT_COMMITTER_IDENT"]);
  if (known.code === 0) return {};
  return {
    GIT_AUTHOR_NAME: "Flotilla merge queue",
    GIT_AUTHOR_EMAIL: "flotilla@localhost",
    GIT_COMMITTER_NAME: "Flotilla merge queue",
    GIT_COMMITTER_EMAIL: "flotilla@localhost",
  };
}

/** The worktree (absolute path) that has `refs/heads/<branch>` checked out, if any. */
export async function worktreeOfBranch(root: string, branch: string): Promise<string | undefined> {
  const out = await mustGit(root, ["worktree", "list", "--porcelain", "-z"], "listing worktrees");
  let current: string | undefined;
  for (const field of out.split("\0")) {
    if (field.startsWith("worktree ")) current = field.slice("worktree ".length);
    else if (field === `branch refs/heads/${branch}` && current) return current;
  }
  return undefined;
}
