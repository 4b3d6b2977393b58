import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import {
  assertWorktreeLink,
  createWorktree,
  inspectWorktree,
  removeWorktree,
} from "../../src/git/worktrees.js";
import { commitFile, git, makeRepo, removeTempRepos } from "./temp-repo.js";

afterAll(removeTempRepos);

/** A repository whose main checkout holds the user's own uncommitted edit. */
function repoWithUserEdit(): { root: string; readme: string } {
  const root = makeRepo();
  const readme = "# test repo\nmy unsaved edit\n";
  writeFileSync(path.join(root, "README.md"), readme);
  return { root, readme };
}

describe("createWorktree", () => {
  it("creates .flotilla/worktrees/<name> on branch flotilla/<name> from HEAD", async () => {
    const { root, readme } = repoWithUserEdit();
    const head = git(root, "rev-parse", "HEAD");
    const info = await createWorktree(root, "alice");
    expect(info).toEqual({
      worktree: path.join(root, ".flotilla/worktrees/alice"),
      branch: "flotilla/alice",
      base: head,
    });
    expect(git(info.worktree, "rev-parse", "--abbrev-ref", "HEAD")).toBe("flotilla/alice");
    expect(git(root, "rev-parse", "flotilla/alice")).toBe(head);
    // The main checkout keeps its branch and the user's edit.
    expect(git(root, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
    expect(readFileSync(path.join(root, "README.md"), "utf8")).toBe(readme);
  });

  it("starts from --base when given", async () => {
    const root = makeRepo();
    git(root, "checkout", "-q", "-b", "feature");
    const featureSha = commitFile(root, "feature.txt", "f\n");
    git(root, "checkout", "-q", "main");
    const info = await createWorktree(root, "bob", "feature");
    expect(info.base).toBe(featureSha);
    expect(existsSync(path.join(info.worktree, "feature.txt"))).toBe(true);
  });

  it("refuses an existing branch with a clear error", async () => {
    const root = makeRepo();
    git(root, "branch", "flotilla/carol");
    const error = await createWorktree(root, "carol").catch((e: unknown) => e);
    expect(isFlotillaError(error, "DUPLICATE_NAME")).toBe(true);
    expect((error as Error).message).toContain("branch flotilla/carol already exists");
    expect(existsSync(path.join(root, ".flotilla/worktrees/carol"))).toBe(false);
  });

  it("refuses an existing directory", async () => {
    const root = makeRepo();
    await createWorktree(root, "dave");
    git(root, "worktree", "remove", path.join(root, ".flotilla/worktrees/dave"));
    git(root, "branch", "-D", "flotilla/dave");
    await createWorktree(root, "dave"); // reusable once really gone
    const error = await createWorktree(root, "dave").catch((e: unknown) => e);
    expect(isFlotillaError(error, "DUPLICATE_NAME")).toBe(true);
    expect((error as Error).message).toContain("already exists");
  });

  it("refuses a base that is not a commit", async () => {
    const root = makeRepo();
    const error = await createWorktree(root, "erin", "no-such-branch").catch((e: unknown) => e);
    expect(isFlotillaError(error, "INVALID_INPUT")).toBe(true);
    expect((error as Error).message).toContain("no-such-branch");
    const dashed = await createWorktree(root, "erin", "--orphan").catch((e: unknown) => e);
    expect(isFlotillaError(dashed, "INVALID_INPUT")).toBe(true);
    expect(git(root, "branch", "--list", "flotilla/*")).toBe("");
  });
});

describe("inspectWorktree", () => {
  it("counts commits not in the target branch and lists uncommitted files", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "frank");
    expect(await inspectWorktree(root, info.worktree, info.branch, "main")).toMatchObject({
      dirty: false,
      dirtyFiles: [],
      unmergedCommits: 0,
    });

    commitFile(info.worktree, "one.txt", "1\n");
    commitFile(info.worktree, "two.txt", "2\n");
    writeFileSync(path.join(info.worktree, "scratch.txt"), "wip\n");
    writeFileSync(path.join(info.worktree, "README.md"), "changed\n");
    const state = await inspectWorktree(root, info.worktree, info.branch, "main");
    expect(state.unmergedCommits).toBe(2);
    expect(state.dirty).toBe(true);
    expect(state.dirtyFiles.sort()).toEqual(["README.md", "scratch.txt"]);

    git(root, "merge", "-q", "--ff-only", "flotilla/frank");
    const merged = await inspectWorktree(root, info.worktree, info.branch, "main");
    expect(merged.unmergedCommits).toBe(0);
  });

  it("counts against the other branches when the target branch does not exist", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "gina");
    commitFile(info.worktree, "g.txt", "g\n");
    const state = await inspectWorktree(root, info.worktree, info.branch, "no-such-target");
    expect(state.unmergedCommits).toBe(1);
  });
});

