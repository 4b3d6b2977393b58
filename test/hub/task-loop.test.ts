import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MergeQueueDoc } from "../../src/core/merge-queue.js";
import { State, type AgentStatus, type Config } from "../../src/core/schema.js";
import { markAgent } from "../../src/hub/lifecycle.js";
import { createProjectWatcher } from "../../src/hub/project-watcher.js";
import type { HubContext } from "../../src/hub/runner.js";
import { slingTask } from "../../src/hub/sling.js";
import { TaskLoop } from "../../src/hub/task-loop.js";
import { readAgentContext } from "../../src/runtimes/context.js";
import { resolveRuntime } from "../../src/runtimes/profiles.js";
import { JsonDocument } from "../../src/store/json-store.js";
import { MailStore } from "../../src/store/mail-store.js";
import type { Project } from "../../src/store/project.js";
import { removeTempRepos } from "../git/temp-repo.js";
import { waitFor } from "../wait-for.js";
import { makeTaskProject } from "./task-fixture.js";

afterAll(() => removeTempRepos());

const loops: TaskLoop[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) loop.dispose();
});

/**
 * A fake hub around a real project: agents as state.json has them (the real hub's record
 * agrees with the status it reports), typed text and notices recorded.
 */
function fakeHub(project: Project, config: Config) {
  const typed: Array<{ name: string; text: string }> = [];
  const notices: string[] = [];
  const watcher = createProjectWatcher(project.paths.dir);
  const context: HubContext = {
    project,
    config: () => config,
    agents: () => State.parse(JSON.parse(readFileSync(project.paths.state, "utf8"))).agents,
    profileFor: (runtime) => resolveRuntime(config, runtime),
    typeInto: (name, text) => void typed.push({ name, text }),
    broadcast: () => undefined,
    notify: (text) => void notices.push(text),
    reportStatus: () => undefined,
    updateAgent: () => undefined,
    stopAgent: () => Promise.resolve(),
    watcher,
  };
  return { context, typed, notices, close: () => watcher.close() };
}

async function start(project: Project) {
  const config = await project.readConfig();
  const hub = fakeHub(project, config);
  const loop = new TaskLoop();
  loops.push(loop);
  await loop.start(hub.context);
  return { loop, hub };
}

async function cockpitMail(project: Project) {
  return (await new MailStore(project.paths.mail).list("cockpit", { limit: 0 })).messages;
}

/** The fake agent's process ends: the hub records it exited, then tells the runners. */
async function exitAgent(
  project: Project,
  loop: TaskLoop,
  name: string,
  status: AgentStatus = "exited",
) {
  await markAgent(project, name, { status });
  loop.onAgentStatus(name, status);
  await loop.idle();
}

