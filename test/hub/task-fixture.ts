import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { initProject } from "../../src/hub/init.js";
import { Project } from "../../src/store/project.js";
import { TaskStore } from "../../src/store/task-store.js";
import { git, makeRepo } from "../git/temp-repo.js";

/**
 * A real temp repository with `flotilla init` done, and `config` merged into its
 * `.flotilla/config.json`. Returns the project and its task store.
 */
export async function makeTaskProject(
  config: Record<string, unknown> = {},
): Promise<{ root: string; project: Project; tasks: TaskStore }> {
  const root = makeRepo({ prefix: "flotilla-tasks-" });
  await initProject(root);
  const project = new Project(root);
  const file = project.paths.config;
  const current = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...current, ...config }, null, 2));
  return { root, project, tasks: TaskStore.of(project.paths) };
}

/** `git status --porcelain` in `dir` (empty when clean). */
export function gitStatus(dir: string): string {
  return git(dir, "status", "--porcelain");
}

/** Writes `file` in `dir` and commits it. */
export function commitIn(dir: string, file: string, content: string): void {
  writeFileSync(path.join(dir, file), content);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", `change ${file}`);
}
