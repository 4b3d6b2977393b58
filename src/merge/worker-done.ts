import type { MergeConfig } from "../core/merge-queue.js";
import { checkMailboxName } from "../core/mail.js";
import { MailStore } from "../store/mail-store.js";
import type { Project } from "../store/project.js";
import { MergeQueueStore, type EnqueueResult } from "./queue.js";
import { QUEUE_SENDER } from "./run.js";

/**
 * `payload.via` of the `worker_done` that `flotilla done` sends. `done` enqueues the branch
 * itself, or leaves it to a reviewer's approval, so the queue must not act on that mail:
 * it may reach the cockpit's inbox before `done` has recorded either.
 */
export const VIA_DONE = "flotilla done";

/**
 * What the queue does when an agent's `worker_done` mail arrives (`merge.onWorkerDone`):
 * with `enqueue`, its branch is enqueued at its tip (the payload's branch and task win over
 * the agent's record); an agent whose branch has nothing the target lacks is answered by
 * mail saying so, and nothing is enqueued. With `off`, or for a mail sent by `flotilla done`
 * (`payload.via` {@link VIA_DONE}), nothing happens.
 * Returns what was done, or `undefined` when nothing was.
 * @throws FlotillaError INVALID_INPUT when the branch does not exist (the caller reports it).
 */
export async function enqueueOnWorkerDone(
  project: Project,
  mode: MergeConfig["onWorkerDone"],
  agent: string,
  payload: unknown,
): Promise<EnqueueResult | undefined> {
  if (mode === "off") return undefined;
  const fields = (typeof payload === "object" && payload !== null ? payload : {}) as {
    branch?: unknown;
    task?: unknown;
    via?: unknown;
  };
  if (fields.via === VIA_DONE) return undefined;
  const result = await new MergeQueueStore(project).enqueue(agent, {
    ...(typeof fields.branch === "string" && fields.branch.length > 0
      ? { branch: fields.branch }
      : {}),
    ...(typeof fields.task === "string" && fields.task.length > 0 ? { task: fields.task } : {}),
  });
  if (result.kind === "nothing" && checkMailboxName(agent) === undefined) {
    await new MailStore(project.paths.mail).send(
      {
        from: QUEUE_SENDER,
        to: agent,
        subject: "Nothing to merge",
        body: `Your worker_done arrived, but ${result.reason}. Commit your work on your branch, then send worker_done again (or run \`flotilla merge enqueue ${agent}\`).\n`,
        type: "merge_failed",
        priority: "high",
        payload: { state: "nothing", reason: result.reason },
      },
      [agent],
    );
  }
  return result;
}
