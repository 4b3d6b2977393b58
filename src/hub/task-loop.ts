import { describeError } from "../core/errors.js";
import { MergeQueueDoc, type MergeEntry } from "../core/merge-queue.js";
import { isLive } from "../core/mail.js";
import type { AgentStatus, Config } from "../core/schema.js";
import { sanitizeLine } from "../core/sanitize.js";
import { findTask, passedDone, type Task } from "../core/tasks.js";
import { JsonDocument } from "../store/json-store.js";
import { sendMail } from "../store/mail-store.js";
import type { Project } from "../store/project.js";
import { TaskStore } from "../store/task-store.js";
import type { HubContext, HubRunner } from "./runner.js";
import { retryInPlace, slingTask } from "./sling.js";

/**
 * The orchestration loop, as a hub runner:
 * - the merge queue lands a task's entry (`merged`) → the task is `done`, its dependants
 *   become ready, and with `tasks.autoSling` they are slung;
 * - a task's entry comes back `gate_failed` or `conflict`, or its worker exits (or is lost)
 *   without a passing `flotilla done` → another attempt: the same brief plus the failure, in
 *   the same worktree (a live worker is told by mail instead and keeps going); after
 *   `tasks.maxAttempts` the task's `fallback` runtime takes over, if it has one, else the
 *   task is `failed` and escalated (urgent mail to the human and the coordinators);
 * - a claimed task's worker that is `idle` (not `waiting`: waiting is the human's turn) for
 *   `tasks.stallAfterMs` is nudged once with a one-line notice typed into its pane; still
 *   idle `escalateAfterMs` later, it is escalated (an `escalation` mail from the worker,
 *   which highlights its pane, to the human and its coordinators). Any other status resets
 *   this.
 * No timers run except one per stalled-candidate agent; nothing polls.
 */
export class TaskLoop implements HubRunner {
  readonly name = "tasks";
  private context: HubContext | undefined;
  private unsubscribe: () => void = () => undefined;
  private chain: Promise<void> = Promise.resolve();
  private disposed = false;
  /** Stall timers by agent name. */
  private readonly stalls = new Map<string, { timer: NodeJS.Timeout; nudged: boolean }>();
  private readonly now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async start(context: HubContext): Promise<void> {
    this.context = context;
    this.unsubscribe = context.watcher.subscribe("", (file) => {
      if (file === null || file === "merge-queue.json") this.enqueue(() => this.onQueueChange());
    });
    await context.watcher.refresh("");
    this.enqueue(() => this.onQueueChange());
    for (const agent of context.agents()) this.onAgentStatus(agent.name, agent.status);
  }

