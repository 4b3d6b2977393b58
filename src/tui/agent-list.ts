import type { AgentView, HubEvent, HubEventOf } from "../hub/protocol.js";
import type { CockpitEffect } from "./views/view.js";

/**
 * What respawning `agent` does (`prefix r`, the prompt's `respawn`): a respawn request when
 * it exited or was lost, otherwise a notice saying why not.
 */
export function respawnEffect(agent: AgentView): Exclude<CockpitEffect, { type: "close" }> {
  const { name, status } = agent;
  if (status === "exited" || status === "lost")
    return { type: "request", command: { type: "respawn", name }, success: `respawning ${name}` };
  const text = `${name} is ${status}: only an exited or lost agent can be respawned`;
  return { type: "notice", level: "info", text };
}

/**
 * The cockpit's agent list after a hub event: `agents` replaces it, `agent` adds or replaces
 * one (new ones go last), `removed` drops one, `status` sets one's status and exit code.
 * Other events leave it as it is (the same array). Pure: never changes `agents` itself.
 */
export function applyAgentEvent(
  agents: readonly AgentView[],
  event: HubEvent,
  now: () => Date = () => new Date(),
): readonly AgentView[] {
  switch (event.type) {
    case "agents":
      return event.agents;
    case "agent": {
      const index = agents.findIndex((a) => a.name === event.agent.name);
      return index < 0
        ? [...agents, event.agent]
        : agents.map((a, i) => (i === index ? event.agent : a));
    }
    case "removed":
      return agents.filter((a) => a.name !== event.name);
    case "status":
      return agents.map((a) => {
        if (a.name !== event.name) return a;
        const { waitingSince, ...rest } = a;
        // Since when it waits (prefix w): kept through the wait, stamped when one begins.
        const since =
          event.status !== "waiting"
            ? undefined
            : a.status === "waiting" && waitingSince !== undefined
              ? waitingSince
              : now().toISOString();
        return {
          ...rest,
          status: event.status,
          ...(since !== undefined ? { waitingSince: since } : {}),
          ...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}),
        };
      });
    default:
      return agents;
  }
}

/** Agents still running (not exited or lost), e.g. for the quit question. */
export function runningAgents(agents: readonly AgentView[]): AgentView[] {
  return agents.filter((a) => a.status !== "exited" && a.status !== "lost");
}

/**
 * What mail marks on the chrome: agents that mailed `worker_done` (a ✔ in their title),
 * panes flagged by `error`/`escalation` mail until focused, and the cockpit's unread count.
 */
export class MailMarks {
  readonly done = new Set<string>();
  readonly alerts = new Set<string>();
  cockpitUnread = 0;

  /** Takes a hub mail summary; returns `agents` with their unread counts from it. */
  apply(
    summary: HubEventOf<"mail">["summary"],
    agents: readonly AgentView[],
    focus?: string,
  ): AgentView[] {
    this.cockpitUnread = summary.cockpitUnread;
    for (const reaction of summary.reactions) {
      if (reaction.kind === "done") this.done.add(reaction.agent);
      else if (reaction.agent !== focus) this.alerts.add(reaction.agent);
    }
    return agents.map((a) => ({ ...a, unread: summary.unread[a.name] ?? 0 }));
  }
}

/**
 * The agent that has waited for the human longest (earliest `waitingSince`; a waiting agent
 * without one counts as the newest), or `undefined` when none waits.
 */
export function longestWaiting(agents: readonly AgentView[]): string | undefined {
  const waiting = agents.filter((agent) => agent.status === "waiting");
  const since = (agent: AgentView) =>
    agent.waitingSince !== undefined ? Date.parse(agent.waitingSince) : Number.POSITIVE_INFINITY;
  return [...waiting].sort((a, b) => since(a) - since(b))[0]?.name;
}
