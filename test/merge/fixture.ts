import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { GateConfig, MergeConfig } from "../../src/core/merge-queue.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import { initProject } from "../../src/hub/init.js";
import { Project } from "../../src/store/project.js";
import { commitFile, git, makeRepo, makeTempDir } from "../git/temp-repo.js";

/**
 * Real projects for merge-queue tests: a temp repository on `main` with `.flotilla/`, agents
 * made the way `flotilla spawn` makes them (worktree + branch + state.json record), and gate
 * commands that are small shell scripts in a directory outside the repository.
 */

export interface MergeFixture {
  root: string;
  project: Project;
  /** Directory of gate scripts and their counters (outside the repository). */
  gates: string;
}

/** A new project whose config has `gates` and `merge` settings. */
export async function makeMergeProject(
  options: {
    gates?: Array<Partial<GateConfig> & { name: string; command: string }>;
    merge?: Partial<MergeConfig>;
  } = {},
): Promise<MergeFixture> {
  const root = makeRepo();
  const { project } = await initProject(root, { env: {} });
  await project.configDoc.update((config) => {
    config.gates = (options.gates ?? []).map((g) => ({ timeoutMs: 60_000, ...g }));
    Object.assign(config.merge, options.merge ?? {});
  });
  const gates = makeTempDir("flotilla-gates-");
  return { root, project: new Project(root), gates };
}

/** Creates agent `name` (worktree `.flotilla/worktrees/<name>`, branch `flotilla/<name>`). */
export async function addAgent(fx: MergeFixture, name: string): Promise<string> {
  const record = await createAgent(fx.project, { name, runtime: "shell" });
  return record.worktree;
}

/** An agent that commits `file` with `content` on its branch; returns its worktree. */
export async function agentWith(
  fx: MergeFixture,
  name: string,
  file: string,
  content: string,
): Promise<string> {
  const wt = await addAgent(fx, name);
  mkdirSync(path.dirname(path.join(wt, file)), { recursive: true });
  commitFile(wt, file, content, `${name}: ${file}`);
  return wt;
}

/**
 * Writes an executable gate script `name` into the fixture's gate directory; every run
 * appends a line to `<name>.runs` first, so tests can count gate runs. Returns its path.
 */
export function gateScript(fx: MergeFixture, name: string, body: string): string {
  const file = path.join(fx.gates, `${name}.sh`);
  writeFileSync(file, `#!/bin/sh\necho run >> '${path.join(fx.gates, `${name}.runs`)}'\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** How often gate script `name` ran. */
export function gateRuns(fx: MergeFixture, name: string): number {
  try {
    return readFileSync(path.join(fx.gates, `${name}.runs`), "utf8")
      .split("\n")
      .filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** `git log --first-parent` subjects of `main`, newest first. */
export function firstParentSubjects(root: string): string[] {
  return git(root, "log", "--first-parent", "--format=%s", "main").split("\n");
}

/** Every commit reachable from any ref (branches, archive refs, the target). */
export function reachable(root: string): Set<string> {
  return new Set(git(root, "rev-list", "--all").split("\n").filter(Boolean));
}
