import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { State, type Config } from "../../src/core/schema.js";
import { markAgent } from "../../src/hub/lifecycle.js";
import { createProjectWatcher } from "../../src/hub/project-watcher.js";
import type { AgentView, HubEvent } from "../../src/hub/protocol.js";
import type { HubContext } from "../../src/hub/runner.js";
import { ScopeWatchRunner } from "../../src/hub/scope-watch.js";
import { slingTask } from "../../src/hub/sling.js";
import { resolveRuntime } from "../../src/runtimes/profiles.js";
import type { Project } from "../../src/store/project.js";
import { git, removeTempRepos } from "../git/temp-repo.js";
import { waitFor } from "../wait-for.js";
import { commitIn, makeTaskProject } from "./task-fixture.js";

afterAll(() => removeTempRepos());

const runners: Array<{ runner: ScopeWatchRunner; close: () => void }> = [];
afterEach(() => {
  for (const { runner, close } of runners.splice(0)) {
    runner.dispose();
    close();
  }
});

/** The runner in a fake hub around a real project: events sent to clients are recorded. */
async function start(project: Project) {
  const config: Config = await project.readConfig();
  const events: HubEvent[] = [];
  const watcher = createProjectWatcher(project.paths.dir);
  const runner = new ScopeWatchRunner({ debounceMs: 30 });
  const context: HubContext = {
    project,
    config: () => config,
    agents: () =>
      State.parse(JSON.parse(readFileSync(project.paths.state, "utf8"))).agents.map((a) =>
        runner.decorateAgent(a),
      ),
    profileFor: (runtime) => resolveRuntime(config, runtime),
    typeInto: () => undefined,
    broadcast: (event) => void events.push(event),
    notify: (text) => void events.push({ type: "notice", level: "error", text }),
    reportStatus: () => undefined,
    updateAgent: () => undefined,
    stopAgent: async () => undefined,
    watcher,
  };
  runners.push({ runner, close: () => watcher.close() });
  await runner.start(context);
  return { runner, events };
}

/** The flag clients last heard for `name` (an `agent` event), `undefined` for none. */
function lastFlag(events: HubEvent[], name: string): number | "none" | undefined {
  const last = events
    .filter((e): e is { type: "agent"; agent: AgentView } => e.type === "agent")
    .filter((e) => e.agent.name === name)
    .pop();
  return last ? (last.agent.outOfScope ?? "none") : undefined;
}

function notices(events: HubEvent[]): string[] {
  return events.flatMap((e) => (e.type === "notice" ? [e.text] : []));
}

/** A project whose main branch has src/, a README and a .gitignore; T1 is scoped to src/**. */
async function scopedWorker() {
  const fx = await makeTaskProject();
  mkdirSync(path.join(fx.root, "src"));
  commitIn(fx.root, "src/app.js", "app\n");
  commitIn(fx.root, ".gitignore", "node_modules/\n*.log\n");
  await fx.tasks.add({ title: "form", scope: ["src/**"] });
  const { agent } = await slingTask(fx.project, "T1", { runtime: "shell" });
  await markAgent(fx.project, agent.name, { status: "working" });
  return { ...fx, agent };
}

