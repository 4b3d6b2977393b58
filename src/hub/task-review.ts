import { FlotillaError } from "../core/errors.js";
import { isLive } from "../core/mail.js";
import { findTask, recordVerdict, type Task } from "../core/tasks.js";
import { MergeQueueStore } from "../merge/queue.js";
import { lockRun, pidAlive, runLockFile, type RunLock } from "../merge/run-lock.js";
import { sendMail } from "../store/mail-store.js";
import type { Project } from "../store/project.js";
import { TaskStore } from "../store/task-store.js";

/**
 * `flotilla task review`: a reviewer's verdict on tasks whose `flotilla done` passed and
 * that need review (`task add --review`, `tasks.requireReview`). The verdicts are recorded
 * in one locked change (all of them or none). `approve` enqueues every approved branch while
 * holding the merge queue's run lock, so the queue takes them up together: one batch, gated
 * once. `changes` sends the worker the findings (it fixes, commits and runs `flotilla done`
 * again). Either way one `result` mail with the verdict and findings goes to the cockpit and
 * the running coordinators.
 */

/** How long {@link reviewTasks} waits for a merge-queue run in progress to finish, in ms. */
export const REVIEW_LOCK_WAIT_MS = 120_000;

/** What {@link reviewTasks} did: the tasks, and the merge entry each approved one became. */
export interface ReviewResult {
  tasks: Task[];
  entries: Record<string, string>;
  mail: string;
}

/**
 * Records `verdict` by `reviewer` on tasks `ids` (see the module comment).
 * @throws FlotillaError INVALID_INPUT when a task is not waiting for a review (nothing is
 *   recorded then), or the findings are empty.
 */
export async function reviewTasks(
  project: Project,
  ids: readonly string[],
  verdict: "approve" | "changes",
  reviewer: string,
  findings: string,
  now = new Date(),
): Promise<ReviewResult> {
  const text = findings.trim();
  if (text.length === 0)
    throw new FlotillaError(
      "INVALID_INPUT",
      'the findings are empty: say what you checked (--findings "…")',
    );
  const unique = [...new Set(ids)];
  const store = TaskStore.of(project.paths);
  const tasks = await store.change((board) =>
    unique.map((id) => ({ ...recordVerdict(board, id, verdict, reviewer, text, now) })),
  );
  const entries: Record<string, string> = {};
  if (verdict === "approve") {
    const lock = await waitForRunLock(project);
    try {
      const queue = new MergeQueueStore(project);
      for (const task of tasks) {
        const result = await queue.enqueue(task.assignee ?? reviewer, {
          ...(task.branch ? { branch: task.branch } : {}),
          task: task.id,
          scope: task.scope,
          now,
        });
        if (result.kind !== "nothing") entries[task.id] = result.entry.id;
      }
      await store.change((board) => {
        for (const [id, entry] of Object.entries(entries)) {
          const t = findTask(board, id);
          if (t) t.mergeEntry = entry;
        }
      });
    } finally {
      await lock?.release();
    }
  } else {
    for (const task of tasks) {
      if (!task.assignee) continue;
      await sendMail(project, {
        from: reviewer,
        to: task.assignee,
        subject: `Review of ${task.id}: changes requested`,
        body: `${text}\n\nFix it in your worktree, commit, and run flotilla done again.\n`,
        type: "error",
        priority: "high",
        payload: { task: task.id, verdict },
      }).catch(() => undefined); // a worker that is gone is retried by the loop instead
    }
  }
  const state = await project.readState();
  const coordinators = state.agents
    .filter((a) => a.role === "coordinator" && a.name !== reviewer && isLive(a.status))
    .map((a) => a.name);
  const message = await sendMail(project, {
    from: reviewer,
    to: ["cockpit", ...coordinators].join(","),
    subject: `Review ${unique.join(", ")}: ${verdict}`.slice(0, 300),
    body: `${text}\n${
      verdict === "approve"
        ? `\nEnqueued: ${Object.entries(entries)
            .map(([id, entry]) => `${id} as ${entry}`)
            .join(", ")}\n`
        : ""
    }`,
    type: "result",
    priority: "normal",
    payload: { verdict, tasks: unique, findings: text },
  });
  project.log("task.review", {
    detail: { tasks: unique, verdict, reviewer, entries, mail: message.id },
  });
  const board = await store.read();
  return {
    tasks: unique.map((id) => findTask(board, id)!),
    entries,
    mail: message.id,
  };
}

/**
 * The merge queue's run lock, once the run holding it (if any) is over; `undefined` after
 * {@link REVIEW_LOCK_WAIT_MS} (the entries are enqueued anyway, perhaps in separate batches).
 */
async function waitForRunLock(project: Project): Promise<RunLock | undefined> {
  const config = await project.readConfig();
  const file = runLockFile(new MergeQueueStore(project).paths.dir, config.targetBranch);
  const deadline = Date.now() + REVIEW_LOCK_WAIT_MS;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const lock = await lockRun(file, pidAlive);
    if (!("busy" in lock)) return lock;
    if (Date.now() + delay > deadline) return undefined;
    // A gate is running: its batch ends on its own; try again shortly.
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
