import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.js";
import { createHub } from "../../src/hub/hub.js";
import { createAgent, markAgent } from "../../src/hub/lifecycle.js";
import type { HubEvent } from "../../src/hub/protocol.js";
import { slingTask } from "../../src/hub/sling.js";
import { releaseTaskOf } from "../../src/hub/task-release.js";
import { TaskLoop } from "../../src/hub/task-loop.js";
import { readAgentContext } from "../../src/runtimes/context.js";
import { MailStore } from "../../src/store/mail-store.js";
import type { Project } from "../../src/store/project.js";
import { trustConfig } from "../../src/store/trust.js";
import { removeTempRepos } from "../git/temp-repo.js";
import { waitFor } from "../wait-for.js";
import { makeTaskProject } from "./task-fixture.js";

afterAll(() => removeTempRepos());

let hub: Hub | undefined;
afterEach(async () => {
  await hub?.shutdown(2000);
  hub = undefined;
});

/** Two bash runtimes: `stay` waits for input until killed, `quit` exits at once. */
async function addRuntimes(project: Project): Promise<void> {
  const config = JSON.parse(readFileSync(project.paths.config, "utf8")) as Record<string, unknown>;
  const bash = (script: string) => ({
    command: "bash",
    args: ["--norc", "--noprofile", "-c", script],
    prompt: { mode: "none" },
  });
  config.runtimes = {
    stay: bash("echo ready; read line"),
    quit: bash("exit 0"),
    backup: bash("exit 0"),
  };
  writeFileSync(project.paths.config, JSON.stringify(config));
  await trustConfig(project.root, await project.readConfig());
}

async function mailOf(project: Project, box: string) {
  return (await new MailStore(project.paths.mail).list(box, { limit: 0 })).messages;
}

async function startHub(
  project: Project,
): Promise<{ hub: Hub; events: HubEvent[]; loop: TaskLoop }> {
  let loop: TaskLoop | undefined;
  const started = await createHub(project, [
    () => {
      loop = new TaskLoop();
      return loop;
    },
  ]);
  const events: HubEvent[] = [];
  started.subscribe((e) => events.push(e));
  return { hub: started, events, loop: loop! };
}

function kill(h: Hub, name: string): Promise<void> {
  return new Promise((resolve, reject) =>
    h.handle({ type: "kill", id: 1, name }, "test", (event) => {
      if (event.type !== "result") return;
      if (event.ok) resolve();
      else reject(new Error(event.error?.message));
    }),
  );
}