describe("scope watch (hub runner)", () => {
  it("a file outside the scope flags the agent as it appears (title count, one notice and event per file); back in scope, the flag clears", async () => {
    const { project, agent } = await scopedWorker();
    const wt = agent.worktree;
    const { runner, events } = await start(project);
    await waitFor(() => runner.watchCount > 0, { what: "the watches" });
    await runner.settled();
    expect(lastFlag(events, agent.name)).toBeUndefined();

    // Inside the scope: no flag.
    writeFileSync(path.join(wt, "src/form.js"), "form\n");
    // A new untracked file in a new directory, outside it.
    mkdirSync(path.join(wt, "docs"));
    writeFileSync(path.join(wt, "docs/notes.md"), "notes\n");
    await waitFor(() => lastFlag(events, agent.name) === 1, { what: "the flag (1)" });
    expect(notices(events)).toEqual([
      `⚠ ${agent.name} changed docs/notes.md outside its scope (src/**)`,
    ]);

    // A tracked file changed outside it; then both committed: still counted (the branch has them).
    writeFileSync(path.join(wt, "README.md"), "# changed\n");
    await waitFor(() => lastFlag(events, agent.name) === 2, { what: "the flag (2)" });
    git(wt, "add", "-A");
    git(wt, "commit", "-q", "-m", "work");
    await runner.settled();
    writeFileSync(path.join(wt, "docs/more.md"), "more\n"); // in the new directory, now watched
    await waitFor(() => lastFlag(events, agent.name) === 3, { what: "the flag (3)" });
    expect(git(wt, "status", "--porcelain")).toBe("?? docs/more.md");

    // Ignored files are never out of scope.
    writeFileSync(path.join(wt, "debug.log"), "log\n");
    mkdirSync(path.join(wt, "node_modules/pkg"), { recursive: true });
    writeFileSync(path.join(wt, "node_modules/pkg/index.js"), "x\n");

    // Back in scope: the out-of-scope changes undone and the commit reverted.
    rmSync(path.join(wt, "docs"), { recursive: true });
    git(wt, "revert", "--no-edit", "HEAD");
    await waitFor(() => lastFlag(events, agent.name) === "none", { what: "the flag cleared" });
    expect(runner.decorateAgent({ ...agent }).outOfScope).toBeUndefined();

    // One notice (and one event) per file that newly fell outside, none for the ignored ones.
    expect(notices(events)).toEqual([
      `⚠ ${agent.name} changed docs/notes.md outside its scope (src/**)`,
      `⚠ ${agent.name} changed README.md outside its scope (src/**)`,
      `⚠ ${agent.name} changed docs/more.md outside its scope (src/**)`,
    ]);
    const logged = readFileSync(path.join(project.paths.dir, "events.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.includes('"scope.outside"'))
      .map((l) => (JSON.parse(l) as { detail: { file: string } }).detail.file);
    expect(logged).toEqual(["docs/notes.md", "README.md", "docs/more.md"]);
  });

  it("watches only what git does not ignore, and nothing for an agent without a scope or once it stopped", async () => {
    const { project, tasks, agent } = await scopedWorker();
    for (let i = 0; i < 20; i++) {
      const lib = path.join(agent.worktree, "node_modules", `pkg${i}`, "lib");
      mkdirSync(lib, { recursive: true });
      writeFileSync(path.join(lib, "index.js"), "x\n");
    }
    const free = await slingTask(project, (await tasks.add({ title: "free" })).id, {
      runtime: "shell",
      force: true,
    });
    await markAgent(project, free.agent.name, { status: "working" });
    const { runner, events } = await start(project);
    await waitFor(() => runner.watchCount > 0, { what: "the watches" });
    await runner.settled();
    // The worktree's root and src/, its git directory and its logs/: not node_modules.
    expect(runner.watchCount).toBe(4);

    writeFileSync(path.join(free.agent.worktree, "anything.txt"), "x\n");
    await markAgent(project, agent.name, { status: "exited" });
    runner.onAgentStatus(agent.name, "exited");
    expect(runner.watchCount).toBe(0);
    writeFileSync(path.join(agent.worktree, "outside.txt"), "x\n");
    const scans = runner.scans;
    // The stopped agent is not scanned again; a new status brings it back.
    await markAgent(project, agent.name, { status: "working" });
    runner.onAgentStatus(agent.name, "working");
    await waitFor(() => lastFlag(events, agent.name) === 1, { what: "the flag after respawn" });
    expect(runner.scans).toBeGreaterThan(scans);
    expect(lastFlag(events, free.agent.name)).toBeUndefined();
  });
});
