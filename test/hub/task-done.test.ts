import { mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createAgent, markAgent } from "../../src/hub/lifecycle.js";
import { doneRecipients, finishWork } from "../../src/hub/task-done.js";
import { slingTask } from "../../src/hub/sling.js";
import { MergeQueueStore } from "../../src/merge/queue.js";
import { MailStore } from "../../src/store/mail-store.js";
import { git, removeTempRepos } from "../git/temp-repo.js";
import { commitIn, makeTaskProject } from "./task-fixture.js";

afterAll(() => removeTempRepos());

async function cockpitMail(root: string) {
  return (await new MailStore(path.join(root, ".flotilla", "mail")).list("cockpit", { limit: 0 }))
    .messages;
}

describe("flotilla done", () => {
  it("with a failing gate: returns the gate's tail, sends nothing, enqueues nothing", async () => {
    const { root, project, tasks } = await makeTaskProject({
      gates: [
        {
          name: "check",
          command: "echo line one; echo 'FAIL: forms.test.js' >&2; exit 3",
          timeoutMs: 60_000,
        },
      ],
    });
    await tasks.add({ title: "form", scope: ["src/**"] });
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    mkdirSync(path.join(agent.worktree, "src"));
    commitIn(agent.worktree, "src/form.js", "export {};\n");
    const result = await finishWork(project, {
      agent: agent.name,
      worktree: agent.worktree,
      task: "T1",
    });
    expect(result).toMatchObject({ ok: false, gate: "check", exitCode: 3 });
    if (!result.ok) expect(result.tail).toContain("FAIL: forms.test.js");
    expect(await cockpitMail(root)).toHaveLength(0);
    expect((await new MergeQueueStore(project).read()).entries).toHaveLength(0);
    expect((await tasks.read()).tasks[0]?.state).toBe("claimed");
  });

  it("with passing gates (project's and task's): sends worker_done with branch, head and files, and enqueues", async () => {
    const { root, project, tasks } = await makeTaskProject({
      gates: [{ name: "project", command: "test -f src/form.js", timeoutMs: 60_000 }],
    });
    await tasks.add({
      title: "form",
      scope: ["src/**"],
      gates: [{ name: "task", command: "grep -q export src/form.js", timeoutMs: 60_000 }],
    });
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    mkdirSync(path.join(agent.worktree, "src"));
    commitIn(agent.worktree, "src/form.js", "export {};\n");
    const head = git(agent.worktree, "rev-parse", "HEAD");
    const lines: string[] = [];
    const result = await finishWork(project, {
      agent: agent.name,
      worktree: agent.worktree,
      task: "T1",
      progress: (l) => lines.push(l),
    });
    expect(result).toMatchObject({ ok: true, branch: agent.branch, head, files: ["src/form.js"] });
    expect(lines).toEqual([
      "gate project: running",
      expect.stringMatching(/^gate project: passed/),
      "gate task: running",
      expect.stringMatching(/^gate task: passed/),
    ]);
    const mail = await cockpitMail(root);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({
      type: "worker_done",
      from: agent.name,
      // The queue's own worker_done handling leaves it to done (which enqueues below).
      payload: {
        task: "T1",
        branch: agent.branch,
        head,
        files: ["src/form.js"],
        via: "flotilla done",
      },
    });
    const queue = await new MergeQueueStore(project).read();
    expect(queue.entries).toHaveLength(1);
    expect(queue.entries[0]).toMatchObject({
      agent: agent.name,
      branch: agent.branch,
      head,
      task: "T1",
      state: "queued",
      scope: ["src/**"],
    });
    expect(queue.handledMail).toContain(mail[0]!.id);
    expect((await tasks.read()).tasks[0]).toMatchObject({
      state: "claimed",
      head,
      mergeEntry: queue.entries[0]!.id,
    });
  });

  it("refuses uncommitted changes with a clear message and runs no gate", async () => {
    const { project, tasks } = await makeTaskProject({
      gates: [
        { name: "never", command: "touch /tmp/flotilla-gate-ran-$$; exit 0", timeoutMs: 60_000 },
      ],
    });
    await tasks.add({ title: "x" });
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    commitIn(agent.worktree, "a.txt", "1\n");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path.join(agent.worktree, "a.txt"), "2\n");
    const lines: string[] = [];
    await expect(
      finishWork(project, {
        agent: agent.name,
        worktree: agent.worktree,
        task: "T1",
        progress: (l) => lines.push(l),
      }),
    ).rejects.toThrow(/uncommitted changes in .* \(a\.txt\): commit them/);
    expect(lines).toEqual([]);
  });
});

describe("who hears of a passing flotilla done", () => {
  it("the cockpit and every running coordinator (not a stopped one, not the sender); without a coordinator, the cockpit alone", async () => {
    const { root, project, tasks } = await makeTaskProject();
    await tasks.add({ title: "form", scope: ["src/**"] });
    await tasks.add({ title: "docs", scope: ["docs/**"] });
    const lead = await createAgent(project, {
      name: "lead",
      runtime: "shell",
      role: "coordinator",
    });
    await markAgent(project, lead.name, { status: "working" });
    await createAgent(project, { name: "old-lead", runtime: "shell", role: "coordinator" });
    await markAgent(project, "old-lead", { status: "exited" });
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    mkdirSync(path.join(agent.worktree, "src"));
    commitIn(agent.worktree, "src/form.js", "export {};\n");

    const result = await finishWork(project, {
      agent: agent.name,
      worktree: agent.worktree,
      task: "T1",
    });
    expect(result.ok).toBe(true);
    const inbox = async (box: string) =>
      (await new MailStore(path.join(root, ".flotilla", "mail")).list(box, { limit: 0 })).messages;
    for (const box of ["cockpit", "lead"])
      expect((await inbox(box)).map((m) => [m.type, m.from, m.payload])).toEqual([
        [
          "worker_done",
          agent.name,
          expect.objectContaining({ task: "T1", files: ["src/form.js"] }),
        ],
      ]);
    expect(await inbox("old-lead")).toEqual([]);
    expect(await inbox(agent.name)).toEqual([]);

    // The coordinator finishing its own work does not mail itself; with no other running
    // coordinator the cockpit alone hears of it.
    await markAgent(project, lead.name, { status: "exited" });
    const second = await slingTask(project, "T2", { runtime: "shell" });
    mkdirSync(path.join(second.agent.worktree, "docs"));
    commitIn(second.agent.worktree, "docs/forms.md", "# Forms\n");
    await finishWork(project, {
      agent: second.agent.name,
      worktree: second.agent.worktree,
      task: "T2",
    });
    expect((await inbox("cockpit")).map((m) => (m.payload as { task?: string }).task)).toEqual([
      "T2",
      "T1",
    ]);
    expect(await inbox("lead")).toHaveLength(1);
    await markAgent(project, lead.name, { status: "working" });
    expect(await doneRecipients(project, "lead")).toBe("cockpit");
    expect(await doneRecipients(project, second.agent.name)).toBe("cockpit,lead");
  });
});
