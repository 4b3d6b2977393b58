/**
 * Reading `git status --porcelain -z --untracked-files=all --ignored=matching` (format v1,
 * see git-status(1) "Porcelain Format Version 1"). Pure.
 */

/** What a worktree's status lists. Paths are relative to the worktree's root, `/`-separated. */
export interface WorktreeStatus {
  /**
   * Every path with a change: modified, added, deleted, unmerged, untracked; for a rename or
   * copy both the new and the old path.
   */
  changed: string[];
  /** Ignored paths (`!!`); a directory ends in `/` (its contents are not listed). */
  ignored: string[];
}

/**
 * Parses NUL-separated porcelain v1 output: entries `XY <path>`, where a rename or copy
 * (`R`/`C` in X or Y) is followed by the original path as its own NUL-terminated field.
 */
export function parseStatusZ(text: string): WorktreeStatus {
  const fields = text.split("\0");
  const changed: string[] = [];
  const ignored: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (field.length < 4) continue;
    const code = field.slice(0, 2);
    const file = field.slice(3);
    if (code === "!!") {
      ignored.push(file);
      continue;
    }
    changed.push(file);
    if (/[RC]/.test(code)) {
      const original = fields[++i];
      if (original) changed.push(original);
    }
  }
  return { changed, ignored };
}

/** True when `file` is one of the ignored paths of a status, or inside an ignored directory. */
export function isIgnoredPath(file: string, ignored: ReadonlySet<string>): boolean {
  if (ignored.has(file) || ignored.has(`${file}/`)) return true;
  for (let cut = file.indexOf("/"); cut > 0; cut = file.indexOf("/", cut + 1))
    if (ignored.has(file.slice(0, cut + 1))) return true;
  return false;
}
