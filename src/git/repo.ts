import { FlotillaError, describeError } from "../core/errors.js";
import { findGitCommonDir } from "./discover.js";
import { gitAt, type GitClient } from "./git.js";

/** Small read-only questions about a repository, answered by git (through git.ts). */

export { gitAt, type GitClient };

/**
 * Runs `git <args>` in `dir` with extra environment variables and returns its stdout.
 * @throws FlotillaError GIT_FAILED as {@link runGit}.
 */
export async function runGitWithEnv(
  dir: string,
  args: string[],
  extraEnv: Record<string, string>,
  what: string,
): Promise<string> {
  return runGit(gitAt(dir, extraEnv), args, what);
}

/**
 * Runs `git <args>` in `dir` and returns its stdout.
 * @throws FlotillaError GIT_FAILED with git's first error line and `what` (what we were doing).
 */
export async function runGit(git: GitClient, args: string[], what: string): Promise<string> {
  try {
    return await git.raw(args);
  } catch (error) {
    throw new FlotillaError("GIT_FAILED", `git failed while ${what}: ${gitMessage(error)}`, {
      cause: error,
    });
  }
}

/**
 * git's error line from an error or stderr text (`GitClient` puts stderr in the message): the
 * first `fatal:`/`error:` line without its prefix, else the first non-empty line. Progress
 * lines such as "Preparing worktree" come before the real reason, hence the preference.
 */
export function gitMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const line = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0];
  return (line ?? describeError(error)).replace(/^(fatal|error):\s*/, "");
}

/** The full object name of `ref` as a commit, or `undefined` when it names no commit. */
export async function resolveCommit(git: GitClient, ref: string): Promise<string | undefined> {
  if (ref.startsWith("-")) return undefined; // never let a ref be read as an option
  try {
    const out = await git.raw(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    const sha = out.trim();
    return sha.length > 0 ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** True when the repository has at least one commit (HEAD resolves). */
export async function hasCommits(root: string): Promise<boolean> {
  return (await resolveCommit(gitAt(root), "HEAD")) !== undefined;
}

/** The short name of the checked-out branch, or `undefined` on a detached HEAD. */
export async function currentBranch(root: string): Promise<string | undefined> {
  try {
    const out = (await gitAt(root).raw(["symbolic-ref", "--quiet", "--short", "HEAD"])).trim();
    return out.length > 0 ? out : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Absolute path of the repository's common git directory (shared by every worktree), read
 * from git's own files where they answer plainly (`findGitCommonDir`), else from git.
 */
export async function gitCommonDir(root: string): Promise<string> {
  const found = findGitCommonDir(root);
  if (found !== undefined) return found;
  const out = await runGit(
    gitAt(root),
    ["rev-parse", "--path-format=absolute", "--git-common-dir"],
    "locating the git directory",
  );
  return out.trim();
}