describe("a worker stopped while it holds a task", () => {
  it("flotilla kill (the hub's kill): the task goes back on the board, the loop does not respawn it; the next sling counts the attempt and its brief carries the failure", async () => {
    const { project, tasks } = await makeTaskProject({ tasks: { maxAttempts: 2 } });
    await addRuntimes(project);
    await tasks.add({ title: "form", spec: "Validate the form.", scope: ["src/**"] });
    const first = await slingTask(project, "T1", { runtime: "stay" });
    const started = await startHub(project);
    hub = started.hub;
    const session = await waitFor(() => hub!.session(first.agent.name), { what: "the pty" });
    await waitFor(() => session.screen.text().includes("ready"), { what: "the worker's output" });

    await kill(hub, first.agent.name);
    await started.loop.idle();
    const board = await tasks.read();
    expect(board.tasks[0]).toMatchObject({ state: "ready", attempts: 1 });
    expect(board.tasks[0]?.assignee).toBeUndefined();
    expect(board.tasks[0]?.lastFailure).toMatch(/stopped by hand \(flotilla kill\)/);
    expect(started.events).toContainEqual(
      expect.objectContaining({
        type: "notice",
        text: expect.stringMatching(/^T1 is back on the board \(ready, 1 attempt\(s\) used\)/),
      }),
    );
    // Not respawned against the user's wish.
    await hub.flush();
    const record = (await project.readState()).agents.find((a) => a.name === first.agent.name);
    expect(record?.status).toBe("exited");

    const second = await slingTask(project, "T1", { runtime: "stay" });
    expect(second.task).toMatchObject({ state: "claimed", attempts: 2 });
    const brief = readAgentContext(second.agent.worktree) ?? "";
    expect(brief).toContain("Validate the form.");
    expect(brief).toContain("stopped by hand (flotilla kill)");
    expect(brief).toContain(
      `previous attempt's commits, if any, are on branch \`${first.agent.branch}\``,
    );
  });

  it("released past maxAttempts: to its fallback runtime, then failed and escalated (urgent mail to the human and a running coordinator); a passed done is kept", async () => {
    const { project, tasks } = await makeTaskProject({ tasks: { maxAttempts: 1 } });
    await addRuntimes(project);
    await createAgent(project, { name: "lead", runtime: "stay", role: "coordinator" });
    await markAgent(project, "lead", { status: "idle" });
    await tasks.add({ title: "form", scope: ["src/**"], fallback: "backup" });
    const first = await slingTask(project, "T1", { runtime: "stay" });

    const toFallback = await releaseTaskOf(project, first.agent.name);
    expect(toFallback).toMatchObject({ task: "T1", state: "ready" });
    expect(toFallback?.text).toContain("next on its fallback backup");
    expect((await tasks.read()).tasks[0]).toMatchObject({
      state: "ready",
      runtime: "backup",
      onFallback: true,
      attempts: 0,
    });

    const second = await slingTask(project, "T1", {});
    expect(second.agent.runtime).toBe("backup");
    const failed = await releaseTaskOf(project, second.agent.name);
    expect(failed).toMatchObject({ task: "T1", state: "failed" });
    expect((await tasks.read()).tasks[0]?.state).toBe("failed");
    for (const box of ["cockpit", "lead"]) {
      expect(await mailOf(project, box)).toEqual([
        expect.objectContaining({
          type: "escalation",
          priority: "urgent",
          subject: "Task T1 failed: form",
        }),
      ]);
    }
    // Never retried forever: nothing more to release, and sling refuses a failed task.
    expect(await releaseTaskOf(project, second.agent.name)).toBeUndefined();
    await expect(slingTask(project, "T1", {})).rejects.toThrow(/T1 is failed/);

    await tasks.add({ title: "docs", scope: ["docs/**"] });
    const third = await slingTask(project, "T2", { runtime: "stay" });
    await tasks.workerDone("T2", {
      agent: third.agent.name,
      branch: third.agent.branch,
      head: "a".repeat(40),
      mergeEntry: "m1",
    });
    expect(await releaseTaskOf(project, third.agent.name)).toBeUndefined();
    expect((await tasks.read()).tasks[1]).toMatchObject({ state: "claimed", mergeEntry: "m1" });
  });

  it("a worker whose process exits without done (real ptys): retried in its worktree up to maxAttempts, then the fallback, then failed and escalated once", async () => {
    const { project, tasks } = await makeTaskProject({ tasks: { maxAttempts: 2 } });
    await addRuntimes(project);
    await tasks.add({ title: "flaky", spec: "Do the thing.", fallback: "backup" });
    const { agent } = await slingTask(project, "T1", { runtime: "quit" });
    const started = await startHub(project);
    hub = started.hub;

    const board = await waitFor(
      async () => {
        const b = await tasks.read();
        return b.tasks[0]?.state === "failed" ? b : undefined;
      },
      { what: "T1 failed after its attempts", timeoutMs: 30_000 },
    );
    const task = board.tasks[0]!;
    expect(task).toMatchObject({ attempts: 2, runtime: "backup", onFallback: true });
    expect(task.history.map((h) => h.event)).toEqual([
      "added",
      "ready",
      "claimed",
      "attempt_failed",
      "retry",
      "attempt_failed",
      "fallback",
      "retry",
      "attempt_failed",
      "retry",
      "attempt_failed",
      "failed",
    ]);
    // Every attempt ran in the same worktree, with the failure in its brief.
    const brief = readAgentContext(agent.worktree) ?? "";
    expect(brief).toContain("Do the thing.");
    expect(brief).toContain(`${agent.name} exited without a passing flotilla done`);
    await started.loop.idle();
    await hub.flush();
    const escalations = (await mailOf(project, "cockpit")).filter((m) => m.type === "escalation");
    expect(escalations).toEqual([
      expect.objectContaining({ priority: "urgent", subject: "Task T1 failed: flaky" }),
    ]);
    expect((await project.readState()).agents.map((a) => [a.name, a.status])).toEqual([
      [agent.name, "exited"],
    ]);
  });
});
