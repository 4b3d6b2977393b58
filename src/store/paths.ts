import { existsSync } from "node:fs";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import { findGitCommonDir } from "../git/discover.js";
import { gitSync } from "../git/git.js";
import { FLOTILLA_DIR, WORKTREES_DIR } from "../core/project-layout.js";

/** Absolute paths of everything Flotilla keeps for one project (main checkout). */
export interface ProjectPaths {
  /** The main checkout's top-level directory. */
  root: string;
  /** `<root>/.flotilla`. */
  dir: string;
  /** `config.json`: runtimes, target branch, limits (the one file a team may commit). */
  config: string;
  /** `state.json`: the agents. */
  state: string;
  /** `events.jsonl`: append-only event log. */
  events: string;
  /** `worktrees/`: one git worktree per agent, `worktrees/<agent>/`. */
  worktrees: string;
  /** `mail/`: one mailbox per agent and the cockpit (`mail/<box>/{tmp,new,cur}`). */
  mail: string;
  /** `hub.log`: the hub daemon's stdout and stderr. */
  hubLog: string;
  /** `hub.json`: the running hub's pid, socket and protocol (see `HubRecord`). */
  hubRecord: string;
  /** `run/`: the hub's socket when no shorter runtime directory is available. */
  run: string;
  /** `bin/`: put first on agents' PATH. */
  bin: string;
  /** `bin/flotilla`: the shim that runs this package's CLI for agents. */
  shim: string;
  /** `tasks.json`: the task board. */
  tasks: string;
  /** `merge-queue.json`: merge queue entries and journal. */
  mergeQueue: string;
  /** `memory/`: one file per memory domain. */
  memory: string;
}

/** Paths under `.flotilla/` for the main checkout at `root` (absolute). */
export function projectPaths(root: string): ProjectPaths {
  const dir = path.join(root, FLOTILLA_DIR);
  return {
    root,
    dir,
    config: path.join(dir, "config.json"),
    state: path.join(dir, "state.json"),
    events: path.join(dir, "events.jsonl"),
    worktrees: path.join(dir, WORKTREES_DIR),
    mail: path.join(dir, "mail"),
    hubLog: path.join(dir, "hub.log"),
    hubRecord: path.join(dir, "hub.json"),
    run: path.join(dir, "run"),
    bin: path.join(dir, "bin"),
    shim: path.join(dir, "bin", "flotilla"),
    tasks: path.join(dir, "tasks.json"),
    mergeQueue: path.join(dir, "merge-queue.json"),
    memory: path.join(dir, "memory"),
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
    commonDir =
      findGitCommonDir(cwd) ??
      gitSync(cwd, ["rev-parse", "--path-format=absolute", "--git-common-dir"]);
  } catch {
    throw new FlotillaError(
      "NOT_A_GIT_REPO",
      `${cwd} is not inside a git repository: run flotilla from a git checkout (git init first)`,
    );
  }
  if (path.basename(commonDir) === ".git") return path.dirname(commonDir);
  // A bare repository or unusual layout: fall back to the current worktree's top level.
  try {
    return gitSync(cwd, ["rev-parse", "--show-toplevel"]);
  } catch {
    throw new FlotillaError(
      "NOT_A_GIT_REPO",
      `${cwd} is in a bare repository (${commonDir}), which has no checkout for agents' worktrees to branch from: run flotilla in a clone with a working tree (git clone ${commonDir})`,
    );
  }
}
