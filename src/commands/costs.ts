import type { Command } from "commander";
import type { CommandIo } from "./agents.js";
import { processIo } from "./agents.js";

/**
 * `flotilla costs [--json]`: tokens and dollars per agent and in total, read from the agent
 * CLIs' own logs (Claude Code's transcripts, Codex's sessions), priced from `costs.prices`
 * over the built-in table, with budgets (`costs.budgetPerAgent`, `costs.budgetTotal`).
 */
export function registerCostsCommand(program: Command, io: CommandIo = processIo): void {
  program
    .command("costs")
    .description("tokens and dollars per agent, from Claude Code's and Codex's own logs")
    .option("--json", "print JSON: agents (tokens, dollars, models) and the total")
    .addHelpText(
      "after",
      "\nPrices are dollars per million tokens by model prefix (costs.prices in .flotilla/config.json\nover the defaults); budgets warn at 80 % and 100 % (costs.budgetPerAgent, costs.budgetTotal).\nGemini CLI and OpenCode keep no log Flotilla reads yet: their agents show no tokens.",
    )
    .action(async (options: { json?: boolean }) => {
      const [{ openProject }, { readAgentCosts }, { BudgetTracker }, { sanitizeLine }] =
        await Promise.all([
          import("../store/project.js"),
          import("../store/agent-costs.js"),
          import("../core/costs.js"),
          import("../core/sanitize.js"),
        ]);
      const project = openProject(io.cwd());
      const config = await project.readConfig();
      const agents = (await project.readState()).agents;
      const costs = readAgentCosts(agents, { prices: config.costs.prices });
      const total = costs.reduce((sum, cost) => sum + cost.dollars, 0);
      const warnings = new BudgetTracker(config.costs).check(
        Object.fromEntries(costs.map((cost) => [cost.agent, cost.dollars])),
      );
      if (options.json) {
        io.out(
          JSON.stringify({ agents: costs, total: { dollars: total }, warnings }, null, 2) + "\n",
        );
        return;
      }
      if (costs.length === 0) {
        io.out("no agents yet\n");
        return;
      }
      const rows = [
        ["AGENT", "RUNTIME", "INPUT", "OUTPUT", "CACHE W", "CACHE R", "DOLLARS", "MODELS"],
      ];
      for (const cost of costs) {
        rows.push([
          sanitizeLine(cost.agent),
          sanitizeLine(cost.runtime),
          formatTokens(cost.tokens.input),
          formatTokens(cost.tokens.output),
          formatTokens(cost.tokens.cacheWrite),
          formatTokens(cost.tokens.cacheRead),
          `$${cost.dollars.toFixed(2)}${cost.unpriced.length > 0 ? "+?" : ""}`,
          cost.models.map((m) => sanitizeLine(m.model)).join(", ") || "-",
        ]);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
      for (const row of rows) {
        io.out(
          row
            .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
            .join("  ") + "\n",
        );
      }
      io.out(`total $${total.toFixed(2)}\n`);
      for (const cost of costs) {
        if (cost.unpriced.length > 0) {
          io.out(`note: no price for ${cost.unpriced.join(", ")} (add it under costs.prices)\n`);
        }
      }
      for (const warning of warnings) {
        const who = warning.scope === "total" ? "all agents" : warning.scope;
        io.err(
          `warning: ${who} spent $${warning.dollars.toFixed(2)}, ${warning.level >= 100 ? "over" : "80 % of"} the $${warning.budget.toFixed(2)} budget\n`,
        );
      }
    });
}

/** `1234` → `1.2k`, `2500000` → `2.5M`. */
export function formatTokens(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${(count / 1000).toFixed(1)}k`;
  return `${(count / 1_000_000).toFixed(1)}M`;
}
