import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findGitCommonDir } from "../../src/git/discover.js";
import { findProjectRoot } from "../../src/store/paths.js";
import { cleanEnv, git, makeRepo, makeTempDir } from "./temp-repo.js";

/** git's own answer for `cwd`, or `undefined` where git finds no repository. */
function gitsAnswer(cwd: string): string | undefined {
  try {
    return git(cwd, "rev-parse", "--path-format=absolute", "--git-common-dir");
  } catch {
    return undefined;
  }
}

/** A repository with a linked worktree at `<repo>/.flotilla/worktrees/w` (as spawn makes). */
function repoWithWorktree(): { repo: string; worktree: string } {
  const repo = makeRepo();
  const worktree = path.join(repo, ".flotilla", "worktrees", "w");
  git(repo, "worktree", "add", "-q", "-b", "flotilla/w", worktree);
  return { repo, worktree };
}

describe("finding the git common directory without running git", () => {
  it("gives git's answer in a checkout, its subdirectories, a linked worktree and through a symlink", () => {
    const { repo, worktree } = repoWithWorktree();
    mkdirSync(path.join(repo, "src", "deep"), { recursive: true });
    mkdirSync(path.join(worktree, "lib"));
    const link = path.join(makeTempDir(), "link");
    symlinkSync(path.join(repo, "src"), link);
    for (const cwd of [
      repo,
      path.join(repo, "src", "deep"),
      worktree,
      path.join(worktree, "lib"),
      link,
    ]) {
      expect(findGitCommonDir(cwd, cleanEnv()), cwd).toBe(path.join(repo, ".git"));
      expect(gitsAnswer(cwd), cwd).toBe(path.join(repo, ".git"));
      expect(findProjectRoot(cwd, cleanEnv()), cwd).toBe(repo);
    }
  });

  it("follows a worktree's relative gitdir and commondir", () => {
    const { repo, worktree } = repoWithWorktree();
    writeFileSync(
      path.join(worktree, ".git"),
      `gitdir: ${path.relative(worktree, path.join(repo, ".git", "worktrees", "w"))}\n`,
    );
    expect(findGitCommonDir(worktree, cleanEnv())).toBe(path.join(repo, ".git"));
    expect(gitsAnswer(worktree)).toBe(path.join(repo, ".git"));
  });

  it("leaves to git what it cannot answer plainly, and findProjectRoot still gives git's answer", () => {
    const repo = makeRepo();
    // An empty `.git` directory is no repository: git looks further up and finds `repo`.
    const nested = path.join(repo, "vendor");
    mkdirSync(path.join(nested, ".git"), { recursive: true });
    expect(findGitCommonDir(nested, cleanEnv())).toBeUndefined();
    expect(findProjectRoot(nested, cleanEnv())).toBe(repo);
    // A submodule's git directory is not a `.git`: git's toplevel is the submodule.
    const sub = makeRepo();
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub, "sub");
    const inSub = path.join(repo, "sub");
    expect(findGitCommonDir(inSub, cleanEnv())).toBe(gitsAnswer(inSub));
    expect(findProjectRoot(inSub, cleanEnv())).toBe(inSub);
    // Environments that steer git's search.
    expect(findGitCommonDir(repo, { ...cleanEnv(), GIT_DIR: path.join(repo, ".git") })).toBe(
      undefined,
    );
    expect(findGitCommonDir(repo, { ...cleanEnv(), GIT_CEILING_DIRECTORIES: repo })).toBe(
      undefined,
    );
  });

  it("finds nothing outside a repository or in a bare one, where git has the last word", () => {
    const plain = makeTempDir();
    expect(findGitCommonDir(plain, cleanEnv())).toBeUndefined();
    expect(() => findProjectRoot(plain, cleanEnv())).toThrow(/is not inside a git repository/);
    const bare = makeTempDir("flotilla-bare-");
    git(bare, "init", "-q", "--bare");
    expect(findGitCommonDir(bare, cleanEnv())).toBeUndefined();
    expect(() => findProjectRoot(bare, cleanEnv())).toThrow(/bare repository/);
  });
});