describe("task loop (hub runner)", () => {
  it("a stalled worker is nudged once, then escalated (urgent mail from it to the human)", async () => {
    const { project, tasks } = await makeTaskProject({
      tasks: { stallAfterMs: 150, escalateAfterMs: 150 },
    });
    await tasks.add({ title: "slow one" });
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    await markAgent(project, agent.name, { status: "idle" });
    const { loop, hub } = await start(project);
    loop.onAgentStatus(agent.name, "idle");

    await waitFor(() => hub.typed.length > 0, { what: "the nudge" });
    expect(hub.typed).toEqual([
      { name: agent.name, text: expect.stringMatching(/^# \[flotilla\] T1 has had no progress/) },
    ]);
    const escalation = await waitFor(
      async () => (await cockpitMail(project)).find((m) => m.type === "escalation"),
      { what: "the escalation mail" },
    );
    expect(escalation).toMatchObject({
      from: agent.name,
      priority: "urgent",
      subject: `${agent.name} is stalled on T1`,
    });
    expect(hub.typed).toHaveLength(1);
  });

  it("a worker that is waiting for the human is never nudged", async () => {
    const { project, tasks } = await makeTaskProject({ tasks: { stallAfterMs: 100 } });
    await tasks.add({ title: "asks a question", scope: ["src/**"] });
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    await markAgent(project, agent.name, { status: "idle" });
    const { loop, hub } = await start(project);
    loop.onAgentStatus(agent.name, "idle");
    loop.onAgentStatus(agent.name, "waiting");
    // A second, unrelated stalled worker proves time has passed beyond stallAfterMs.
    await tasks.add({ title: "other", scope: ["other/**"] });
    const other = await slingTask(project, "T2", { runtime: "shell" });
    await markAgent(project, other.agent.name, { status: "idle" });
    loop.onAgentStatus(other.agent.name, "idle");
    await waitFor(() => hub.typed.length > 0, { what: "the other worker's nudge" });
    expect(hub.typed.map((t) => t.name)).toEqual([other.agent.name]);
  });

  it("exits without done are retried with the failure in the brief, up to maxAttempts, then the fallback, then failed and escalated", async () => {
    const { project, tasks } = await makeTaskProject({ tasks: { maxAttempts: 2 } });
    await tasks.add({ title: "flaky worker", spec: "Do the thing.", fallback: "opencode" });
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    const { loop } = await start(project);
    const seen: string[] = [];
    const snapshot = async () => {
      const t = (await tasks.read()).tasks[0]!;
      const a = (await project.readState()).agents.find((x) => x.name === agent.name)!;
      seen.push(`${t.state}:${t.attempts}:${a.runtime}:${a.status}`);
    };
    await snapshot();
    for (let i = 0; i < 4; i++) {
      await exitAgent(project, loop, agent.name);
      await snapshot();
    }
    expect(seen).toEqual([
      "claimed:1:shell:starting",
      "claimed:2:shell:starting",
      "claimed:1:opencode:starting",
      "claimed:2:opencode:starting",
      "failed:2:opencode:exited",
    ]);
    const brief = readAgentContext(agent.worktree) ?? "";
    expect(brief).toContain("the previous one failed");
    expect(brief).toContain(`${agent.name} exited without a passing flotilla done`);
    expect(brief).toContain("Do the thing.");
    const mail = await cockpitMail(project);
    expect(mail.filter((m) => m.type === "escalation")).toEqual([
      expect.objectContaining({ priority: "urgent", subject: "Task T1 failed: flaky worker" }),
    ]);
    // Never retried forever: another exit changes nothing.
    await exitAgent(project, loop, agent.name);
    expect((await tasks.read()).tasks[0]?.state).toBe("failed");
  });

  it("merged → the task is done, its dependant becomes ready and (autoSling) is slung", async () => {
    const { project, tasks } = await makeTaskProject({
      tasks: { autoSling: true, runtime: "shell" },
    });
    await tasks.add({ title: "base", scope: ["src/**"] });
    await tasks.add({ title: "docs", scope: ["docs/**"], after: ["T1"] });
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    const head = "a".repeat(40);
    await tasks.workerDone("T1", {
      agent: agent.name,
      branch: agent.branch,
      head,
      mergeEntry: "m1",
    });
    const { loop } = await start(project);
    expect((await tasks.read()).tasks.map((t) => t.state)).toEqual(["claimed", "blocked"]);

    const queue = new JsonDocument(project.paths.mergeQueue, MergeQueueDoc);
    const time = new Date().toISOString();
    await queue.update((doc) => {
      doc.entries.push({
        id: "m1",
        agent: agent.name,
        branch: agent.branch,
        head,
        task: "T1",
        files: [],
        scope: [],
        outOfScope: [],
        approved: false,
        predictedConflicts: [],
        enqueuedAt: time,
        updatedAt: time,
        state: "merged",
        flaky: false,
        gates: [],
        notified: true,
        notes: [],
        landedIn: "b".repeat(40),
      });
    });
    const board = await waitFor(
      async () => {
        await loop.idle();
        const b = await tasks.read();
        return b.tasks[1]?.state === "claimed" ? b : undefined;
      },
      { what: "T2 slung" },
    );
    expect(board.tasks[0]).toMatchObject({ state: "done" });
    expect(board.tasks[1]?.assignee).toBe("t2-docs");
    expect((await project.readState()).agents.map((a) => a.name)).toContain("t2-docs");
    const history = board.tasks[1]!.history.map((h) => h.event);
    expect(history).toEqual(["added", "ready", "claimed"]);
    expect(path.basename(board.tasks[1]!.assignee!)).toBe("t2-docs");
  });
});
