import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import { assertAgentName } from "../core/names.js";
import { FLOTILLA_DIR, WORKTREES_DIR } from "../core/project-layout.js";
import { assertNoSymlink, ensurePrivateDir } from "../store/safe-path.js";
import { gitAt, gitCommonDir, gitMessage, resolveCommit, runGit, runGitWithEnv } from "./repo.js";

/**
 * Agent worktrees: `.flotilla/worktrees/<name>` on branch `flotilla/<name>`.
 *
 * Safety rules (DESIGN "Things that must never happen"): no git command here runs in the
 * main checkout's working tree (only ref and worktree bookkeeping happens there); git runs on
 * an agent's worktree only through that worktree's own bookkeeping directory (`GIT_DIR`),
 * never by discovery; and no commit ever becomes unreachable: a worktree is removed only when
 * every commit it can reach (branch, HEAD, reflogs) is in the target branch or under an
 * archive ref (`refs/flotilla/archive/...`), and files git does not track are moved, not
 * deleted.
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
  /** Git-ignored paths in the worktree (`.env`, `build/`; a directory ends with `/`). */
  ignoredFiles: string[];
  /** Untracked directories that hold a repository of their own (end with `/`). */
  nestedRepos: string[];
  /**
   * Entries of a worktree directory that git does not know as a worktree (no bookkeeping in
   * the repository's `worktrees/`), e.g. what an interrupted removal left. Top level only.
   */
  strayFiles: string[];
  /**
   * Commits not reachable from the target branch, counted over everything the worktree can
   * reach: its branch, its HEAD (also a detached one), and both reflogs.
   */
  unmergedCommits: number;
  /** The branch's tip SHA, or `undefined` when the branch no longer exists. */
  tip: string | undefined;
  /** The worktree's HEAD commit (detached or not), or `undefined` when unknown. */
  head: string | undefined;
  /** Independent commits (none reachable from another) holding the unmerged commits. */
  unmergedTips: string[];
  /** git's bookkeeping directory for this worktree (`<git-common-dir>/worktrees/<id>`). */
  adminDir: string | undefined;
  /** Why the worktree's own `.git` link cannot be used, or `undefined` when it is valid. */
  linkProblem: string | undefined;
}

