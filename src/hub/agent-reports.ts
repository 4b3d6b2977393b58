import type { AgentStatus } from "../core/schema.js";
import { AgentEventsWatcher, conversationPatch } from "./agent-events.js";
import { NeedsYou } from "./needs-you.js";
import type { HubContext, HubRunner } from "./runner.js";

/**
 * The hub runner for what agents say about themselves and who needs you: follows
 * `.flotilla/agent-events/` (lines `flotilla hook` appends for Claude Code's hooks and
 * Codex's notify), hands each reported status to the agent's pane and records the
 * conversation id it carries (confirmed, so `respawn` resumes it); and on every status
 * change keeps `waitingSince` in the agent's record and runs `notify.command` once per wait.
 */
export class AgentReportsRunner implements HubRunner {
  readonly name = "agent-reports";
  private events: AgentEventsWatcher | undefined;
  private needsYou: NeedsYou | undefined;
  private context: HubContext | undefined;

  async start(context: HubContext): Promise<void> {
    this.context = context;
    this.needsYou = new NeedsYou({
      project: context.project.root,
      config: () => context.config().notify,
      onError: (text) => {
        context.project.log("notify.failed", { detail: { error: text } });
        context.notify(text);
      },
    });
    this.events = new AgentEventsWatcher(context.project.paths.dir, (name, event) => {
      const agent = context.agents().find((view) => view.name === name);
      const patch = agent ? conversationPatch(agent, event) : undefined;
      if (patch) context.updateAgent(name, patch);
      if (event.reason !== undefined) this.needsYou?.noteReason(name, event.reason);
      if (event.status !== undefined) context.reportStatus(name, event.status);
    });
    await this.events.start(context.watcher);
  }

  onAgentStatus(name: string, status: AgentStatus): void {
    const began = this.needsYou?.onStatus(name, status);
    const agent = this.context?.agents().find((view) => view.name === name);
    if (began !== undefined) {
      this.context?.updateAgent(name, { waitingSince: new Date(began).toISOString() });
    } else if (status !== "waiting" && agent?.waitingSince !== undefined) {
      this.context?.updateAgent(name, { waitingSince: undefined });
    }
  }

  dispose(): void {
    this.events?.dispose();
  }
}
