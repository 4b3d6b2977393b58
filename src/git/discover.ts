import { readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import path from "node:path";

/**
 * What `git rev-parse --path-format=absolute --git-common-dir` would print for `cwd`, found
 * by reading the files git itself reads, without starting git (~10 ms a CLI command, on
 * every `flotilla ls`, `mail send` and hook call). Only the common layouts are answered: a
 * checkout's `.git` directory, or a linked worktree's `.git` file (`gitdir: …`) whose git
 * directory names its common one (`commondir`). Anything else returns `undefined`, and the
 * caller asks git: an environment that steers discovery (`GIT_DIR`, `GIT_CEILING_DIRECTORIES`,
 * …), a `.git` that is not a valid git directory (git would look further up), a repository
 * another user owns (git's `safe.directory` decides), a walk that crosses into another file
 * system (where git stops), no `.git` at all (git gives the error, or finds a bare
 * repository).
 */
export function findGitCommonDir(
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (DISCOVERY_ENV.some((name) => env[name] !== undefined)) return undefined;
  let dir: string;
  try {
    dir = realpathSync(cwd);
  } catch {
    return undefined;
  }
  const device = statOf(dir)?.dev;
  for (;;) {
    const here = statOf(dir);
    if (here === undefined || here.dev !== device) return undefined;
    const dotGit = path.join(dir, ".git");
    const found = statOf(dotGit);
    if (found !== undefined) {
      // git's safe.directory: a checkout another user owns is git's to refuse or allow.
      if (found.uid !== process.getuid?.() || here.uid !== found.uid) return undefined;
      if (found.isDirectory()) return isGitDir(dotGit) ? realpathSync(dotGit) : undefined;
      if (found.isFile()) return commonDirOfGitFile(dotGit);
      return undefined;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Variables with which git finds its directory another way than walking up from the cwd. */
const DISCOVERY_ENV = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_COMMON_DIR",
  "GIT_CEILING_DIRECTORIES",
  "GIT_DISCOVERY_ACROSS_FILESYSTEM",
  "GIT_OBJECT_DIRECTORY",
  "GIT_CONFIG_PARAMETERS",
  "GIT_CONFIG_COUNT",
];

/** The common git directory a linked worktree's `.git` file leads to, if plainly valid. */
function commonDirOfGitFile(file: string): string | undefined {
  const match = /^gitdir: (.+)$/m.exec(readText(file) ?? "");
  if (!match) return undefined;
  const gitDir = path.resolve(path.dirname(file), match[1]!.trim());
  if (statOf(gitDir)?.uid !== process.getuid?.() || !isGitDir(gitDir)) return undefined;
  const common = readText(path.join(gitDir, "commondir"))?.trim();
  const commonDir = common ? path.resolve(gitDir, common) : gitDir;
  try {
    return realpathSync(commonDir);
  } catch {
    return undefined;
  }
}

/**
 * Whether `dir` is a git directory as git's `is_git_directory` sees it: a `HEAD` file, and
 * `objects/` and `refs/` in it or in the common directory its `commondir` names.
 */
function isGitDir(dir: string): boolean {
  if (!statOf(path.join(dir, "HEAD"))?.isFile()) return false;
  const common = readText(path.join(dir, "commondir"))?.trim();
  const commonDir = common ? path.resolve(dir, common) : dir;
  return (
    statOf(path.join(commonDir, "objects"))?.isDirectory() === true &&
    statOf(path.join(commonDir, "refs"))?.isDirectory() === true
  );
}

function statOf(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
