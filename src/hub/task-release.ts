import { isLive } from "../core/mail.js";
import { passedDone } from "../core/tasks.js";
import { sendMail } from "../store/mail-store.js";
import type { Project } from "../store/project.js";
import { TaskStore } from "../store/task-store.js";

/**
 * A worker stopped by hand (`flotilla kill`, the cockpit's kill) while it held a task: the
 * attempt counts as failed under the usual policy (`decideAfterFailure`), and instead of
 * being respawned against the user's wish the task goes back on the board: `ready` for
 * another sling (on its fallback runtime once the attempts are used up), or `failed` and
 * escalated when the fallback is used up too. Called before the agent is signalled, so the
 * hub's task loop, seeing the worker exit, finds no claimed task of it and leaves it alone.
 * A task whose `flotilla done` already passed is kept: its branch is in review or the queue.
 */

/** What happened to the stopped agent's task; `undefined` when it held none. */
export interface ReleasedTask {
  task: string;
  state: "ready" | "blocked" | "failed";
  /** One line for the person who stopped the agent. */
  text: string;
}

/**
 * Releases the task `agent` holds (see the module comment).
 * @throws what the task store throws (a corrupt tasks.json); nothing when there is no board.
 */
export async function releaseTaskOf(
  project: Project,
  agent: string,
  now = new Date(),
): Promise<ReleasedTask | undefined> {
  const store = TaskStore.of(project.paths);
  const board = await store.read();
  const task = board.tasks.find((t) => t.state === "claimed" && t.assignee === agent);
  if (!task || passedDone(task)) return undefined;
  const config = await project.readConfig();
  const reason = `${agent} was stopped by hand (flotilla kill) before a passing flotilla done`;
  const decision = await store.failAttempt(
    task.id,
    reason,
    config.tasks.maxAttempts,
    config.tasks.runtime,
    now,
  );
  project.log("task.attempt_failed", {
    agent,
    detail: { task: task.id, reason, decision: decision.kind },
  });
  if (decision.kind === "failed") {
    const state = await project.readState();
    const coordinators = state.agents
      .filter((a) => a.role === "coordinator" && a.name !== agent && isLive(a.status))
      .map((a) => a.name);
    await sendMail(project, {
      from: "cockpit",
      to: ["cockpit", ...coordinators].join(","),
      subject: `Task ${task.id} failed: ${task.title}`.slice(0, 300),
      body: `${decision.reason}\n\nRun "flotilla task retry ${task.id}" to start it again, or change its spec.\n`,
      type: "escalation",
      priority: "urgent",
      payload: { task: task.id },
    });
    return {
      task: task.id,
      state: "failed",
      text: `${task.id} is failed (${decision.reason}): "flotilla task retry ${task.id}" starts it anew`,
    };
  }
  const runtime = decision.kind === "fallback" ? decision.runtime : undefined;
  const released = await store.release(task.id, reason, runtime, now);
  const next = released.state === "ready" ? "ready" : "blocked";
  return {
    task: task.id,
    state: next,
    text: `${task.id} is back on the board (${next}, ${released.attempts} attempt(s) used${runtime ? `; next on its fallback ${runtime}` : ""}): "flotilla sling ${task.id}" starts it again`,
  };
}
