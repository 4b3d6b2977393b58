import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { registerTaskCommands, type TaskIo } from "../../src/commands/task.js";
import { createAgent, markAgent } from "../../src/hub/lifecycle.js";
import { slingTask } from "../../src/hub/sling.js";
import { finishWork } from "../../src/hub/task-done.js";
import { MergeQueueStore } from "../../src/merge/queue.js";
import { lockRun, pidAlive, runLockFile } from "../../src/merge/run-lock.js";
import { runQueue } from "../../src/merge/run.js";
import { MailStore } from "../../src/store/mail-store.js";
import type { Project } from "../../src/store/project.js";
import { git, makeTempDir, removeTempRepos } from "../git/temp-repo.js";
import { waitFor } from "../wait-for.js";
import { commitIn, makeTaskProject } from "./task-fixture.js";

afterAll(() => removeTempRepos());
delete process.env.FLOTILLA_ROOT;

/** Runs `flotilla <args>` in-process in `root` (as task.test.ts does). */
async function cli(root: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  const io: TaskIo = {
    cwd: root,
    env,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: () => undefined },
    readStdin: async () => "",
    setExitCode: () => undefined,
  };
  const program = new Command("flotilla").exitOverride().configureOutput({
    writeOut: (t) => (stdout += t),
    writeErr: () => undefined,
  });
  registerTaskCommands(program, io);
  await program.parseAsync(args, { from: "user" });
  return stdout;
}

/** A project whose one gate counts its runs in a file outside the repository. */
async function reviewProject(config: Record<string, unknown> = {}) {
  const counter = path.join(makeTempDir("flotilla-gate-runs-"), "runs");
  const fx = await makeTaskProject({
    gates: [{ name: "count", command: `echo run >> '${counter}'`, timeoutMs: 60_000 }],
    ...config,
  });
  const gateRuns = (): number => {
    try {
      return readFileSync(counter, "utf8").split("\n").filter(Boolean).length;
    } catch {
      return 0;
    }
  };
  return { ...fx, gateRuns };
}

/** Slings task `id`, commits `file` in its worktree and runs `flotilla done` there. */
async function finish(project: Project, id: string, file: string) {
  const { agent } = await slingTask(project, id, { runtime: "shell" });
  mkdirSync(path.dirname(path.join(agent.worktree, file)), { recursive: true });
  commitIn(agent.worktree, file, `${id}\n`);
  const result = await finishWork(project, {
    agent: agent.name,
    worktree: agent.worktree,
    task: id,
  });
  expect(result.ok).toBe(true);
  return { agent, result };
}

async function mailOf(project: Project, box: string) {
  return (await new MailStore(project.paths.mail).list(box, { limit: 0 })).messages;
}

