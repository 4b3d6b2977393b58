import * as z from "./zod.js";

/** Reasoning effort levels `spawn --effort` and task specs take (each CLI's own words). */
export const EFFORT_LEVELS = ["low", "medium", "high"] as const;
export const EffortLevel = z.enum(EFFORT_LEVELS);
export type EffortLevel = z.infer<typeof EffortLevel>;

/**
 * Config keys for how agents are set up, what they cost and who hears when they need you
 * (`.flotilla/config.json`: `worktree`, `costs`, `notify`). Defaults are documented in the
 * README's configuration section.
 */

/** `worktree`: what a new agent's worktree gets before its agent starts. */
export const WorktreeConfig = z.object({
  /**
   * Patterns (gitignore style: a pattern without `/` matches at any depth) of untracked or
   * ignored files in the main checkout to copy into each new worktree, e.g. `.env`; added to
   * the lines of `.worktreeinclude` at the main checkout's root.
   */
  include: z._default(z.array(z.string().check(z.minLength(1))), []),
  /** Shell command run in a new worktree before its agent first starts, e.g. `npm ci`. */
  setup: z.optional(z.string().check(z.minLength(1))),
  /** First `FLOTILLA_PORT` handed out; each agent gets the lowest free one from here. */
  portBase: z._default(z.number().check(z.int(), z.gte(1024), z.lte(65000)), 4100),
});
export type WorktreeConfig = z.infer<typeof WorktreeConfig>;

/** Dollars per million tokens for one model (or model-name prefix). */
export const ModelPrice = z.object({
  input: z.number().check(z.gte(0)),
  output: z.number().check(z.gte(0)),
  /** Writing to the prompt cache; default 1.25 × input. */
  cacheWrite: z.optional(z.number().check(z.gte(0))),
  /** Reading from the prompt cache; default 0.1 × input. */
  cacheRead: z.optional(z.number().check(z.gte(0))),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

/** `costs`: prices (merged over the built-in table by model prefix) and budgets in dollars. */
export const CostsConfig = z.object({
  prices: z._default(z.record(z.string(), ModelPrice), {}),
  /** Dollars one agent may spend; a warning at 80 %. */
  budgetPerAgent: z.optional(z.number().check(z.positive())),
  /** Dollars all agents together may spend; a warning at 80 %. */
  budgetTotal: z.optional(z.number().check(z.positive())),
  /**
   * At 100 % of a budget the agents it covers (one agent, or all for `budgetTotal`) are
   * stopped once their current turn ends (when next idle or waiting), besides the urgent
   * escalation to the human that every crossing of 100 % sends.
   */
  budgetStop: z._default(z.boolean(), false),
});
export type CostsConfig = z.infer<typeof CostsConfig>;

/**
 * `notify.alerts`: what rings the bell and shows a desktop notification (OSC 9 / 777) on the
 * terminal of an attached cockpit: urgent mail, an agent starting to wait for you (a
 * permission prompt, a question), an agent's own bell (BEL). At most one alert per agent in
 * `debounceMs` (ms), and one per wait.
 */
export const AlertsConfig = z.object({
  mail: z._default(z.boolean(), true),
  waiting: z._default(z.boolean(), true),
  bell: z._default(z.boolean(), true),
  debounceMs: z._default(z.number().check(z.int(), z.gte(0), z.lte(3_600_000)), 30_000),
});
export type AlertsConfig = z.infer<typeof AlertsConfig>;

/**
 * `notify`: a command told (JSON on stdin) when an agent starts waiting for you, and the
 * cockpit's alerts on the terminal.
 */
export const NotifyConfig = z.object({
  command: z.optional(z.string().check(z.minLength(1))),
  timeoutMs: z._default(z.number().check(z.int(), z.gte(100), z.lte(600_000)), 10_000),
  alerts: z._default(AlertsConfig, AlertsConfig.parse({})),
});
export type NotifyConfig = z.infer<typeof NotifyConfig>;
