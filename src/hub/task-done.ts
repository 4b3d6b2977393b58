import { FlotillaError } from "../core/errors.js";
import { MAX_HANDLED_MAIL, type GateConfig } from "../core/merge-queue.js";
import { isLive } from "../core/mail.js";
import { findTask, READ_ONLY_ROLES, type Task } from "../core/tasks.js";
import { runGate } from "../merge/gates.js";
import { isAncestor, mustGit, revParse } from "../merge/git.js";
import { changedFiles, MergeQueueStore } from "../merge/queue.js";
import { VIA_DONE } from "../merge/worker-done.js";
import { sendMail } from "../store/mail-store.js";
import type { Project } from "../store/project.js";
import { TaskStore } from "../store/task-store.js";

/**
 * `flotilla done`: a worker's completion, accepted only with passing gates. In the agent's
 * worktree: refuse uncommitted changes; run the project's gates then the task's (the merge
 * queue's gate runner: `/bin/sh -c`, own process group, fail closed); on success send
 * `worker_done` mail (branch, head commit, files changed) to the cockpit and the running
 * coordinators, and enqueue the branch in the merge queue (a task that needs review waits
 * for `flotilla task review` instead); on failure return the failing gate's output tail and
 * send nothing.
 */

/** Lines of a failing gate's output kept for the agent. */
export const GATE_TAIL_LINES = 40;

/** Who finishes, where. */
export interface DoneRequest {
  agent: string;
  /** The agent's worktree (absolute). */
  worktree: string;
  /** Task id, when the agent works on one. */
  task?: string;
  /** Role, for read-only roles that have nothing to merge. */
  role?: string;
  env?: NodeJS.ProcessEnv;
  /** Called as each gate starts and ends (one line each). */
  progress?: (line: string) => void;
  now?: Date;
}

/** What {@link finishWork} did. */
export type DoneResult =
  | {
      ok: true;
      branch: string;
      head: string;
      files: string[];
      mail: string;
      /** The merge entry, or why nothing was enqueued (a read-only role with no commits). */
      entry?: string;
      note?: string;
      task?: Task;
    }
  | { ok: false; gate: string; tail: string; exitCode: number | null; timedOut: boolean };

/**
 * Runs `flotilla done` for `request` (see the module comment).
 * @throws FlotillaError INVALID_INPUT for uncommitted changes, a detached HEAD, or a branch
 *   with nothing to merge (for a role that writes).
 */
