import picomatch from "picomatch";

/**
 * File scopes: picomatch globs relative to a worktree's root (`src/form/**`, `docs/forms.md`).
 * Used by the guard (is this path inside the task's scope?) and by sling (could two tasks'
 * scopes touch the same file?). Pure.
 */

const OPTIONS = { dot: true } as const;

/** True when `file` (relative, `/`-separated) matches any of `globs`; an empty scope allows all. */
export function inScope(file: string, globs: readonly string[]): boolean {
  if (globs.length === 0) return true;
  return picomatch.isMatch(file, [...globs], OPTIONS);
}

/**
 * Whether glob sets `a` and `b` could both match one path. Conservative: it answers `true`
 * whenever it cannot prove the two disjoint, so sling may refuse (or, with `--force`, warn
 * about) scopes that in fact never meet, but never lets two overlapping scopes run at once.
 * Two globs are proven disjoint when their literal leading directories diverge
 * (`src/form/**` vs `docs/**`), when one is a literal path the other does not match, or when
 * both end in a literal extension that differs (`**\/*.ts` vs `**\/*.md`). An empty scope
 * (no declared scope) overlaps everything.
 */
export function scopesOverlap(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return true;
  return a.some((x) => b.some((y) => globsOverlap(x, y)));
}

/** The pairs `[globOfA, globOfB]` that may overlap (see {@link scopesOverlap}). */
export function overlappingGlobs(
  a: readonly string[],
  b: readonly string[],
): Array<[string, string]> {
  if (a.length === 0 || b.length === 0) return [[a[0] ?? "(everything)", b[0] ?? "(everything)"]];
  const pairs: Array<[string, string]> = [];
  for (const x of a) for (const y of b) if (globsOverlap(x, y)) pairs.push([x, y]);
  return pairs;
}

function globsOverlap(x: string, y: string): boolean {
  const sx = picomatch.scan(x);
  const sy = picomatch.scan(y);
  if (!sx.isGlob && !sy.isGlob) return normalize(x) === normalize(y);
  if (!sx.isGlob) return picomatch.isMatch(normalize(x), y, OPTIONS);
  if (!sy.isGlob) return picomatch.isMatch(normalize(y), x, OPTIONS);
  const bx = segments(sx.base);
  const by = segments(sy.base);
  const n = Math.min(bx.length, by.length);
  for (let i = 0; i < n; i++) if (bx[i] !== by[i]) return false;
  const ex = literalExtension(sx.glob);
  const ey = literalExtension(sy.glob);
  if (ex !== undefined && ey !== undefined && ex !== ey) return false;
  return true;
}

function normalize(p: string): string {
  return p.replace(/^\.\//, "").replace(/\/+$/, "");
}

function segments(base: string): string[] {
  return normalize(base)
    .split("/")
    .filter((s) => s.length > 0);
}

/** `.ts` for a glob ending in `*.ts` with nothing else magic in its last segment. */
function literalExtension(glob: string): string | undefined {
  const last = glob.split("/").pop() ?? "";
  const match = /^\*(\.[A-Za-z0-9_-]+)$/.exec(last);
  return match?.[1];
}
