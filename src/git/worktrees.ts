import { existsSync, mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import { assertAgentName } from "../core/names.js";
import { FLOTILLA_DIR, WORKTREES_DIR } from "../core/project-layout.js";
import { gitAt, gitMessage, resolveCommit, runGit, runGitWithEnv } from "./repo.js";

/**
 * Agent worktrees: `.flotilla/worktrees/<name>` on branch `flotilla/<name>`.
 *
 * Safety rules (DESIGN "Things that must never happen"): no git command here runs in the
 * main checkout's working tree (only ref and worktree bookkeeping happens there), and no
 * commit ever becomes unreachable: a branch is deleted only when its commits are reachable
 * from the target branch or after an archive ref (`refs/flotilla/archive/...`) points at them.
 */

/** Where an agent's work lives. Paths are absolute. */
export interface WorktreeInfo {
  worktree: string;
  branch: string;
  /** Full SHA of the commit the branch was created from. */
  base: string;
}

/** What would be lost by removing a worktree. */
export interface WorktreeInspection {
  /** Uncommitted changes or untracked files in the worktree. */
  dirty: boolean;
  /** Paths (relative to the worktree) that are modified or untracked, as git status lists them. */
  dirtyFiles: string[];
  /** Commits on the branch not reachable from the target branch. */
  unmergedCommits: number;
  /** The branch's tip SHA, or `undefined` when the branch no longer exists. */
  tip: string | undefined;
}

/** Result of {@link removeWorktree}. */
export interface WorktreeRemoval {
  /** The worktree directory was removed (false when it was already gone). */
  removedWorktree: boolean;
  /** The branch was deleted (its commits are merged or archived). */
  deletedBranch: boolean;
  /** Archive refs created to keep commits and uncommitted work reachable. */
  archiveRefs: string[];
}

/** The branch an agent works on: `flotilla/<name>`. */
export function agentBranch(name: string): string {
  return `flotilla/${name}`;
}

/** Absolute path of an agent's worktree under the main checkout `root`. */
export function agentWorktreePath(root: string, name: string): string {
  return path.join(worktreesDir(root), name);
}

/** The folder holding every agent worktree of the main checkout `root`. */
function worktreesDir(root: string): string {
  return path.join(root, FLOTILLA_DIR, WORKTREES_DIR);
}

/**
 * Creates `.flotilla/worktrees/<name>` on a new branch `flotilla/<name>` starting at `base`
 * (any commit-ish; default `HEAD` of the main checkout).
 * @throws FlotillaError DUPLICATE_NAME when the directory or the branch already exists,
 *   INVALID_INPUT when `base` names no commit, GIT_FAILED when git refuses.
 */
export async function createWorktree(
  root: string,
  name: string,
  base: string = "HEAD",
): Promise<WorktreeInfo> {
  assertAgentName(name);
  const worktree = agentWorktreePath(root, name);
  const branch = agentBranch(name);
  const git = gitAt(root);
  if (existsSync(worktree)) {
    throw new FlotillaError(
      "DUPLICATE_NAME",
      `${worktree} already exists: choose another agent name, or move that directory away`,
    );
  }
  // Forget worktrees whose directories were deleted by hand; this touches only git's
  // bookkeeping in .git/worktrees, never a working tree.
  await git.raw(["worktree", "prune"]).catch(() => undefined);
  if ((await resolveCommit(git, `refs/heads/${branch}`)) !== undefined) {
    throw new FlotillaError(
      "DUPLICATE_NAME",
      `branch ${branch} already exists (an earlier agent's work?): merge or rename it, or choose another agent name`,
    );
  }
  const sha = await resolveCommit(git, base);
  if (sha === undefined) {
    throw base === "HEAD"
      ? new FlotillaError(
          "GIT_FAILED",
          `${root} has no commit yet: worktrees need one, so commit first (git commit --allow-empty -m "initial commit")`,
        )
      : new FlotillaError("INVALID_INPUT", `--base "${base}" is not a commit in ${root}`);
  }
  mkdirSync(path.dirname(worktree), { recursive: true });
  try {
    await git.raw(["worktree", "add", "-b", branch, worktree, sha]);
  } catch (error) {
    const message = gitMessage(error);
    // Another process may have created the same agent since the checks above.
    const taken =
      /already exists/.test(message) ||
      (await resolveCommit(git, `refs/heads/${branch}`)) !== undefined;
    if (taken) {
      throw new FlotillaError(
        "DUPLICATE_NAME",
        `cannot create ${branch}: ${message}; choose another agent name`,
        { cause: error },
      );
    }
    throw new FlotillaError("GIT_FAILED", `git worktree add failed: ${message}`, { cause: error });
  }
  return { worktree, branch, base: sha };
}

/**
 * What removing `worktree` (on `branch`) would lose: uncommitted changes, and commits on the
 * branch that the `target` branch does not contain. When `target` does not exist, commits
 * are counted against every other local branch instead.
 */
export async function inspectWorktree(
  root: string,
  worktree: string,
  branch: string,
  target: string,
): Promise<WorktreeInspection> {
  const dirtyFiles = existsSync(worktree) ? await listDirtyFiles(worktree) : [];
  const git = gitAt(root);
  const tip = await resolveCommit(git, `refs/heads/${branch}`);
  let unmergedCommits = 0;
  if (tip !== undefined) {
    const targetSha = await resolveCommit(git, `refs/heads/${target}`);
    const args =
      targetSha !== undefined
        ? ["rev-list", "--count", tip, "--not", targetSha]
        : ["rev-list", "--count", tip, "--not", `--exclude=${branch}`, "--branches"];
    const out = await runGit(git, args, `counting unmerged commits on ${branch}`);
    unmergedCommits = Number.parseInt(out.trim(), 10) || 0;
  }
  return { dirty: dirtyFiles.length > 0, dirtyFiles, unmergedCommits, tip };
}

/**
 * Removes an agent's worktree directory and its branch.
 *
 * Without `force`, refuses unless the worktree is clean and every commit on the branch is
 * in `target`. With `force`, first keeps everything reachable: uncommitted changes are
 * saved as a commit under `refs/flotilla/archive/<name>-<time>-uncommitted`, and unmerged
 * commits under `refs/flotilla/archive/<name>-<time>`; only then are the worktree and the
 * branch removed. The main checkout's working tree is never touched.
 * @throws FlotillaError UNSAFE_REMOVAL (what would be lost, and "use --force"), or when
 *   `rec.worktree` is not under `.flotilla/worktrees/`; GIT_FAILED when git refuses.
 */
export async function removeWorktree(
  root: string,
  rec: { name: string; worktree: string; branch: string },
  options: { force?: boolean; target: string; now?: Date },
): Promise<WorktreeRemoval> {
  const worktree = path.resolve(rec.worktree);
  const container = worktreesDir(root);
  if (path.dirname(worktree) !== container) {
    throw new FlotillaError(
      "UNSAFE_REMOVAL",
      `refusing to remove ${worktree}: it is not an agent worktree under ${container}`,
    );
  }
  const state = await inspectWorktree(root, worktree, rec.branch, options.target);
  if (!options.force) assertNothingToLose(rec, state, options.target);

  const git = gitAt(root);
  const stamp = timestamp(options.now ?? new Date());
  const archiveRefs: string[] = [];
  if (state.dirty) {
    const sha = await snapshotWorktree(worktree, rec.name);
    archiveRefs.push(await createArchiveRef(root, `${rec.name}-${stamp}-uncommitted`, sha));
  }
  if (state.unmergedCommits > 0 && state.tip !== undefined) {
    archiveRefs.push(await createArchiveRef(root, `${rec.name}-${stamp}`, state.tip));
  }

  let removedWorktree = false;
  if (existsSync(worktree)) {
    await runGit(git, ["worktree", "remove", "--force", worktree], `removing ${worktree}`);
    removedWorktree = true;
  } else {
    await git.raw(["worktree", "prune"]).catch(() => undefined);
  }

  let deletedBranch = false;
  if (state.tip !== undefined) {
    // Delete only if the branch still points where we inspected it: a commit made since
    // would not be covered by the checks above.
    await runGit(
      git,
      ["update-ref", "-d", `refs/heads/${rec.branch}`, state.tip],
      `deleting branch ${rec.branch}`,
    );
    deletedBranch = true;
  }
  return { removedWorktree, deletedBranch, archiveRefs };
}

/** True when removing the worktree and branch would lose nothing. */
export function isSafeToRemove(state: WorktreeInspection): boolean {
  return !state.dirty && state.unmergedCommits === 0;
}

/**
 * Throws when `state` shows work a removal would lose.
 * @throws FlotillaError UNSAFE_REMOVAL naming the unmerged commit count and dirty files,
 *   and saying "use --force".
 */
export function assertNothingToLose(
  rec: { name: string; branch: string },
  state: WorktreeInspection,
  target: string,
): void {
  if (!isSafeToRemove(state)) {
    throw new FlotillaError("UNSAFE_REMOVAL", describeUnsafe(rec, state, target));
  }
}

/** One line saying what a removal would lose, ending with what to do. */
function describeUnsafe(
  rec: { name: string; branch: string },
  state: WorktreeInspection,
  target: string,
): string {
  const parts: string[] = [];
  if (state.unmergedCommits > 0) {
    const n = state.unmergedCommits;
    parts.push(`${n} commit${n === 1 ? "" : "s"} on ${rec.branch} not merged into ${target}`);
  }
  if (state.dirty) {
    const shown = state.dirtyFiles.slice(0, 3).join(", ");
    const more = state.dirtyFiles.length > 3 ? ` and ${state.dirtyFiles.length - 3} more` : "";
    parts.push(`uncommitted changes (${shown}${more})`);
  }
  return `agent ${rec.name} has ${parts.join(" and ")}: merge or commit them first, or use --force (they are kept under refs/flotilla/archive/)`;
}

async function listDirtyFiles(worktree: string): Promise<string[]> {
  const out = await runGit(
    gitAt(worktree),
    ["status", "--porcelain=v1", "-z"],
    `reading the status of ${worktree}`,
  );
  // -z: entries separated by NUL; a rename's entry is followed by its source path.
  const files: string[] = [];
  const fields = out.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i] ?? "";
    if (entry.length < 4) continue;
    files.push(entry.slice(3));
    if (entry[0] === "R" || entry[0] === "C") i++;
  }
  return files;
}