describe("removeWorktree", () => {
  it("removes a clean, merged worktree and its branch", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "hal");
    const result = await removeWorktree(root, { name: "hal", ...info }, { target: "main" });
    expect(result).toEqual({ removedWorktree: true, deletedBranch: true, archiveRefs: [] });
    expect(existsSync(info.worktree)).toBe(false);
    expect(git(root, "branch", "--list", "flotilla/hal")).toBe("");
  });

  it("refuses unmerged commits, naming the count and --force, and changes nothing", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "ivy");
    commitFile(info.worktree, "a.txt", "a\n");
    commitFile(info.worktree, "b.txt", "b\n");
    commitFile(info.worktree, "c.txt", "c\n");
    const error = await removeWorktree(root, { name: "ivy", ...info }, { target: "main" }).catch(
      (e: unknown) => e,
    );
    expect(isFlotillaError(error, "UNSAFE_REMOVAL")).toBe(true);
    expect((error as Error).message).toContain("3 commits on flotilla/ivy not merged into main");
    expect((error as Error).message).toContain("use --force");
    expect(existsSync(path.join(info.worktree, "c.txt"))).toBe(true);
    expect(git(root, "branch", "--list", "flotilla/ivy")).toContain("flotilla/ivy");
  });

  it("refuses uncommitted changes, naming the files", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "jay");
    writeFileSync(path.join(info.worktree, "notes.md"), "unsaved\n");
    const error = await removeWorktree(root, { name: "jay", ...info }, { target: "main" }).catch(
      (e: unknown) => e,
    );
    expect(isFlotillaError(error, "UNSAFE_REMOVAL")).toBe(true);
    expect((error as Error).message).toContain("uncommitted changes (notes.md)");
    expect(readFileSync(path.join(info.worktree, "notes.md"), "utf8")).toBe("unsaved\n");
  });

  it("with force, keeps commits and uncommitted work reachable under archive refs", async () => {
    const { root, readme } = repoWithUserEdit();
    const info = await createWorktree(root, "kim");
    const committed = commitFile(info.worktree, "work.txt", "done\n");
    writeFileSync(path.join(info.worktree, "wip.txt"), "half done\n");
    const now = new Date("2030-01-02T03:04:05.678Z");
    const result = await removeWorktree(
      root,
      { name: "kim", ...info },
      { target: "main", force: true, now },
    );
    expect(result.removedWorktree).toBe(true);
    expect(result.deletedBranch).toBe(true);
    expect(result.archiveRefs.sort()).toEqual([
      "refs/flotilla/archive/kim-20300102T030405Z",
      "refs/flotilla/archive/kim-20300102T030405Z-uncommitted",
    ]);
    expect(existsSync(info.worktree)).toBe(false);
    expect(git(root, "rev-parse", "refs/flotilla/archive/kim-20300102T030405Z")).toBe(committed);
    const wipRef = "refs/flotilla/archive/kim-20300102T030405Z-uncommitted";
    expect(git(root, "show", `${wipRef}:wip.txt`)).toBe("half done");
    expect(git(root, "show", `${wipRef}:work.txt`)).toBe("done");
    // The main checkout was not touched.
    expect(readFileSync(path.join(root, "README.md"), "utf8")).toBe(readme);
    expect(git(root, "rev-parse", "--abbrev-ref", "HEAD")).toBe("main");
  });

  it("never removes a directory outside .flotilla/worktrees", async () => {
    const root = makeRepo();
    const error = await removeWorktree(
      root,
      { name: "main", worktree: root, branch: "main" },
      { target: "main", force: true },
    ).catch((e: unknown) => e);
    expect(isFlotillaError(error, "UNSAFE_REMOVAL")).toBe(true);
    expect(existsSync(path.join(root, "README.md"))).toBe(true);
    expect(git(root, "branch", "--list", "main")).toContain("main");
  });

  it("copes with a worktree directory deleted by hand", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "lou");
    git(root, "worktree", "remove", "--force", info.worktree);
    const result = await removeWorktree(root, { name: "lou", ...info }, { target: "main" });
    expect(result).toEqual({ removedWorktree: false, deletedBranch: true, archiveRefs: [] });
  });
});