/** Result of {@link removeWorktree}. */
export interface WorktreeRemoval {
  /** The worktree directory was removed (false when it was already gone). */
  removedWorktree: boolean;
  /** The branch `flotilla/<name>` was deleted (its commits are merged or archived). */
  deletedBranch: boolean;
  /** Archive refs created to keep commits and uncommitted work reachable. */
  archiveRefs: string[];
  /** Directory where ignored files and nested repositories were moved, when any were. */
  keptDir?: string;
  /** Why the branch was kept, when it was (checked out elsewhere, or a tampered record). */
  branchNote?: string;
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
      `${worktree} already exists (left by an interrupted spawn or removal?): "flotilla kill ${name} --clean" removes it keeping any work, or choose another agent name`,
    );
  }
  // Forget worktrees whose directories were deleted by hand; this touches only git's
  // bookkeeping in .git/worktrees, never a working tree.
  await git.raw(["worktree", "prune"]).catch(() => undefined);
  if ((await resolveCommit(git, `refs/heads/${branch}`)) !== undefined) {
    throw new FlotillaError(
      "DUPLICATE_NAME",
      `branch ${branch} already exists (an earlier agent's work?): merge or rename it, "flotilla kill ${name} --clean" removes it keeping its commits, or choose another agent name`,
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
  ensurePrivateDir(path.dirname(worktree));
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
 * git's bookkeeping directory for the linked worktree at `worktree` (`<common>/worktrees/<id>`
 * whose `gitdir` file names `<worktree>/.git`), found from the repository's side so that it
 * works when the worktree's own `.git` file is missing. `undefined` when git does not know it.
 */
export async function findAdminDir(root: string, worktree: string): Promise<string | undefined> {
  const container = path.join(await gitCommonDir(root), "worktrees");
  const wanted = samePath(path.join(worktree, ".git"));
  for (const id of listDir(container)) {
    const admin = path.join(container, id);
    try {
      const gitdir = readFileSync(path.join(admin, "gitdir"), "utf8").trim();
      if (samePath(path.resolve(admin, gitdir)) === wanted) return admin;
    } catch {
      // Not a worktree entry (or being created): skip.
    }
  }
  return undefined;
}

/**
 * Why the `.git` link of the linked worktree `worktree` cannot be trusted, or `undefined`
 * when it is valid: `<worktree>/.git` must be a regular file `gitdir: <admin>` whose admin
 * directory exists and names this worktree back. Without that, git run inside the worktree
 * would find whatever repository encloses it (the main checkout), so no agent is launched
 * and no git runs there. Synchronous (file reads only), for launch paths.
 */
export function checkWorktreeLink(worktree: string): string | undefined {
  const link = path.join(worktree, ".git");
  let text: string;
  try {
    if (!lstatSync(link).isFile()) return `${link} is not a worktree link file`;
    text = readFileSync(link, "utf8");
  } catch {
    return `${link} is missing`;
  }
  const match = /^gitdir: (.+)$/m.exec(text);
  if (!match?.[1]) return `${link} does not name a git directory`;
  const admin = path.resolve(worktree, match[1].trim());
  try {
    const back = readFileSync(path.join(admin, "gitdir"), "utf8").trim();
    if (samePath(path.resolve(admin, back)) !== samePath(link)) {
      return `${admin} belongs to another worktree`;
    }
    if (!existsSync(path.join(admin, "HEAD"))) return `${admin} has no HEAD`;
  } catch {
    return `${admin}, named by ${link}, is missing`;
  }
  return undefined;
}

/**
 * Throws unless `worktree`'s own `.git` link is valid (see {@link checkWorktreeLink}).
 * @throws FlotillaError UNSAFE_REMOVAL-free INVALID_INPUT naming the problem and the fix.
 */
export function assertWorktreeLink(name: string, worktree: string): void {
  const problem = checkWorktreeLink(worktree);
  if (problem !== undefined) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `the worktree of ${name} is broken (${problem}), so git there would act on another checkout: remove it with "flotilla kill ${name} --clean" (its work is kept) and spawn again`,
    );
  }
}

/**
 * What removing `worktree` (on `branch`) would lose: uncommitted changes, ignored files,
 * nested repositories, files of a directory git no longer tracks as a worktree, and commits
 * reachable from the branch, the worktree's HEAD or either reflog that the `target` branch
 * does not contain. When `target` does not exist, commits are counted against every other
 * local branch instead. Git never runs by discovery inside the worktree: it is pointed at the
 * worktree's own bookkeeping directory, so a missing `.git` link cannot make it read the
 * main checkout.
 */
