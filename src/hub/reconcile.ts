import type { AgentRecord, AgentStatus } from "../core/schema.js";
import type { Project } from "../store/project.js";
import { isSameProcess, type ProcessIdentity } from "./processes.js";

/**
 * Reconciling `.flotilla/state.json` with the processes that are really running. Kept apart
 * from `lifecycle.ts` (worktrees, git, runtimes) because `flotilla ls` runs it on every call
 * and needs nothing else of the lifecycle.
 */

/** Statuses of an agent whose process is not running (and will not start by itself). */
export const STOPPED_STATUSES: readonly AgentStatus[] = ["exited", "lost"];

/**
 * Tells whether the process recorded for an agent (pid and start time) is still that
 * process; injected so tests and the hub can decide. Default: {@link isSameProcess}.
 */
export type IsAlive = (agent: ProcessIdentity) => boolean;

/** The default {@link IsAlive}: the recorded pid still has the recorded start time. */
export const isRecordedProcess: IsAlive = (agent) => isSameProcess(agent);

/**
 * Marks as `lost` every agent that has a pid, is not stopped, and whose recorded process
 * `isAlive` says is gone (e.g. the hub died, or the pid now belongs to another process), and
 * clears every pid whose process is gone, so no later command can signal a reused pid.
 * Writes only when something changed. Returns the names marked lost.
 */
export async function reconcileAgents(
  project: Project,
  isAlive: IsAlive = isRecordedProcess,
  now: Date = new Date(),
): Promise<string[]> {
  const isGone = (agent: AgentRecord): boolean => agent.pid !== undefined && !isAlive(agent);
  if (!(await project.readState()).agents.some(isGone)) return [];
  const lost: string[] = [];
  await project.stateDoc.update((state) => {
    for (const agent of state.agents) {
      if (!isGone(agent)) continue;
      delete agent.pid;
      delete agent.pidStart;
      if (STOPPED_STATUSES.includes(agent.status)) continue;
      agent.status = "lost";
      agent.endedAt = now.toISOString();
      lost.push(agent.name);
    }
  });
  for (const name of lost) project.log("agent.lost", { agent: name });
  return lost;
}
