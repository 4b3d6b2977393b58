import type { AgentView, HubEvent } from "../hub/protocol.js";

/**
 * The cockpit's agent list after a hub event: `agents` replaces it, `agent` adds or replaces
 * one (new ones go last), `removed` drops one, `status` sets one's status and exit code.
 * Other events leave it as it is (the same array). Pure: never changes `agents` itself.
 */
export function applyAgentEvent(
  agents: readonly AgentView[],
  event: HubEvent,
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
      return agents.map((a) =>
        a.name !== event.name
          ? a
          : {
              ...a,
              status: event.status,
              ...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}),
            },
      );
    default:
      return agents;
  }
}

/** Agents still running (not exited or lost), e.g. for the quit question. */
export function runningAgents(agents: readonly AgentView[]): AgentView[] {
  return agents.filter((a) => a.status !== "exited" && a.status !== "lost");
}