/**
 * Records everything in the worktree (tracked changes and untracked, not ignored, files) as a
 * commit on top of its HEAD, using a throwaway index so the worktree's own index is untouched.
 * Returns the commit's SHA.
 */
async function snapshotWorktree(worktree: string, name: string): Promise<string> {
  const index = path.join(os.tmpdir(), `flotilla-index-${process.pid}-${Date.now()}`);
  const env = {
    GIT_INDEX_FILE: index,
    GIT_AUTHOR_NAME: "flotilla",
    GIT_AUTHOR_EMAIL: "flotilla@localhost",
    GIT_COMMITTER_NAME: "flotilla",
    GIT_COMMITTER_EMAIL: "flotilla@localhost",
  };
  const what = `saving the uncommitted work of ${name}`;
  const run = (args: string[]): Promise<string> => runGitWithEnv(worktree, args, env, what);
  try {
    await run(["read-tree", "HEAD"]);
    await run(["add", "-A", "."]);
    const tree = (await run(["write-tree"])).trim();
    const message = `flotilla: uncommitted work of agent ${name}, saved when its worktree was removed`;
    return (await run(["commit-tree", tree, "-p", "HEAD", "-m", message])).trim();
  } finally {
    rmSync(index, { force: true });
  }
}

/** Creates `refs/flotilla/archive/<label>` (never overwriting one) and returns its full name. */
async function createArchiveRef(root: string, label: string, sha: string): Promise<string> {
  const git = gitAt(root);
  for (let attempt = 1; ; attempt++) {
    const ref = `refs/flotilla/archive/${label}${attempt === 1 ? "" : `-${attempt}`}`;
    try {
      // An all-zero old value makes update-ref fail if the ref already exists.
      await git.raw(["update-ref", ref, sha, "0".repeat(sha.length)]);
      return ref;
    } catch (error) {
      if (attempt >= 20) {
        throw new FlotillaError("GIT_FAILED", `cannot create ${ref}: ${gitMessage(error)}`, {
          cause: error,
        });
      }
    }
  }
}

/** `2025-01-31T12:00:00.000Z` → `20250131T120000Z` (valid in a ref name). */
function timestamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/**
 * Undoes a {@link createWorktree} that was never handed to an agent: removes the fresh
 * worktree and deletes its branch only if it still points at `info.base` (so no new commit
 * can be lost). Best effort: errors are swallowed, leaving things for `kill --clean`.
 */
export async function discardNewWorktree(root: string, info: WorktreeInfo): Promise<void> {
  const git = gitAt(root);
  await git.raw(["worktree", "remove", "--force", info.worktree]).catch(() => undefined);
  await git
    .raw(["update-ref", "-d", `refs/heads/${info.branch}`, info.base])
    .catch(() => undefined);
}