export async function finishWork(project: Project, request: DoneRequest): Promise<DoneResult> {
  const { worktree, agent } = request;
  const now = request.now ?? new Date();
  const config = await project.readConfig();
  const status = await mustGit(
    worktree,
    ["status", "--porcelain", "-z"],
    "checking for uncommitted changes",
  );
  const dirty = status
    .split("\0")
    .filter((l) => l.length > 0)
    .map((l) => l.slice(3));
  if (dirty.length > 0)
    throw new FlotillaError(
      "INVALID_INPUT",
      `uncommitted changes in ${worktree} (${dirty.slice(0, 3).join(", ")}${dirty.length > 3 ? `, +${dirty.length - 3} more` : ""}): commit them (git add -A && git commit) and run flotilla done again`,
    );
  const branch = (
    await mustGit(worktree, ["symbolic-ref", "--quiet", "--short", "HEAD"], "finding the branch")
  ).trim();
  const head = (await revParse(worktree, "HEAD"))!;
  const target = config.targetBranch;
  const targetTip = await revParse(project.root, `refs/heads/${target}`);
  const store = TaskStore.of(project.paths);
  const task = request.task ? findTask(await store.read(), request.task) : undefined;
  const nothingNew = targetTip !== undefined && (await isAncestor(project.root, head, targetTip));
  const readOnly = READ_ONLY_ROLES.has(request.role ?? task?.role ?? "builder");
  if (nothingNew && !readOnly)
    throw new FlotillaError(
      "INVALID_INPUT",
      `${branch} has no commits that ${target} lacks: commit your work on ${branch}, then run flotilla done`,
    );

  const gates: GateConfig[] = [...config.gates, ...(task?.gates ?? [])];
  for (const gate of gates) {
    request.progress?.(`gate ${gate.name}: running`);
    let output = "";
    const attempt = await runGate(gate, {
      cwd: worktree,
      env: { ...(request.env ?? process.env), FLOTILLA_GATE: gate.name },
      onOutput: (text) => {
        output += text;
        if (output.length > 256 * 1024) output = output.slice(-128 * 1024);
      },
    });
    if (!attempt.ok) {
      if (task) {
        await store.change((b) => {
          const t = findTask(b, task.id);
          if (t) {
            t.history.push({
              time: now.toISOString(),
              event: "gate_failed",
              text: `flotilla done: gate ${gate.name} failed (${attempt.timedOut ? "timed out" : `exit ${attempt.exitCode}`})`,
              agent,
            });
          }
        });
      }
      return {
        ok: false,
        gate: gate.name,
        tail: tailLines(output, GATE_TAIL_LINES),
        exitCode: attempt.exitCode,
        timedOut: attempt.timedOut,
      };
    }
    request.progress?.(`gate ${gate.name}: passed (${(attempt.durationMs / 1000).toFixed(1)} s)`);
  }

  const files = targetTip && !nothingNew ? await changedFiles(project.root, targetTip, head) : [];
  const review = !nothingNew && task !== undefined && (task.review || config.tasks.requireReview);
  const message = await sendMail(project, {
    from: agent,
    to: await doneRecipients(project, agent),
    subject: `Worker done: ${task ? `${task.id} ${task.title}` : branch}`.slice(0, 300),
    body: `${agent} finished${task ? ` ${task.id}` : ""} on ${branch} at ${head.slice(0, 10)}; gates passed (${gates.map((g) => g.name).join(", ") || "none configured"}).\nFiles changed: ${files.join(", ") || "none"}\n${review ? `Waiting for a reviewer's verdict: flotilla task review ${task.id} --approve|--changes --findings "…"\n` : ""}`,
    type: "worker_done",
    priority: "normal",
    // `via`: the queue's worker_done handling leaves this one to us (enqueue or review).
    payload: { ...(task ? { task: task.id } : {}), branch, head, files, via: VIA_DONE },
  });
  let entry: string | undefined;
  let note: string | undefined;
  const queue = new MergeQueueStore(project);
  if (!nothingNew) {
    // The queue's own worker_done handling must not enqueue this message (again, or before
    // its review).
    await queue.doc.update((doc) => {
      if (!doc.handledMail.includes(message.id)) doc.handledMail.push(message.id);
      if (doc.handledMail.length > MAX_HANDLED_MAIL)
        doc.handledMail.splice(0, doc.handledMail.length - MAX_HANDLED_MAIL);
    });
  }
  if (nothingNew) note = "nothing to merge (no new commits)";
  else if (review) note = `waiting for a reviewer's verdict (flotilla task review ${task.id})`;
  else {
    const result = await queue.enqueue(agent, {
      branch,
      ...(task ? { task: task.id, scope: task.scope } : {}),
      now,
    });
    if (result.kind === "nothing") note = result.reason;
    else entry = result.entry.id;
  }
  let updated: Task | undefined;
  if (task) {
    updated = await store.workerDone(task.id, {
      agent,
      branch,
      head,
      ...(entry ? { mergeEntry: entry } : {}),
      ...(review ? { review: true } : {}),
    });
    // A read-only role's finished task has nothing to land: it is done now.
    if (nothingNew) await store.complete(task.id, "finished (read-only role, nothing to merge)");
  }
  project.log("task.worker_done", {
    agent,
    detail: { task: task?.id, branch, head, entry, mail: message.id },
  });
  return {
    ok: true,
    branch,
    head,
    files,
    mail: message.id,
    ...(entry ? { entry } : {}),
    ...(note ? { note } : {}),
    ...(updated ? { task: updated } : {}),
  };
}

/**
 * Who hears of a passing `flotilla done`: the cockpit and every running coordinator (the
 * agent that planned the work), the sender excepted. A mail address list (`cockpit,lead`).
 */
export async function doneRecipients(project: Project, sender: string): Promise<string> {
  const state = await project.readState();
  const coordinators = state.agents
    .filter((a) => a.role === "coordinator" && a.name !== sender && isLive(a.status))
    .map((a) => a.name);
  return ["cockpit", ...coordinators].join(",");
}

/** The last `n` lines of `text`. */
export function tailLines(text: string, n: number): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return lines.slice(-n).join("\n");
}