describe("task review", () => {
  it("task add --review: a passing done enqueues nothing and nothing merges; --approve enqueues both under the run lock and they land in one batch", async () => {
    const { root, project, tasks, gateRuns } = await reviewProject();
    await cli(root, ["task", "add", "form", "--scope", "src/**", "--review"]);
    await cli(root, ["task", "add", "docs", "--scope", "docs/**", "--review"]);
    const one = await finish(project, "T1", "src/form.js");
    const two = await finish(project, "T2", "docs/forms.md");
    expect(one.result).toMatchObject({ note: expect.stringMatching(/waiting for a reviewer/) });
    expect((await tasks.read()).tasks.map((t) => [t.state, t.verdict, t.mergeEntry])).toEqual([
      ["claimed", "pending", undefined],
      ["claimed", "pending", undefined],
    ]);
    expect((await cli(root, ["task", "ls"])).match(/review pending/g)).toHaveLength(2);
    const target = git(root, "rev-parse", "main");
    const idle = await runQueue(project);
    expect(idle.landed).toEqual([]);
    expect(git(root, "rev-parse", "main")).toBe(target);

    // A queue run in progress holds the lock: the approval records the verdicts at once and
    // enqueues only once that run is over, both entries together.
    const store = new MergeQueueStore(project);
    const config = await project.readConfig();
    const held = await lockRun(runLockFile(store.paths.dir, config.targetBranch), pidAlive);
    if ("busy" in held) throw new Error("the run lock is busy");
    const approving = cli(root, ["task", "review", "T1", "T2", "--approve", "--findings", "ok"]);
    await waitFor(async () => (await tasks.read()).tasks.every((t) => t.verdict === "approve"), {
      what: "the verdicts recorded",
    });
    expect((await store.read()).entries).toEqual([]);
    await held.release();
    expect(await approving).toBe(
      "T1: approved, merge entry m1 queued\nT2: approved, merge entry m2 queued\n",
    );
    expect((await store.read()).entries.map((e) => [e.id, e.task, e.state])).toEqual([
      ["m1", "T1", "queued"],
      ["m2", "T2", "queued"],
    ]);
    expect((await tasks.read()).tasks.map((t) => t.mergeEntry)).toEqual(["m1", "m2"]);

    const before = gateRuns();
    const report = await runQueue(project);
    expect(report.landed).toEqual(["m1", "m2"]);
    expect(gateRuns() - before).toBe(1); // one batch, gated once
    expect(git(root, "show", "main:src/form.js")).toBe("T1");
    expect(git(root, "show", "main:docs/forms.md")).toBe("T2");
    const result = (await mailOf(project, "cockpit")).find((m) => m.type === "result");
    expect(result).toMatchObject({
      from: "cockpit",
      subject: "Review T1, T2: approve",
      payload: { verdict: "approve", tasks: ["T1", "T2"], findings: "ok" },
    });
    expect([one.agent.name, two.agent.name]).toEqual(["t1-form", "t2-docs"]);
  });

  it("tasks.requireReview and --changes: the worker gets the findings, nothing is enqueued; its next passing done waits for a verdict again", async () => {
    const { root, project, tasks } = await reviewProject({ tasks: { requireReview: true } });
    await createAgent(project, { name: "lead", runtime: "shell", role: "coordinator" });
    await markAgent(project, "lead", { status: "working" });
    await cli(root, ["task", "add", "form", "--scope", "src/**"]);
    await cli(root, ["task", "add", "docs", "--scope", "docs/**"]);
    const { agent } = await finish(project, "T1", "src/form.js");
    expect((await tasks.read()).tasks[0]).toMatchObject({ verdict: "pending" });

    const out = await cli(
      root,
      ["task", "review", "T1", "--changes", "--findings", "the email rule accepts a@b"],
      { FLOTILLA_AGENT: "rev" },
    );
    expect(out).toBe("T1: changes requested; its worker was told\n");
    const told = await mailOf(project, agent.name);
    expect(told).toEqual([
      expect.objectContaining({
        from: "rev",
        type: "error",
        subject: "Review of T1: changes requested",
      }),
    ]);
    expect(told[0]?.body).toContain("the email rule accepts a@b");
    expect((await tasks.read()).tasks[0]).toMatchObject({
      state: "claimed",
      verdict: "changes",
      lastFailure: "review by rev: the email rule accepts a@b",
    });
    expect(await mailOf(project, "lead")).toContainEqual(
      expect.objectContaining({ type: "result", subject: "Review T1: changes" }),
    );
    expect((await new MergeQueueStore(project).read()).entries).toEqual([]);
    expect((await runQueue(project)).landed).toEqual([]);

    // The worker fixes and finishes again: it waits for a verdict again, still not enqueued.
    commitIn(agent.worktree, "src/form.js", "fixed\n");
    const again = await finishWork(project, {
      agent: agent.name,
      worktree: agent.worktree,
      task: "T1",
    });
    expect(again).toMatchObject({
      ok: true,
      note: expect.stringMatching(/waiting for a reviewer/),
    });
    expect((await tasks.read()).tasks[0]).toMatchObject({ verdict: "pending" });
    expect((await new MergeQueueStore(project).read()).entries).toEqual([]);
  });

  it("bad input: one line each, and nothing is recorded (a batch with a task not waiting for review changes no task)", async () => {
    const { root, project, tasks } = await reviewProject({ tasks: { requireReview: true } });
    await cli(root, ["task", "add", "form", "--scope", "src/**"]);
    await cli(root, ["task", "add", "docs", "--scope", "docs/**"]);
    await finish(project, "T1", "src/form.js");
    await expect(
      cli(root, ["task", "review", "T1", "T2", "--approve", "--findings", "fine"]),
    ).rejects.toThrow(/^T2 is not waiting for a review \(ready\): review a task after/);
    await expect(cli(root, ["task", "review", "T1", "--findings", "x"])).rejects.toThrow(
      "give one verdict: --approve or --changes",
    );
    await expect(cli(root, ["task", "review", "T1", "--approve"])).rejects.toThrow(
      /--findings is required/,
    );
    await expect(
      cli(root, ["task", "review", "T1", "--approve", "--findings", "  "]),
    ).rejects.toThrow(/the findings are empty/);
    await expect(
      cli(root, ["task", "review", "T9", "--approve", "--findings", "x"]),
    ).rejects.toThrow('no task T9 on the board: see "flotilla task ls"');
    expect((await tasks.read()).tasks.map((t) => t.verdict)).toEqual(["pending", undefined]);
    expect((await new MergeQueueStore(project).read()).entries).toEqual([]);
    expect((await mailOf(project, "cockpit")).map((m) => m.type)).toEqual(["worker_done"]);
  });
});
