import type { Project } from "../store/project.js";
import type { HubBackend } from "./backend.js";
import type { HubCommand, HubEvent } from "./protocol.js";

/*
 * PLACEHOLDER for the daemon branch only: the lead's real `src/hub/hub.ts` (ptys, screens)
 * replaces this file at merge. It exists so `src/hub/main.ts` compiles and the daemon can
 * be started and stopped in tests. It runs no agents: `list` answers an empty list and
 * every other command fails with "not implemented".
 */

/** Placeholder hub: a backend with no agents. */
export class Hub implements HubBackend {
  private readonly listeners = new Set<(event: HubEvent) => void>();

  constructor(readonly project: Project) {}

  handle(command: HubCommand, _clientId: string, reply: (event: HubEvent) => void): void {
    const id = "id" in command ? command.id : undefined;
    if (command.type === "list") {
      reply({ type: "agents", agents: [] });
      if (id !== undefined) reply({ type: "result", id, ok: true, value: [] });
      return;
    }
    if (id !== undefined) {
      reply({
        type: "result",
        id,
        ok: false,
        error: `${command.type}: not implemented (placeholder hub)`,
      });
    }
  }

  subscribe(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops everything the hub runs (nothing, here). */
  dispose(): void {
    this.listeners.clear();
  }

  /** Waits until queued state writes are on disk (none, here). */
  async flush(): Promise<void> {}
}

/** Builds and starts the hub for `project` (placeholder: see the note at the top). */
export async function createHub(project: Project): Promise<Hub> {
  return new Hub(project);
}
