import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import type { WorktreeConfig } from "../core/agent-config.js";
import { gitAt, runGit } from "../git/repo.js";

/**
 * Setting a new agent's worktree up before its agent starts: local files copied from the
 * main checkout (`.worktreeinclude`, `worktree.include`), and the `worktree.setup` command,
 * which runs in the agent's pane (see {@link wrapWithSetup}).
 */

/** The file at the main checkout's root listing patterns of files to copy (Claude Code's name). */
export const WORKTREE_INCLUDE_FILE = ".worktreeinclude";

/**
 * The include patterns: the lines of `<root>/.worktreeinclude` (blank lines and `#`
 * comments skipped) followed by `config.include`.
 */
export function includePatterns(root: string, config: Pick<WorktreeConfig, "include">): string[] {
  let lines: string[] = [];
  try {
    lines = readFileSync(path.join(root, WORKTREE_INCLUDE_FILE), "utf8").split(/\r?\n/);
  } catch {
    // no file: config alone
  }
  return [...lines, ...config.include]
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
}

/**
 * Copies into `worktree` every untracked or git-ignored file of the main checkout `root`
 * that matches `patterns` (gitignore style: without a `/` a pattern matches at any depth;
 * a leading `/` anchors it at the root; a trailing `/` names a directory, copied whole).
 * Tracked files are already in the worktree and never copied; nothing under `.flotilla/` or
 * `.git/` is; symbolic links are skipped; existing files in the worktree are kept.
 * Returns the copied paths relative to `root`, sorted.
 * @throws FlotillaError GIT_FAILED when git cannot list the files.
 */
export async function copyIncludedFiles(
  root: string,
  worktree: string,
  patterns: readonly string[],
): Promise<string[]> {
  if (patterns.length === 0) return [];
  const matchers = patterns.map(toMatcher);
  const matches = (rel: string): boolean => matchers.some((match) => match(rel));
  const out = await runGit(
    gitAt(root),
    ["ls-files", "-z", "--others", "--directory", "--exclude-standard", "--ignored"],
    "listing ignored files to copy into the worktree",
  );
  const untracked = await runGit(
    gitAt(root),
    ["ls-files", "-z", "--others", "--exclude-standard"],
    "listing untracked files to copy into the worktree",
  );
  const entries = [...out.split("\0"), ...untracked.split("\0")].filter((e) => e.length > 0);
  const copied = new Set<string>();
  const copy = (rel: string): void => {
    if (isOurs(rel) || copied.has(rel)) return;
    const from = path.join(root, rel);
    const to = path.join(worktree, rel);
    const stat = lstatSync(from, { throwIfNoEntry: false });
    if (!stat || !stat.isFile() || existsSync(to)) return;
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
    copied.add(rel);
  };
  for (const entry of entries) {
    const rel = entry.replace(/\/$/, "");
    if (isOurs(rel)) continue;
    if (!entry.endsWith("/")) {
      if (matches(rel)) copy(rel);
      continue;
    }
    // A wholly ignored directory: copy it whole when it matches, else look inside only
    // when some pattern could match there (never walk node_modules for `.env`).
    const whole = matches(rel) || matches(`${rel}/`);
    const inside = patterns.some((p) => p.replace(/^\//, "").startsWith(`${rel}/`));
    if (whole || inside) {
      for (const file of walk(root, rel)) if (whole || matches(file)) copy(file);
    }
  }
  return [...copied].sort();
}

function toMatcher(pattern: string): (rel: string) => boolean {
  const anchored = pattern.startsWith("/");
  const body = pattern.replace(/^\//, "");
  const dirOnly = body.endsWith("/");
  const glob = dirOnly ? `${body}**` : body;
  const matchBase = !anchored && !body.replace(/\/$/, "").includes("/");
  const match = picomatch(glob, { dot: true, basename: matchBase && !dirOnly });
  if (dirOnly && matchBase) {
    // `build/` at any depth: some path segment is `build`.
    const name = body.slice(0, -1);
    const segment = picomatch(name, { dot: true });
    return (rel) =>
      rel
        .split("/")
        .slice(0, -1)
        .some((part) => segment(part));
  }
  return (rel) => match(rel);
}

function isOurs(rel: string): boolean {
  const first = rel.split("/")[0];
  return first === ".flotilla" || first === ".git";
}

function* walk(root: string, rel: string): Generator<string> {
  let names: string[];
  try {
    names = readdirSync(path.join(root, rel));
  } catch {
    return;
  }
  for (const name of names) {
    const child = `${rel}/${name}`;
    const stat = lstatSync(path.join(root, child), { throwIfNoEntry: false });
    if (stat?.isDirectory()) yield* walk(root, child);
    else if (stat?.isFile()) yield child;
  }
}

/** Marker that the worktree's set-up command succeeded: `.flotilla/agents/<name>/setup-done`. */
export function setupMarkerPath(flotillaDir: string, name: string): string {
  return path.join(flotillaDir, "agents", name, "setup-done");
}

// Runs in the agent's pty, so its output is in the pane; on failure the agent is not
// started and the pane says why in red. $1 is the agent's program, the rest its arguments.
const SETUP_SCRIPT = [
  `printf '\\033[1mflotilla: setting up this worktree: %s\\033[0m\\r\\n' "$FLOTILLA_SETUP"`,
  `/bin/sh -c "$FLOTILLA_SETUP"`,
  `code=$?`,
  `if [ "$code" -ne 0 ]; then`,
  `  printf '\\r\\n\\033[1;31mflotilla: worktree.setup failed (exit %s): %s\\r\\nThe agent was not started. Fix the command in .flotilla/config.json, then: flotilla respawn %s\\033[0m\\r\\n' "$code" "$FLOTILLA_SETUP" "$FLOTILLA_AGENT"`,
  `  exit "$code"`,
  `fi`,
  `mkdir -p "$(dirname "$FLOTILLA_SETUP_MARKER")" && : > "$FLOTILLA_SETUP_MARKER"`,
  `unset FLOTILLA_SETUP FLOTILLA_SETUP_MARKER`,
  `exec "$@"`,
].join("\n");

/**
 * `file args` wrapped so that `setup` runs first in the same pty (its output in the pane):
 * `/bin/sh -c <script> flotilla-setup <file> <args…>`, with the command and the marker
 * path in the environment. When the marker exists (set-up done before), or `setup` is
 * unset, the launch is returned unchanged.
 */
export function wrapWithSetup(
  launch: { file: string; args: string[]; env: Record<string, string> },
  setup: string | undefined,
  marker: string,
): { file: string; args: string[]; env: Record<string, string> } {
  if (setup === undefined || existsSync(marker)) return launch;
  return {
    file: "/bin/sh",
    args: ["-c", SETUP_SCRIPT, "flotilla-setup", launch.file, ...launch.args],
    env: { ...launch.env, FLOTILLA_SETUP: setup, FLOTILLA_SETUP_MARKER: marker },
  };
}
