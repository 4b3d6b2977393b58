import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";

/** Absolute paths of everything Flotilla keeps for one project (main checkout). */
export interface ProjectPaths {
  /** The main checkout's top-level directory. */
  root: string;
  /** `<root>/.flotilla`. */
  dir: string;
  config: string;
  state: string;
  events: string;
  worktrees: string;
  mail: string;
  hubLog: string;
}

/** Paths under `.flotilla/` for the main checkout at `root` (absolute). */
export function projectPaths(root: string): ProjectPaths {
  const dir = path.join(root, ".flotilla");
  return {
    root,
    dir,
    config: path.join(dir, "config.json"),
    state: path.join(dir, "state.json"),
    events: path.join(dir, "events.jsonl"),
    worktrees: path.join(dir, "worktrees"),
    mail: path.join(dir, "mail"),
    hubLog: path.join(dir, "hub.log"),
  };
}

/**
 * The main checkout's root for `cwd`. Inside an agent's worktree this is still the main
 * checkout (found through git's common dir), so agents and the human share one `.flotilla/`.
 * `FLOTILLA_ROOT` in the environment wins when set.
 * @throws FlotillaError NOT_A_GIT_REPO when `cwd` is not inside a git repository.
 */
export function findProjectRoot(cwd: string = process.cwd(), env = process.env): string {
  const fromEnv = env.FLOTILLA_ROOT;
  if (fromEnv && existsSync(path.join(fromEnv, ".git"))) return path.resolve(fromEnv);
  let commonDir: string;
  try {
    commonDir = execFileSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    throw new FlotillaError(
      "NOT_A_GIT_REPO",
      `${cwd} is not inside a git repository: run flotilla from a git checkout (git init first)`,
    );
  }
  if (path.basename(commonDir) === ".git") return path.dirname(commonDir);
  // A bare repository or unusual layout: fall back to the current worktree's top level.
  return execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd, encoding: "utf8" }).trim();
}