  /** Resolves once every reaction queued so far has run (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  onAgentStatus(name: string, status: AgentStatus): void {
    if (this.disposed) return;
    if (status === "idle") this.watchStall(name);
    else this.clearStall(name);
    if (status === "exited" || status === "lost")
      this.enqueue(() => this.onWorkerStopped(name, status));
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    for (const name of [...this.stalls.keys()]) this.clearStall(name);
  }

  private get project(): Project {
    return this.context!.project;
  }

  private config(): Config {
    return this.context!.config();
  }

  /** Runs reactions one at a time, in order; a failing one is reported and the loop goes on. */
  private enqueue(fn: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.disposed) return;
      try {
        await fn();
      } catch (error) {
        this.context?.notify(`task loop: ${describeError(error)}`);
      }
    });
  }

  private async onQueueChange(): Promise<void> {
    const queue = await new JsonDocument(this.project.paths.mergeQueue, MergeQueueDoc).read();
    const store = TaskStore.of(this.project.paths);
    const board = await store.read();
    for (const task of board.tasks) {
      if (task.state !== "claimed" || task.mergeEntry === undefined) continue;
      const entry = queue.entries.find((e) => e.id === task.mergeEntry);
      if (!entry) continue;
      if (entry.state === "merged") await this.onMerged(task, entry);
      else if (entry.state === "gate_failed" || entry.state === "conflict")
        await this.onFailure(
          task.id,
          `merge queue: ${entry.state}${entry.reason ? `: ${entry.reason}` : ""}`,
          entry,
        );
    }
  }

  private async onMerged(task: Task, entry: MergeEntry): Promise<void> {
    const store = TaskStore.of(this.project.paths);
    const ready = await store.complete(
      task.id,
      `merged as ${entry.id}${entry.landedIn ? ` into ${entry.landedIn.slice(0, 10)}` : ""}`,
      this.now(),
    );
    this.project.log("task.done", {
      ...(task.assignee ? { agent: task.assignee } : {}),
      detail: { task: task.id, entry: entry.id, ready },
    });
    if (ready.length === 0 || !this.config().tasks.autoSling) return;
    for (const id of ready) {
      try {
        const result = await slingTask(this.project, id, {});
        this.project.log("task.autosling", { agent: result.agent.name, detail: { task: id } });
      } catch (error) {
        this.context?.notify(`task loop: could not sling ${id}: ${describeError(error)}`);
      }
    }
  }

  private async onWorkerStopped(name: string, status: AgentStatus): Promise<void> {
    const board = await TaskStore.of(this.project.paths).read();
    const task = board.tasks.find((t) => t.state === "claimed" && t.assignee === name);
    // A worker whose `flotilla done` passed waits for review or the queue: no failure.
    if (!task || passedDone(task)) return;
    await this.onFailure(
      task.id,
      `${name} ${status === "lost" ? "was lost" : "exited"} without a passing flotilla done`,
    );
  }

  /** One failed attempt of `id`: retry, fall back, or fail and escalate. */
  private async onFailure(id: string, reason: string, entry?: MergeEntry): Promise<void> {
    const config = this.config();
    const store = TaskStore.of(this.project.paths);
    const now = this.now();
    // The entry is handled: forget it so the next queue change does not count it again.
    if (entry)
      await store.change((b) => {
        const t = findTask(b, id);
        if (t) {
          delete t.mergeEntry;
          delete t.verdict;
        }
      });
    const decision = await store.failAttempt(
      id,
      reason,
      config.tasks.maxAttempts,
      config.tasks.runtime,
      now,
    );
    const task = findTask(await store.read(), id)!;
    this.project.log("task.attempt_failed", {
      detail: { task: id, reason, decision: decision.kind },
    });
    if (decision.kind === "failed") {
      await this.escalate(
        task,
        `Task ${id} failed: ${task.title}`,
        `${decision.reason}\n\nRun "flotilla task retry ${id}" to start it again, or change its spec.`,
        "cockpit",
      );
      return;
    }
    const agent = this.context!.agents().find((a) => a.name === task.assignee);
    if (agent && isLive(agent.status) && decision.kind === "retry") {
      // Still running: tell it what failed (the queue also mails conflicts) and count the attempt.
      await store.change((b) => {
        const t = findTask(b, id);
        if (t) t.attempts += 1;
      });
      await sendMail(this.project, {
        from: "cockpit",
        to: agent.name,
        subject: `Task ${id}: attempt failed, please fix`,
        body: `${reason}\n\nFix it in your worktree, commit, and run flotilla done again.\n`,
        type: "error",
        priority: "high",
        payload: { task: id, reason },
      });
      return;
    }
    if (agent && isLive(agent.status)) {
      // A fallback runtime replaces the running worker: stop it first (its work stays).
      const { stopAgent } = await import("./lifecycle.js");
      await stopAgent(this.project, agent.name);
    }
    await retryInPlace(this.project, id, decision.runtime, reason, now);
    this.project.log(decision.kind === "fallback" ? "task.fallback" : "task.retry", {
      ...(task.assignee ? { agent: task.assignee } : {}),
      detail: { task: id, runtime: decision.runtime },
    });
  }

  private watchStall(name: string): void {
    if (this.stalls.has(name)) return;
    const { stallAfterMs } = this.config().tasks;
    const timer = setTimeout(() => this.enqueue(() => this.onStall(name)), stallAfterMs);
    timer.unref?.();
    this.stalls.set(name, { timer, nudged: false });
  }

  private clearStall(name: string): void {
    const stall = this.stalls.get(name);
    if (!stall) return;
    clearTimeout(stall.timer);
    this.stalls.delete(name);
  }

  private async onStall(name: string): Promise<void> {
    const stall = this.stalls.get(name);
    const agent = this.context!.agents().find((a) => a.name === name);
    if (!stall || !agent || agent.status !== "idle") return;
    const task = (await TaskStore.of(this.project.paths).read()).tasks.find(
      (t) => t.state === "claimed" && t.assignee === name,
    );
    // Only workers on a task that has not passed done yet are expected to make progress.
    if (!task || passedDone(task)) {
      this.clearStall(name);
      return;
    }
    const tasks = this.config().tasks;
    const minutes = Math.max(1, Math.round(tasks.stallAfterMs / 60_000));
    if (!stall.nudged) {
      const profile = this.context!.profileFor(agent.runtime);
      const prefix = profile?.mailNotice?.startsWith("# ") ? "# " : "";
      this.context!.typeInto(
        name,
        `${prefix}[flotilla] ${task.id} has had no progress for ${minutes < 2 ? "a while" : `${minutes} min`}: continue, mail the cockpit if you are stuck, or run flotilla done when finished.`,
      );
      this.project.log("task.nudged", { agent: name, detail: { task: task.id } });
      stall.nudged = true;
      const timer = setTimeout(
        () => this.enqueue(() => this.onStall(name)),
        tasks.escalateAfterMs ?? tasks.stallAfterMs,
      );
      timer.unref?.();
      stall.timer = timer;
      return;
    }
    this.stalls.delete(name);
    await this.escalate(
      task,
      `${name} is stalled on ${task.id}`,
      `${name} has shown no output and is not waiting for you, even after a nudge (task ${task.id}: ${task.title}). Look at its pane.`,
      name,
    );
  }

  /** Urgent `escalation` mail to the human and every coordinator; a notice to clients. */
  private async escalate(task: Task, subject: string, body: string, from: string): Promise<void> {
    const coordinators = this.context!.agents()
      .filter((a) => a.role === "coordinator" && isLive(a.status) && a.name !== from)
      .map((a) => a.name);
    await sendMail(this.project, {
      from,
      to: ["cockpit", ...coordinators].join(","),
      subject: subject.slice(0, 300),
      body,
      type: "escalation",
      priority: "urgent",
      payload: { task: task.id },
    });
    this.context!.notify(sanitizeLine(subject));
    this.project.log("task.escalated", { detail: { task: task.id, subject } });
  }
}
