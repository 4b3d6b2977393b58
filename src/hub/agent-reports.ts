import { BudgetTracker } from "../core/costs.js";
import type { AgentStatus } from "../core/schema.js";
import { readAgentCosts } from "../store/agent-costs.js";
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
  private budgets: BudgetTracker | undefined;
  private readonly spent: Record<string, number> = {};

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
    if (status === "idle" || status === "waiting") this.checkBudget(name);
    const began = this.needsYou?.onStatus(name, status);
    const agent = this.context?.agents().find((view) => view.name === name);
    if (began !== undefined) {
      this.context?.updateAgent(name, { waitingSince: new Date(began).toISOString() });
    } else if (status !== "waiting" && agent?.waitingSince !== undefined) {
      this.context?.updateAgent(name, { waitingSince: undefined });
    }
  }

  /**
   * At the end of a turn, re-reads the agent's spending (only when a budget is set: reading
   * transcripts is not free) and warns once per crossing of 80 % and 100 %.
   */
  private checkBudget(name: string): void {
    const context = this.context;
    const costs = context?.config().costs;
    if (!context || !costs || (costs.budgetPerAgent ?? costs.budgetTotal) === undefined) return;
    const agent = context.agents().find((view) => view.name === name);
    if (!agent) return;
    this.budgets ??= new BudgetTracker(costs);
    const [cost] = readAgentCosts([agent], { prices: costs.prices });
    this.spent[name] = cost?.dollars ?? 0;
    for (const warning of this.budgets.check(this.spent)) {
      const who = warning.scope === "total" ? "all agents" : warning.scope;
      const text = `budget: ${who} spent $${warning.dollars.toFixed(2)}, ${warning.level >= 100 ? "over" : "80 % of"} $${warning.budget.toFixed(2)}`;
      context.project.log("budget.warning", { detail: { ...warning } });
      context.broadcast({ type: "notice", level: warning.level >= 100 ? "error" : "info", text });
    }
  }

  dispose(): void {
    this.events?.dispose();
  }
}