export async function inspectWorktree(
  root: string,
  worktree: string,
  branch: string,
  target: string,
): Promise<WorktreeInspection> {
  const git = gitAt(root);
  const exists = existsSync(worktree);
  const adminDir = await findAdminDir(root, worktree);
  const linkProblem = exists ? checkWorktreeLink(worktree) : "the worktree directory is gone";
  let dirtyFiles: string[] = [];
  let ignoredFiles: string[] = [];
  let nestedRepos: string[] = [];
  let strayFiles: string[] = [];
  let head: string | undefined;
  if (adminDir !== undefined) {
    head = await resolveCommit(git, readHead(adminDir, root) ?? "");
    if (exists) {
      const status = await listStatus(adminDir, worktree);
      dirtyFiles = status.dirty;
      nestedRepos = status.nested;
      ignoredFiles = await listIgnored(adminDir, worktree);
    }
  } else if (exists) {
    strayFiles = listDir(worktree).sort();
  }

  const tip = await resolveCommit(git, `refs/heads/${branch}`);
  const common = await gitCommonDir(root);
  const candidates = new Set<string>();
  for (const sha of [tip, head]) if (sha !== undefined) candidates.add(sha);
  if (adminDir !== undefined)
    for (const sha of reflogShas(path.join(adminDir, "logs", "HEAD"))) candidates.add(sha);
  for (const sha of reflogShas(path.join(common, "logs", "refs", "heads", ...branch.split("/")))) {
    candidates.add(sha);
  }
  const commits = await existingCommits(root, [...candidates]);
  const targetSha = await resolveCommit(git, `refs/heads/${target}`);
  const not =
    targetSha !== undefined ? ["--not", targetSha] : ["--not", `--exclude=${branch}`, "--branches"];
  let unmergedCommits = 0;
  let unmergedTips: string[] = [];
  if (commits.length > 0) {
    const out = await runGit(
      git,
      ["rev-list", "--count", ...commits, ...not],
      `counting unmerged commits on ${branch}`,
    );
    unmergedCommits = Number.parseInt(out.trim(), 10) || 0;
    if (unmergedCommits > 0) {
      const independent = (
        await runGit(git, ["merge-base", "--independent", ...commits], "finding unmerged tips")
      )
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.length > 0);
      for (const sha of independent) {
        const n = await runGit(
          git,
          ["rev-list", "--count", sha, ...not],
          "counting unmerged commits",
        );
        if ((Number.parseInt(n.trim(), 10) || 0) > 0) unmergedTips.push(sha);
      }
      // The branch tip first, then HEAD, so the plain archive ref keeps its old meaning.
      unmergedTips = [...unmergedTips].sort((a, b) => rank(a) - rank(b));
    }
  }
  function rank(sha: string): number {
    return sha === tip ? 0 : sha === head ? 1 : 2;
  }
  return {
    dirty: dirtyFiles.length > 0,
    dirtyFiles,
    ignoredFiles,
    nestedRepos,
    strayFiles,
    unmergedCommits,
    tip,
    head,
    unmergedTips,
    adminDir,
    linkProblem,
  };
}

/**
 * Removes an agent's worktree directory and its branch `flotilla/<name>`.
 *
 * Without `force`, refuses unless the worktree is clean, has no ignored files, nested
 * repositories or stray files, and every commit it can reach (branch, HEAD, reflogs) is in
 * `target`. With `force`, first keeps everything: ignored files and nested repositories
 * (whole, with their history) are moved to `.flotilla/kept/<name>-<time>/`, a directory git
 * no longer tracks is moved there whole, uncommitted changes are saved as a commit under
 * `refs/flotilla/archive/<name>-<time>-uncommitted`, and unmerged commits under
 * `refs/flotilla/archive/<name>-<time>[-N]`; only then are the worktree and the branch
 * removed. The branch is deleted only if it is `flotilla/<name>`, still where it was
 * inspected, and checked out nowhere. Re-running after an interrupted removal finishes it.
 * The main checkout's working tree is never touched.
 * @throws FlotillaError UNSAFE_REMOVAL (what would be lost, and "use --force"), or when
 *   `rec.worktree` is not `.flotilla/worktrees/<name>`; UNSAFE_PATH when a component of it is
 *   a symlink; GIT_FAILED when git refuses.
 */
