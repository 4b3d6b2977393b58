import path from "node:path";
import type { ProjectPaths } from "../store/paths.js";

/** Where the merge queue keeps its files, all under the project's `.flotilla/`. */
export interface MergePaths {
  /** `.flotilla/merge-queue.json`: entries and the journal. */
  doc: string;
  /** `.flotilla/merge/`: run locks and logs. */
  dir: string;
  /** `.flotilla/merge/logs/<id>.log`: each entry's gate output and steps. */
  logs: string;
  /** `.flotilla/worktrees/.integration`: detached at the target's tip; gates run here. */
  integration: string;
  /** `.flotilla/worktrees/.scratch`: where the rebase tier rebases an agent's branch. */
  scratch: string;
}

/** The merge queue's paths for a project (a leading dot keeps them apart from agent names). */
export function mergePaths(paths: Pick<ProjectPaths, "dir" | "worktrees">): MergePaths {
  const dir = path.join(paths.dir, "merge");
  return {
    doc: path.join(paths.dir, "merge-queue.json"),
    dir,
    logs: path.join(dir, "logs"),
    integration: path.join(paths.worktrees, ".integration"),
    scratch: path.join(paths.worktrees, ".scratch"),
  };
}

/** The log file of entry `id`. */
export function entryLogFile(paths: MergePaths, id: string): string {
  return path.join(paths.logs, `${id}.log`);
}
