import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Config } from "../core/schema.js";
import { FlotillaError } from "../core/errors.js";
import { currentBranch, gitCommonDir, hasCommits } from "../git/repo.js";
import { cliEntryPath } from "../runtimes/package-files.js";
import { findProjectRoot } from "../store/paths.js";
import { Project } from "../store/project.js";

/** The line `init` adds to `.git/info/exclude` (shared by every worktree of the repository). */
export const EXCLUDE_LINE = "/.flotilla/";

/** Options for {@link initProject}. */
export interface InitOptions {
  /** Target branch to record; defaults to the branch checked out in the main checkout. */
  targetBranch?: string;
  /** Environment used to find the project (`FLOTILLA_ROOT`); defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** CLI entry the `flotilla` shim runs; defaults to this package's `dist/cli.js`. */
  cliPath?: string;
}

/** What {@link initProject} did. */
export interface InitResult {
  project: Project;
  /** False when `.flotilla/config.json` already existed (it was left as it was). */
  created: boolean;
  /** The target branch in the (new or existing) config. */
  targetBranch: string;
  /** Absolute path of the `flotilla` shim agents find on their PATH. */
  shim: string;
}

/**
 * Sets up `.flotilla/` in the main checkout of the repository containing `cwd`:
 * writes `config.json` with defaults (target branch = the checked-out branch), adds
 * {@link EXCLUDE_LINE} to `.git/info/exclude` once, and (re)writes the `.flotilla/bin/flotilla`
 * shim. Idempotent: a second run leaves an existing config untouched (`created: false`) and
 * only repairs the exclude line and the shim.
 * @throws FlotillaError NOT_A_GIT_REPO outside a git repository; GIT_FAILED when the
 *   repository has no commit yet (worktrees need one); INVALID_STATE_FILE when an existing
 *   config.json is invalid.
 */
export async function initProject(cwd: string, options: InitOptions = {}): Promise<InitResult> {
  const root = findProjectRoot(cwd, options.env ?? process.env);
  if (!(await hasCommits(root))) {
    throw new FlotillaError(
      "GIT_FAILED",
      `${root} has no commit yet: agent worktrees need one, so commit first (git commit --allow-empty -m "initial commit")`,
    );
  }
  const project = new Project(root);
  mkdirSync(project.paths.dir, { recursive: true });

  let created = false;
  let targetBranch: string;
  if (project.isInitialized()) {
    targetBranch = (await project.readConfig()).targetBranch; // validates an existing file
  } else {
    const branch = options.targetBranch ?? (await currentBranch(root));
    const config = Config.parse(branch === undefined ? {} : { targetBranch: branch });
    targetBranch = config.targetBranch;
    await project.configDoc.update(() => config);
    created = true;
  }

  await ensureExcluded(root);
  const shim = writeShim(project, options.cliPath ?? cliEntryPath());
  if (created) project.log("project.initialized", { detail: { targetBranch } });
  return { project, created, targetBranch, shim };
}

/** Absolute path of the directory holding the `flotilla` shim (put first on agents' PATH). */
export function shimDir(project: Project): string {
  return project.paths.bin;
}

/**
 * Writes `.flotilla/bin/flotilla`, an executable `sh` script that runs `node <cliPath>` with
 * its arguments, so agents can call `flotilla` whatever their PATH held. Rewritten on every
 * call (cheap), which also repairs it after the package moved. Returns the shim's path.
 */
export function writeShim(project: Project, cliPath: string): string {
  mkdirSync(project.paths.bin, { recursive: true });
  const file = project.paths.shim;
  const script = `#!/bin/sh\n# Written by "flotilla init": runs this project's flotilla for agents.\nexec node ${shellQuote(cliPath)} "$@"\n`;
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return file;
}

/** Adds {@link EXCLUDE_LINE} to the repository's `info/exclude` unless a line already says so. */
async function ensureExcluded(root: string): Promise<void> {
  const file = path.join(await gitCommonDir(root), "info", "exclude");
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  if (lines.includes(EXCLUDE_LINE) || lines.includes(".flotilla/")) return;
  mkdirSync(path.dirname(file), { recursive: true });
  const separator = text.length === 0 || text.endsWith("\n") ? "" : "\n";
  writeFileSync(
    file,
    `${text}${separator}# flotilla's state and agent worktrees\n${EXCLUDE_LINE}\n`,
  );
}

/** `it's` → `'it'\''s'`: one POSIX shell word, whatever the path holds. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