export async function removeWorktree(
  root: string,
  rec: { name: string; worktree: string; branch: string },
  options: { force?: boolean; target: string; now?: Date },
): Promise<WorktreeRemoval> {
  assertAgentName(rec.name);
  const worktree = path.resolve(rec.worktree);
  const expected = agentWorktreePath(root, rec.name);
  if (worktree !== expected) {
    throw new FlotillaError(
      "UNSAFE_REMOVAL",
      `refusing to remove ${worktree}: it is not the agent worktree ${expected}`,
    );
  }
  assertNoSymlink(worktree);
  // Only ever the agent's own branch: a tampered record must not name "main".
  const branch = agentBranch(rec.name);
  const branchNote =
    rec.branch !== branch
      ? `its record named branch ${rec.branch}, which was left alone`
      : undefined;
  const state = await inspectWorktree(root, worktree, branch, options.target);
  if (!options.force) assertNothingToLose({ name: rec.name, branch }, state, options.target);

  const git = gitAt(root);
  const stamp = timestamp(options.now ?? new Date());
  const archiveRefs: string[] = [];
  let keptDir: string | undefined;
  const keep = (relative: string): void => {
    keptDir ??= uniqueDir(path.join(path.join(root, FLOTILLA_DIR), "kept", `${rec.name}-${stamp}`));
    const to = path.join(keptDir, relative);
    ensurePrivateDir(path.dirname(to));
    renameSync(path.join(worktree, relative), to);
  };

  if (existsSync(worktree) && state.adminDir === undefined) {
    // Not a worktree git knows (an interrupted removal or creation left it): keep it whole.
    if (state.strayFiles.length > 0) {
      keptDir = uniqueDir(path.join(path.join(root, FLOTILLA_DIR), "kept", `${rec.name}-${stamp}`));
      ensurePrivateDir(path.dirname(keptDir));
      renameSync(worktree, keptDir);
    } else {
      rmSync(worktree, { recursive: true, force: true });
    }
  } else if (existsSync(worktree)) {
    for (const entry of [...state.nestedRepos, ...state.ignoredFiles]) {
      const relative = entry.replace(/\/$/, "");
      if (existsSync(path.join(worktree, relative))) keep(relative);
    }
  }
  if (state.adminDir !== undefined && existsSync(worktree) && state.head !== undefined) {
    const sha = await snapshotWorktree(state.adminDir, worktree, rec.name, state.head);
    if (sha !== undefined) {
      archiveRefs.push(await createArchiveRef(root, `${rec.name}-${stamp}-uncommitted`, sha));
    }
  }
  for (const [i, sha] of state.unmergedTips.entries()) {
    archiveRefs.push(
      await createArchiveRef(root, `${rec.name}-${stamp}${i === 0 ? "" : `-${i + 1}`}`, sha),
    );
  }

  let removedWorktree = false;
  if (existsSync(worktree)) {
    // Everything worth keeping is archived or moved; git's own remove would refuse a broken
    // link, so the directory is deleted here (rm never follows symlinks inside it).
    rmSync(worktree, { recursive: true, force: true });
    removedWorktree = true;
  }
  if (state.adminDir !== undefined) {
    rmSync(path.join(state.adminDir, "locked"), { force: true }); // an interrupted `worktree add`
  }
  await git.raw(["worktree", "prune"]).catch(() => undefined);

  let deletedBranch = false;
  let note = branchNote;
  if (state.tip !== undefined) {
    const holder = await worktreeHolding(root, branch);
    if (holder !== undefined) {
      note = `branch ${branch} is checked out in ${holder}, so it was kept`;
    } else {
      // Delete only if the branch still points where we inspected it: a commit made since
      // would not be covered by the checks above.
      await runGit(
        git,
        ["update-ref", "-d", `refs/heads/${branch}`, state.tip],
        `deleting branch ${branch}`,
      );
      deletedBranch = true;
    }
  }
  return {
    removedWorktree,
    deletedBranch,
    archiveRefs,
    ...(keptDir !== undefined ? { keptDir } : {}),
    ...(note !== undefined ? { branchNote: note } : {}),
  };
}

/** True when removing the worktree and branch would lose nothing. */
export function isSafeToRemove(state: WorktreeInspection): boolean {
  return (
    !state.dirty &&
    state.unmergedCommits === 0 &&
    state.ignoredFiles.length === 0 &&
    state.nestedRepos.length === 0 &&
    state.strayFiles.length === 0
  );
}

