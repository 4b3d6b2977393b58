import { BudgetTracker, formatDollars, type BudgetWarning } from "../core/costs.js";
import { describeError } from "../core/errors.js";
import { COCKPIT } from "../core/mail.js";
import type { AgentStatus } from "../core/schema.js";
import { CostMeter, type CostSources } from "../store/agent-costs.js";
import { MailStore } from "../store/mail-store.js";
import type { AgentView } from "./protocol.js";
import type { HubContext, HubRunner } from "./runner.js";

/** How often, in ms, the costs of agents that are working are re-read (30 s). */
export const COSTS_REFRESH_MS = 30_000;

/** The sender of the budget escalations the costs runner mails to the cockpit. */
export const BUDGET_SENDER = "budget";

/** Options of a {@link CostsRunner} (tests shorten the timer and point at their logs). */
export interface CostsRunnerOptions {
  /** ms between re-reads of working agents' logs; default {@link COSTS_REFRESH_MS}. */
  refreshMs?: number;
  /** Where the CLIs' logs are (default: `$HOME`, `$CLAUDE_CONFIG_DIR`, `$CODEX_HOME`). */
  sources?: Omit<CostSources, "prices">;
}

/**
 * The hub runner for what agents cost: keeps each agent's dollars (from its CLI's own logs,
 * read incrementally by a `CostMeter`) on its `AgentView` (`dollars`: pane titles and the
 * status bar show them), and watches the budgets (`costs.budgetPerAgent`, `budgetTotal`).
 *
 * Logs are re-read when an agent's turn ends (it turns idle or waiting, or exits) and, for
 * agents still working, every `refreshMs`; never per frame, and with no timer work while no
 * agent works. Each budget crossing is said once: 80 % as a notice; 100 % as an error notice
 * and an urgent `escalation` mail to the cockpit. With `costs.budgetStop`, an agent over its
 * budget (or every agent, over `budgetTotal`) is stopped when its current turn ends, with
 * a notice saying so; its worktree, branch and task claim stay.
 */
export class CostsRunner implements HubRunner {
  readonly name = "costs";
  private context: HubContext | undefined;
  private meter: CostMeter | undefined;
  private budgets: BudgetTracker | undefined;
  /** Dollars per agent, as last read. */
  private readonly dollars = new Map<string, number>();
  /** Agents to stop at the end of their turn (over budget with `budgetStop`), and why. */
  private readonly toStop = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly options: CostsRunnerOptions = {}) {}

  start(context: HubContext): Promise<void> {
    this.context = context;
    this.meter = new CostMeter(this.options.sources ?? {});
    // The first read (whole logs) after the hub's start, not in its way; budgets are checked
    // from the first turn that ends.
    this.first = setTimeout(() => this.refresh(context.agents(), false), 0);
    this.timer = setInterval(() => {
      const working = context.agents().filter((agent) => agent.status === "working");
      if (working.length > 0) this.refresh(working, true);
    }, this.options.refreshMs ?? COSTS_REFRESH_MS);
    this.timer.unref();
    return Promise.resolve();
  }

  onAgentStatus(name: string, status: AgentStatus): void {
    if (status !== "idle" && status !== "waiting" && status !== "exited") return;
    const agent = this.context?.agents().find((view) => view.name === name);
    if (agent) this.refresh([agent], true);
    if (status === "exited") this.toStop.delete(name);
    else this.stopDue();
  }

  decorateAgent(view: AgentView): AgentView {
    const dollars = this.dollars.get(view.name);
    return dollars === undefined ? view : { ...view, dollars };
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.first);
    clearInterval(this.timer);
  }

  /**
   * Re-reads the costs of `agents`; tells clients of each whose shown cost changed; with
   * `checkBudgets`, reports budget crossings.
   */
  private refresh(agents: readonly AgentView[], checkBudgets: boolean): void {
    const context = this.context;
    if (!context || !this.meter || this.disposed || agents.length === 0) return;
    const costs = context.config().costs;
    let read;
    try {
      read = this.meter.read(agents, costs.prices);
    } catch (error) {
      context.notify(`costs: ${describeError(error)}`);
      return;
    }
    for (const cost of read) {
      const before = this.dollars.get(cost.agent);
      this.dollars.set(cost.agent, cost.dollars);
      if (formatDollars(before) === formatDollars(cost.dollars)) continue;
      const view = context.agents().find((agent) => agent.name === cost.agent);
      if (view) context.broadcast({ type: "agent", agent: view });
    }
    if (checkBudgets && (costs.budgetPerAgent ?? costs.budgetTotal) !== undefined) {
      this.budgets ??= new BudgetTracker(costs);
      for (const warning of this.budgets.check(Object.fromEntries(this.dollars))) {
        this.report(warning, costs.budgetStop);
      }
      this.stopDue();
    }
  }

  /** Says one budget crossing; at 100 %, escalates it and (with `stop`) schedules stops. */
  private report(warning: BudgetWarning, stop: boolean): void {
    const context = this.context;
    if (!context) return;
    const who = warning.scope === "total" ? "all agents" : warning.scope;
    const over = warning.level >= 100;
    const spent = `${who} spent $${warning.dollars.toFixed(2)}, ${over ? "over" : "80 % of"} $${warning.budget.toFixed(2)}`;
    context.project.log("budget.warning", { detail: { ...warning } });
    context.broadcast({ type: "notice", level: over ? "error" : "info", text: `budget: ${spent}` });
    if (!over) return;
    const covered =
      warning.scope === "total"
        ? context.agents().filter((agent) => agent.status !== "exited" && agent.status !== "lost")
        : context.agents().filter((agent) => agent.name === warning.scope);
    if (stop) for (const agent of covered) this.toStop.set(agent.name, spent);
    const names = covered.map((agent) => agent.name).join(", ") || "no running agent";
    const then = stop
      ? `Flotilla stops ${names} when the current turn ends (costs.budgetStop); flotilla respawn resumes.`
      : `${names} keep running: flotilla kill <name> stops one, or set costs.budgetStop.`;
    void new MailStore(context.project.paths.mail)
      .send(
        {
          from: BUDGET_SENDER,
          to: COCKPIT,
          subject: `Budget: ${spent}`,
          body: `${spent} (costs in .flotilla/config.json).\n${then}\nflotilla costs shows the spending per agent.`,
          type: "escalation",
          priority: "urgent",
          payload: { ...warning, agents: covered.map((agent) => agent.name), stop },
        },
        [COCKPIT],
      )
      .catch((error: unknown) => context.notify(`budget escalation: ${describeError(error)}`));
  }

  /** Stops each agent due to stop whose turn has ended (idle or waiting). */
  private stopDue(): void {
    const context = this.context;
    if (!context) return;
    for (const [name, spent] of this.toStop) {
      const agent = context.agents().find((view) => view.name === name);
      if (!agent || agent.status === "exited" || agent.status === "lost") {
        this.toStop.delete(name);
        continue;
      }
      if (agent.status !== "idle" && agent.status !== "waiting") continue;
      this.toStop.delete(name);
      context.project.log("budget.stop", { agent: name, detail: { spent } });
      context.broadcast({
        type: "notice",
        level: "error",
        text: `budget: stopped ${name} after its turn (${spent}; costs.budgetStop)`,
      });
      context
        .stopAgent(name)
        .catch((error: unknown) =>
          context.notify(`budget stop of ${name}: ${describeError(error)}`),
        );
    }
  }
}
