import * as z from "zod";

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
  include: z.array(z.string().min(1)).default([]),
  /** Shell command run in a new worktree before its agent first starts, e.g. `npm ci`. */
  setup: z.string().min(1).optional(),
  /** First `FLOTILLA_PORT` handed out; each agent gets the lowest free one from here. */
  portBase: z.number().int().min(1024).max(65000).default(4100),
});
export type WorktreeConfig = z.infer<typeof WorktreeConfig>;

/** Dollars per million tokens for one model (or model-name prefix). */
export const ModelPrice = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
  /** Writing to the prompt cache; default 1.25 × input. */
  cacheWrite: z.number().min(0).optional(),
  /** Reading from the prompt cache; default 0.1 × input. */
  cacheRead: z.number().min(0).optional(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

/** `costs`: prices (merged over the built-in table by model prefix) and budgets in dollars. */
export const CostsConfig = z.object({
  prices: z.record(z.string(), ModelPrice).default({}),
  /** Dollars one agent may spend; a warning at 80 %. */
  budgetPerAgent: z.number().positive().optional(),
  /** Dollars all agents together may spend; a warning at 80 %. */
  budgetTotal: z.number().positive().optional(),
  /**
   * At 100 % of a budget the agents it covers (one agent, or all for `budgetTotal`) are
   * stopped once their current turn ends (when next idle or waiting), besides the urgent
   * escalation to the human that every crossing of 100 % sends.
   */
  budgetStop: z.boolean().default(false),
});
export type CostsConfig = z.infer<typeof CostsConfig>;

/**
 * `notify.alerts`: what rings the bell and shows a desktop notification (OSC 9 / 777) on the
 * terminal of an attached cockpit: urgent mail, an agent starting to wait for you (a
 * permission prompt, a question), an agent's own bell (BEL). At most one alert per agent in
 * `debounceMs` (ms), and one per wait.
 */
export const AlertsConfig = z.object({
  mail: z.boolean().default(true),
  waiting: z.boolean().default(true),
  bell: z.boolean().default(true),
  debounceMs: z.number().int().min(0).max(3_600_000).default(30_000),
});
export type AlertsConfig = z.infer<typeof AlertsConfig>;

/**
 * `notify`: a command told (JSON on stdin) when an agent starts waiting for you, and the
 * cockpit's alerts on the terminal.
 */
export const NotifyConfig = z.object({
  command: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  alerts: AlertsConfig.default(AlertsConfig.parse({})),
});
export type NotifyConfig = z.infer<typeof NotifyConfig>;