/**
 * Throws when `state` shows work a removal would lose.
 * @throws FlotillaError UNSAFE_REMOVAL naming the unmerged commit count, dirty and ignored
 *   files and nested repositories, and saying "use --force".
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

/** Short phrases for what a removal would lose ("2 unmerged commit(s)", ...), for prompts. */
export function summarizeLoss(state: WorktreeInspection): string {
  return [
    state.unmergedCommits > 0 ? `${state.unmergedCommits} unmerged commit(s)` : "",
    state.dirty ? `${state.dirtyFiles.length} changed file(s)` : "",
    state.ignoredFiles.length > 0 ? `${state.ignoredFiles.length} ignored file(s)` : "",
    state.nestedRepos.length > 0 ? `${state.nestedRepos.length} nested repositor(ies)` : "",
    state.strayFiles.length > 0 ? `${state.strayFiles.length} file(s) git does not track` : "",
  ]
    .filter(Boolean)
    .join(" and ");
}

/** One line saying what a removal would lose, ending with what to do. */
function describeUnsafe(
  rec: { name: string; branch: string },
  state: WorktreeInspection,
  target: string,
): string {
  const list = (files: string[]): string => {
    const shown = files.slice(0, 3).join(", ");
    return `${shown}${files.length > 3 ? ` and ${files.length - 3} more` : ""}`;
  };
  const parts: string[] = [];
  if (state.unmergedCommits > 0) {
    const n = state.unmergedCommits;
    parts.push(`${n} commit${n === 1 ? "" : "s"} on ${rec.branch} not merged into ${target}`);
  }
  if (state.dirty) parts.push(`uncommitted changes (${list(state.dirtyFiles)})`);
  if (state.ignoredFiles.length > 0) parts.push(`git-ignored files (${list(state.ignoredFiles)})`);
  if (state.nestedRepos.length > 0) parts.push(`nested repositories (${list(state.nestedRepos)})`);
  if (state.strayFiles.length > 0) {
    parts.push(
      `files in a directory git no longer tracks as a worktree (${list(state.strayFiles)})`,
    );
  }
  return `agent ${rec.name} has ${parts.join(" and ")}: merge or commit them first, or use --force (commits and changes are kept under refs/flotilla/archive/, other files under .flotilla/kept/)`;
}

/** Runs git on the worktree through its bookkeeping directory, never by discovery. */
function worktreeGit(
  adminDir: string,
  worktree: string,
  args: string[],
  what: string,
  env: Record<string, string> = {},
): Promise<string> {
  return runGitWithEnv(
    worktree,
    args,
    { GIT_DIR: adminDir, GIT_WORK_TREE: worktree, ...env },
    what,
  );
}

async function listStatus(
  adminDir: string,
  worktree: string,
): Promise<{ dirty: string[]; nested: string[] }> {
  const out = await worktreeGit(
    adminDir,
    worktree,
    ["status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignore-submodules=none"],
    `reading the status of ${worktree}`,
  );
  // -z: entries separated by NUL; a rename's entry is followed by its source path. With
  // --untracked-files=all git lists files, so an untracked entry ending in "/" is a directory
  // holding its own repository (git does not descend into one).
  const dirty: string[] = [];
  const nested: string[] = [];
  const fields = out.split("\0");
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i] ?? "";
    if (entry.length < 4) continue;
    const file = entry.slice(3);
    if (entry.startsWith("??") && file.endsWith("/")) nested.push(file);
    else dirty.push(file);
    if (entry[0] === "R" || entry[0] === "C") i++;
  }
  return { dirty, nested };
}