describe("removeWorktree keeps everything (issue 8)", () => {
  it("item 1: keeps commits made on a detached HEAD and ones only in the reflog", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "det");
    git(info.worktree, "checkout", "-q", "--detach");
    const detached = commitFile(info.worktree, "detached.txt", "d\n");
    git(info.worktree, "checkout", "-q", "flotilla/det");
    // A commit on the branch, then reset away: only the reflogs still know it.
    const resetAway = commitFile(info.worktree, "gone.txt", "g\n");
    git(info.worktree, "reset", "-q", "--hard", "HEAD~1");
    const refused = await removeWorktree(root, { name: "det", ...info }, { target: "main" }).catch(
      (e: unknown) => e,
    );
    expect(isFlotillaError(refused, "UNSAFE_REMOVAL")).toBe(true);
    expect((refused as Error).message).toContain("2 commits");
    const result = await removeWorktree(
      root,
      { name: "det", ...info },
      { target: "main", force: true },
    );
    expect(existsSync(info.worktree)).toBe(false);
    for (const sha of [detached, resetAway]) {
      const holders = git(root, "for-each-ref", "--contains", sha, "--format=%(refname)");
      expect(holders.split("\n").some((ref) => result.archiveRefs.includes(ref))).toBe(true);
    }
  });

  it("item 1: keeps a commit on a HEAD left detached, and one only the branch's reflog knows, with no HEAD reflog", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "bare");
    const resetAway = commitFile(info.worktree, "gone.txt", "g\n");
    git(info.worktree, "reset", "-q", "--hard", "HEAD~1");
    git(info.worktree, "checkout", "-q", "--detach");
    const detached = commitFile(info.worktree, "detached.txt", "d\n");
    // The worktree's HEAD reflog expired: only HEAD itself and the branch's reflog remain.
    rmSync(path.join(root, ".git", "worktrees", "bare", "logs", "HEAD"));
    const refused = await removeWorktree(root, { name: "bare", ...info }, { target: "main" }).catch(
      (e: unknown) => e,
    );
    expect((refused as Error).message).toContain("2 commits");
    const result = await removeWorktree(
      root,
      { name: "bare", ...info },
      { target: "main", force: true },
    );
    for (const sha of [detached, resetAway]) {
      const holders = git(root, "for-each-ref", "--contains", sha, "--format=%(refname)");
      expect(holders.split("\n").some((ref) => result.archiveRefs.includes(ref))).toBe(true);
    }
  });

  it("item 2: refuses git-ignored files by name, and with force keeps them in a directory it names", async () => {
    const root = makeRepo();
    commitFile(root, ".gitignore", ".env\nbuild/\n");
    const info = await createWorktree(root, "ign");
    writeFileSync(path.join(info.worktree, ".env"), "SECRET=1\n");
    mkdirSync(path.join(info.worktree, "build"));
    writeFileSync(path.join(info.worktree, "build", "app.db"), "data\n");
    const refused = await removeWorktree(root, { name: "ign", ...info }, { target: "main" }).catch(
      (e: unknown) => e,
    );
    expect(isFlotillaError(refused, "UNSAFE_REMOVAL")).toBe(true);
    expect((refused as Error).message).toContain("git-ignored files (.env, build/)");
    expect(existsSync(path.join(info.worktree, ".env"))).toBe(true);
    const result = await removeWorktree(
      root,
      { name: "ign", ...info },
      { target: "main", force: true },
    );
    expect(result.keptDir).toBeDefined();
    expect(readFileSync(path.join(result.keptDir!, ".env"), "utf8")).toBe("SECRET=1\n");
    expect(readFileSync(path.join(result.keptDir!, "build", "app.db"), "utf8")).toBe("data\n");
    expect(existsSync(info.worktree)).toBe(false);
  });

  it("item 3: keeps a nested repository whole, history included, instead of a gitlink", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "nest");
    const inner = path.join(info.worktree, "vendor", "lib");
    mkdirSync(inner, { recursive: true });
    git(inner, "init", "-q", "-b", "main");
    const innerSha = commitFile(inner, "lib.txt", "lib\n");
    const refused = await removeWorktree(root, { name: "nest", ...info }, { target: "main" }).catch(
      (e: unknown) => e,
    );
    expect((refused as Error).message).toContain("nested repositories (vendor/lib/)");
    const result = await removeWorktree(
      root,
      { name: "nest", ...info },
      { target: "main", force: true },
    );
    const kept = path.join(result.keptDir!, "vendor", "lib");
    expect(git(kept, "rev-parse", "HEAD")).toBe(innerSha);
    // No snapshot was needed, and none points at a commit this repository lacks.
    for (const ref of result.archiveRefs) {
      expect(git(root, "ls-tree", "-r", ref)).not.toContain("commit ");
    }
  });

  it("item 4: a worktree whose .git link is missing never reads the main checkout, and removal finishes", async () => {
    const { root, readme } = repoWithUserEdit();
    const info = await createWorktree(root, "nolink");
    const sha = commitFile(info.worktree, "work.txt", "w\n");
    writeFileSync(path.join(info.worktree, "wip.txt"), "wip\n");
    rmSync(path.join(info.worktree, ".git")); // what an interrupted removal leaves
    const state = await inspectWorktree(root, info.worktree, info.branch, "main");
    expect(state.linkProblem).toContain(".git is missing");
    // The agent's files, not the main checkout's README edit.
    expect(state.dirtyFiles).toContain("wip.txt");
    expect(state.dirtyFiles).not.toContain("README.md");
    expect(() => assertWorktreeLink("nolink", info.worktree)).toThrow(/broken/);
    const result = await removeWorktree(
      root,
      { name: "nolink", ...info },
      { target: "main", force: true },
    );
    expect(existsSync(info.worktree)).toBe(false);
    const commits = result.archiveRefs.find((r) => !r.endsWith("-uncommitted"))!;
    expect(git(root, "rev-parse", commits)).toBe(sha);
    const wip = result.archiveRefs.find((r) => r.endsWith("-uncommitted"))!;
    expect(git(root, "show", `${wip}:wip.txt`)).toBe("wip");
    expect(readFileSync(path.join(root, "README.md"), "utf8")).toBe(readme);
    expect(git(root, "worktree", "list")).not.toContain("nolink");
  });

  it("item 4: finishes a removal interrupted after git dropped its bookkeeping", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "half");
    writeFileSync(path.join(info.worktree, "left.txt"), "left\n");
    const admin = path.join(root, ".git", "worktrees", "half");
    rmSync(admin, { recursive: true });
    const refused = await removeWorktree(root, { name: "half", ...info }, { target: "main" }).catch(
      (e: unknown) => e,
    );
    expect((refused as Error).message).toContain("git no longer tracks");
    const result = await removeWorktree(
      root,
      { name: "half", ...info },
      { target: "main", force: true },
    );
    expect(readFileSync(path.join(result.keptDir!, "left.txt"), "utf8")).toBe("left\n");
    expect(existsSync(info.worktree)).toBe(false);
    expect(git(root, "branch", "--list", "flotilla/half")).toBe("");
  });

  it("item 12: deletes only flotilla/<name>, never a tampered branch or one checked out elsewhere", async () => {
    const root = makeRepo();
    const info = await createWorktree(root, "tamp");
    const result = await removeWorktree(
      root,
      { name: "tamp", worktree: info.worktree, branch: "main" },
      { target: "main" },
    );
    expect(git(root, "branch", "--list", "main")).toContain("main");
    expect(result.branchNote).toContain("main");
    // A tampered branch checked out nowhere (so only the name rule protects it) is kept too.
    git(root, "branch", "keep-me");
    const loose = await createWorktree(root, "loose");
    const spared = await removeWorktree(
      root,
      { name: "loose", worktree: loose.worktree, branch: "keep-me" },
      { target: "main" },
    );
    expect(git(root, "branch", "--list", "keep-me")).toContain("keep-me");
    expect(git(root, "branch", "--list", "flotilla/loose")).toBe("");
    expect(spared.branchNote).toContain("keep-me");
    // flotilla/x checked out in another worktree is kept.
    const other = await createWorktree(root, "held");
    git(other.worktree, "checkout", "-q", "--detach");
    const elsewhere = path.join(root, "..", path.basename(root) + "-elsewhere");
    git(root, "worktree", "add", "-q", elsewhere, "flotilla/held");
    const kept = await removeWorktree(root, { name: "held", ...other }, { target: "main" });
    expect(kept.deletedBranch).toBe(false);
    expect(git(root, "branch", "--list", "flotilla/held")).toContain("flotilla/held");
    git(root, "worktree", "remove", "--force", elsewhere);
  });
});
