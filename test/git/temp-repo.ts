import { execFileSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

/**
 * Real temporary directories and git repositories for tests: the only place tests make
 * them. Everything made here is deleted after the test file that made it (this module
 * registers {@link removeTempRepos} as a file-level `afterAll` when first imported), or
 * earlier by calling {@link removeTempRepos} in an `afterEach`. A test run leaves the OS
 * temp dir as it found it.
 */

const made: string[] = [];
afterAll(() => removeTempRepos());

/** Environment for git and the CLI in tests: no inherited FLOTILLA_* or GIT_* variables. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("FLOTILLA_") && !key.startsWith("GIT_")) env[key] = value;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@example.com",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@example.com",
    // Like most users' shells; simple-git refuses custom environments that carry these.
    EDITOR: "vi",
    PAGER: "less",
    ...extra,
  };
}

// The code under test reads process.env (FLOTILLA_ROOT, git identity): make it the clean one.
for (const key of Object.keys(process.env)) {
  if (key.startsWith("FLOTILLA_") || key.startsWith("GIT_")) delete process.env[key];
}
Object.assign(process.env, cleanEnv());

/** Runs git in `cwd` and returns its trimmed stdout; throws on a non-zero exit. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: cleanEnv() }).trim();
}

/** A fresh empty directory under the OS temp dir (real path, no symlinks). */
export function makeTempDir(prefix = "flotilla-test-"): string {
  const dir = mkdtempSync(path.join(realpathSync(os.tmpdir()), prefix));
  made.push(dir);
  return dir;
}

/**
 * A new repository on branch `branch` (default "main"); with `commit` (default true) it has
 * one commit holding README.md.
 */
export function makeRepo(
  options: { branch?: string; commit?: boolean; prefix?: string } = {},
): string {
  const dir = makeTempDir(options.prefix);
  git(dir, "init", "-q", "-b", options.branch ?? "main");
  git(dir, "config", "commit.gpgsign", "false");
  if (options.commit ?? true) {
    writeFileSync(path.join(dir, "README.md"), "# test repo\n");
    git(dir, "add", "README.md");
    git(dir, "commit", "-q", "-m", "initial commit");
  }
  return dir;
}

/** Writes `file` (relative to `dir`) and commits it there; returns the new commit's SHA. */
export function commitFile(
  dir: string,
  file: string,
  content: string,
  message = `add ${file}`,
): string {
  writeFileSync(path.join(dir, file), content);
  git(dir, "add", file);
  git(dir, "commit", "-q", "-m", message);
  return git(dir, "rev-parse", "HEAD");
}

/** Deletes every directory made by this module. */
export function removeTempRepos(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