async function listIgnored(adminDir: string, worktree: string): Promise<string[]> {
  const out = await worktreeGit(
    adminDir,
    worktree,
    ["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
    `listing the ignored files of ${worktree}`,
  );
  return out.split("\0").filter((f) => f.length > 0);
}

/** The commit-ish in a worktree's HEAD file: a SHA, or `refs/heads/...` for a symbolic HEAD. */
function readHead(adminDir: string, _root: string): string | undefined {
  try {
    const text = readFileSync(path.join(adminDir, "HEAD"), "utf8").trim();
    const symbolic = /^ref: (.+)$/.exec(text);
    return symbolic?.[1] ?? text;
  } catch {
    return undefined;
  }
}

/** Every SHA a reflog file mentions (old and new values), without the all-zero one. */
function reflogShas(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{40,64}) ([0-9a-f]{40,64}) /.exec(line);
    if (!match) continue;
    for (const sha of [match[1], match[2]]) if (sha && !/^0+$/.test(sha)) out.add(sha);
  }
  return [...out];
}

/** The subset of `shas` that are commits in the repository (gc may have pruned some). */
async function existingCommits(root: string, shas: string[]): Promise<string[]> {
  const found: string[] = [];
  // In slices, so a long reflog never makes an argument list too long.
  for (let i = 0; i < shas.length; i += 500) {
    const slice = shas.slice(i, i + 500);
    const out = await runGit(
      gitAt(root),
      ["rev-list", "--no-walk", "--ignore-missing", ...slice],
      "reading the reflogs",
    );
    found.push(...out.split("\n").filter((line) => line.length > 0));
  }
  return found;
}

/** The path of a worktree (main checkout included) that has `branch` checked out, if any. */
async function worktreeHolding(root: string, branch: string): Promise<string | undefined> {
  const out = await runGit(gitAt(root), ["worktree", "list", "--porcelain"], "listing worktrees");
  let current: string | undefined;
  for (const line of out.split("\n")) {
    if (line.startsWith("worktree ")) current = line.slice("worktree ".length);
    else if (line === `branch refs/heads/${branch}`) return current;
  }
  return undefined;
}

/**
 * Records everything in the worktree (tracked changes and untracked, not ignored, files) as a
 * commit on top of `head`, using a throwaway index so the worktree's own index is untouched.
 * Returns the commit's SHA, or `undefined` when nothing differs from `head`.
 */
async function snapshotWorktree(
  adminDir: string,
  worktree: string,
  name: string,
  head: string,
): Promise<string | undefined> {
  const index = path.join(os.tmpdir(), `flotilla-index-${process.pid}-${Date.now()}`);
  const env = {
    GIT_INDEX_FILE: index,
    GIT_AUTHOR_NAME: "flotilla",
    GIT_AUTHOR_EMAIL: "flotilla@localhost",
    GIT_COMMITTER_NAME: "flotilla",
    GIT_COMMITTER_EMAIL: "flotilla@localhost",
  };
  const what = `saving the uncommitted work of ${name}`;
  const run = (args: string[]): Promise<string> => worktreeGit(adminDir, worktree, args, what, env);
  try {
    await run(["read-tree", head]);
    await run(["add", "-A", "."]);
    const tree = (await run(["write-tree"])).trim();
    const headTree = (await run(["rev-parse", `${head}^{tree}`])).trim();
    if (tree === headTree) return undefined;
    const message = `flotilla: uncommitted work of agent ${name}, saved when its worktree was removed`;
    return (await run(["commit-tree", tree, "-p", head, "-m", message])).trim();
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

/** `dir`, or `dir-2`, `dir-3`... whichever does not exist yet. */
function uniqueDir(dir: string): string {
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? dir : `${dir}-${i}`;
    if (!existsSync(candidate)) return candidate;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** `file` with symlinks resolved as far as it exists (the rest appended), for comparisons. */
function samePath(file: string): string {
  const missing: string[] = [];
  let at = path.resolve(file);
  for (;;) {
    try {
      return path.join(realpathSync(at), ...missing.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return path.resolve(file);
      missing.push(path.basename(at));
      at = parent;
    }
  }
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
