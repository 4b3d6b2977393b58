import { mustGit, splitNul, tryGit } from "./git.js";

/**
 * Merges computed without a working tree: `git merge-tree --write-tree` (git ≥ 2.38, the
 * same merge-ort machinery `git merge` uses) writes the merged tree into the object store
 * and lists conflicted paths; the queue then makes the merge commit with `git commit-tree`.
 * Nothing here touches any checkout, so a SIGKILL leaves at most unreferenced objects.
 */

/** A merge of `theirs` into `ours`: the tree, or the conflicted files and their hunks. */
export type TreeMerge =
  | { clean: true; tree: string }
  | { clean: false; tree: string; files: string[]; hunks: ConflictHunk[] };

/** One conflicted region as git wrote it into the merged file (marker lines included). */
export interface ConflictHunk {
  file: string;
  /** 1-based line of the `<<<<<<<` marker in the merged file. */
  line: number;
  text: string;
}

/** Most hunks collected per merge, and lines per hunk, so a mail stays readable. */
const MAX_HUNKS = 20;
const MAX_HUNK_LINES = 40;

/**
 * Merges commit `theirs` into commit `ours` in the repository at `root`.
 * @throws FlotillaError GIT_FAILED when git cannot merge at all (exit status other than 0/1).
 */
export async function mergeTrees(root: string, ours: string, theirs: string): Promise<TreeMerge> {
  const args = ["merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", ours, theirs];
  const result = await tryGit(root, args);
  if (result.code !== 0 && result.code !== 1) {
    await mustGit(
      root,
      ["merge-tree", "--write-tree", ours, theirs],
      `merging ${theirs} into ${ours}`,
    );
  }
  // -z --name-only --no-messages: "<tree>\0<file>\0<file>\0"
  const fields = splitNul(result.stdout);
  const tree = fields[0] ?? "";
  if (result.code === 0) return { clean: true, tree };
  const files = [...new Set(fields.slice(1))];
  return { clean: false, tree, files, hunks: await collectHunks(root, tree, files) };
}

/** Conflict regions of `files` in the merged `tree` (git left the markers in the blobs). */
async function collectHunks(root: string, tree: string, files: string[]): Promise<ConflictHunk[]> {
  const hunks: ConflictHunk[] = [];
  for (const file of files) {
    if (hunks.length >= MAX_HUNKS) break;
    const shown = await tryGit(root, ["cat-file", "blob", `${tree}:${file}`]);
    if (shown.code !== 0) continue; // a delete/modify or rename conflict leaves no merged blob
    const lines = shown.stdout.split("\n");
    let start = -1;
    for (let i = 0; i < lines.length && hunks.length < MAX_HUNKS; i++) {
      const line = lines[i] ?? "";
      if (line.startsWith("<<<<<<< ")) start = i;
      else if (line.startsWith(">>>>>>> ") && start >= 0) {
        let body = lines.slice(start, i + 1);
        if (body.length > MAX_HUNK_LINES)
          body = [...body.slice(0, MAX_HUNK_LINES - 1), `… (${body.length} lines)`, line];
        hunks.push({ file, line: start + 1, text: body.join("\n") });
        start = -1;
      }
    }
  }
  return hunks;
}

/**
 * Files `git merge <theirs>` onto `ours` would conflict on, predicted with merge-tree;
 * empty when clean or when either commit is missing (prediction is advice, never fatal).
 */
export async function predictConflicts(
  root: string,
  ours: string,
  theirs: string,
): Promise<string[]> {
  const result = await tryGit(root, [
    "merge-tree",
    "--write-tree",
    "-z",
    "--name-only",
    "--no-messages",
    ours,
    theirs,
  ]);
  if (result.code !== 1) return [];
  return [...new Set(splitNul(result.stdout).slice(1))];
}

/**
 * Makes the `--no-ff` merge commit of `theirs` into `ours` with `tree` and `message`
 * (first parent `ours`, so `git log --first-parent` on the target lists one merge per entry).
 */
export async function commitMerge(
  root: string,
  tree: string,
  ours: string,
  theirs: string,
  message: string,
  identity: Record<string, string>,
): Promise<string> {
  const out = await mustGit(
    root,
    ["commit-tree", tree, "-p", ours, "-p", theirs, "-F", "-"],
    "making a merge commit",
    { env: identity, input: message },
  );
  return out.trim();
}
