import type { CostsConfig, ModelPrice } from "./agent-config.js";

/**
 * Tokens and dollars from the agent CLIs' own logs (pure: the lines come in as parsed JSON).
 *
 * - Claude Code writes one JSON object per line to `~/.claude/projects/<encoded cwd>/
 *   <session>.jsonl`; an assistant line carries `message.id`, `message.model` and
 *   `message.usage` (`input_tokens`, `output_tokens`, `cache_creation_input_tokens`,
 *   `cache_read_input_tokens`) and a top-level `requestId`. One API response is logged once
 *   per content block, so lines are deduplicated on `message.id` + `requestId`, as ccusage
 *   does; sidechain (sub-agent) lines are real spending and count.
 * - Codex writes `~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`: a `session_meta` line
 *   (`payload.cwd`, `payload.id`), `turn_context` lines (`payload.model`) and `event_msg`
 *   lines whose `payload.type` is `token_count` with `payload.info.total_token_usage`
 *   (`input_tokens`, `cached_input_tokens` (part of the input), `output_tokens`); the last
 *   total is the session's.
 */

/** Token counts. `input` excludes cache reads and writes. */
export interface TokenUsage {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

/** Usage of one model, with its price in dollars (`undefined` when the model has no price). */
export interface ModelUsage extends TokenUsage {
  model: string;
  dollars: number | undefined;
}

export const ZERO_USAGE: TokenUsage = { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 };

/**
 * Default prices in dollars per million tokens, by model-name prefix (the longest matching
 * prefix wins), as the vendors list them for their API in 2025. `costs.prices` in config
 * is merged over these. Cache writes default to 1.25 × input and reads to 0.1 × input.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  "claude-opus-4-0": { input: 15, output: 75 },
  "claude-opus-4-1": { input: 15, output: 75 },
  "claude-opus-4-2025": { input: 15, output: 75 },
  "claude-opus": { input: 5, output: 25 },
  "claude-sonnet": { input: 3, output: 15 },
  "claude-3-7-sonnet": { input: 3, output: 15 },
  "claude-3-5-sonnet": { input: 3, output: 15 },
  "claude-haiku": { input: 1, output: 5 },
  "claude-3-5-haiku": { input: 0.8, output: 4 },
  "claude-3-haiku": { input: 0.25, output: 1.25 },
  "gpt-5": { input: 1.25, output: 10, cacheRead: 0.125 },
  "gpt-5-mini": { input: 0.25, output: 2, cacheRead: 0.025 },
  "gpt-5-nano": { input: 0.05, output: 0.4, cacheRead: 0.005 },
  "gpt-4.1": { input: 2, output: 8, cacheRead: 0.5 },
  o3: { input: 2, output: 8, cacheRead: 0.5 },
  "o4-mini": { input: 1.1, output: 4.4, cacheRead: 0.275 },
  "codex-mini": { input: 1.5, output: 6, cacheRead: 0.375 },
  "gemini-2.5-pro": { input: 1.25, output: 10, cacheRead: 0.31 },
  "gemini-2.5-flash": { input: 0.3, output: 2.5, cacheRead: 0.075 },
};

/** The price of `model`: the longest prefix of it in `prices` merged over the defaults. */
export function priceFor(
  model: string,
  prices: Readonly<Record<string, ModelPrice>> = {},
): ModelPrice | undefined {
  const table = { ...DEFAULT_PRICES, ...prices };
  let best: string | undefined;
  for (const prefix of Object.keys(table)) {
    if (model.startsWith(prefix) && (best === undefined || prefix.length > best.length)) {
      best = prefix;
    }
  }
  return best === undefined ? undefined : table[best];
}

/** Dollars for `usage` at `price` (per million tokens). */
export function dollarsFor(usage: TokenUsage, price: ModelPrice): number {
  const cacheWrite = price.cacheWrite ?? price.input * 1.25;
  const cacheRead = price.cacheRead ?? price.input * 0.1;
  return (
    (usage.input * price.input +
      usage.output * price.output +
      usage.cacheWrite * cacheWrite +
      usage.cacheRead * cacheRead) /
    1_000_000
  );
}

function add(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    cacheRead: a.cacheRead + b.cacheRead,
  };
}

const num = (value: unknown): number =>
  typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Token usage by model from Claude Code transcript lines (already parsed; anything that is
 * not an assistant line with usage is skipped). `seen` carries the `message.id:requestId`
 * keys across files so a response logged in two files counts once.
 */
export function claudeUsage(
  lines: Iterable<unknown>,
  seen: Set<string> = new Set(),
): Map<string, TokenUsage> {
  const byModel = new Map<string, TokenUsage>();
  for (const line of lines) {
    if (!isObject(line) || !isObject(line.message) || !isObject(line.message.usage)) continue;
    const { message } = line;
    const usage = message.usage as Record<string, unknown>;
    const id = typeof message.id === "string" ? message.id : undefined;
    const request = typeof line.requestId === "string" ? line.requestId : undefined;
    if (id !== undefined && request !== undefined) {
      const key = `${id}:${request}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    const model = typeof message.model === "string" ? message.model : "unknown";
    if (model === "<synthetic>") continue; // Claude Code's own placeholder messages
    const tokens: TokenUsage = {
      input: num(usage.input_tokens),
      output: num(usage.output_tokens),
      cacheWrite: num(usage.cache_creation_input_tokens),
      cacheRead: num(usage.cache_read_input_tokens),
    };
    byModel.set(model, add(byModel.get(model) ?? ZERO_USAGE, tokens));
  }
  return byModel;
}

/** What one Codex session log says: its working directory, model and token totals. */
export interface CodexSession {
  cwd: string | undefined;
  id: string | undefined;
  model: string;
  usage: TokenUsage;
}

/**
 * Reads one Codex rollout file's lines: the last `token_count` total is the session's
 * usage; cached input is part of `input_tokens` in Codex's counts, so it is moved to
 * `cacheRead`.
 */
export function codexSession(lines: Iterable<unknown>): CodexSession {
  return updateCodexSession(
    { cwd: undefined, id: undefined, model: "unknown", usage: ZERO_USAGE },
    lines,
  );
}

/**
 * `session` (as {@link codexSession} made it from a file's earlier lines) updated in place
 * with the file's next `lines`, for reading a growing rollout file incrementally. Returns
 * `session`.
 */
export function updateCodexSession(session: CodexSession, lines: Iterable<unknown>): CodexSession {
  for (const line of lines) {
    if (!isObject(line) || !isObject(line.payload)) continue;
    const payload = line.payload;
    if (line.type === "session_meta") {
      if (typeof payload.cwd === "string") session.cwd = payload.cwd;
      if (typeof payload.id === "string") session.id = payload.id;
    } else if (line.type === "turn_context" && typeof payload.model === "string") {
      session.model = payload.model;
    } else if (
      line.type === "event_msg" &&
      payload.type === "token_count" &&
      isObject(payload.info) &&
      isObject(payload.info.total_token_usage)
    ) {
      const total = payload.info.total_token_usage;
      const cached = num(total.cached_input_tokens);
      session.usage = {
        input: Math.max(0, num(total.input_tokens) - cached),
        output: num(total.output_tokens),
        cacheWrite: 0,
        cacheRead: cached,
      };
    }
  }
  return session;
}

/** Per-model usage priced: one {@link ModelUsage} per model, and the sum. */
export function priceUsage(
  byModel: ReadonlyMap<string, TokenUsage>,
  prices: Readonly<Record<string, ModelPrice>> = {},
): { models: ModelUsage[]; total: TokenUsage; dollars: number; unpriced: string[] } {
  const models: ModelUsage[] = [];
  let total = ZERO_USAGE;
  let dollars = 0;
  const unpriced: string[] = [];
  for (const [model, usage] of [...byModel.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const price = priceFor(model, prices);
    const cost = price ? dollarsFor(usage, price) : undefined;
    if (cost === undefined) unpriced.push(model);
    else dollars += cost;
    models.push({ model, ...usage, dollars: cost });
    total = add(total, usage);
  }
  return { models, total, dollars, unpriced };
}

/** A budget crossing: `scope` is an agent's name or `total`. */
export interface BudgetWarning {
  scope: string;
  /** 80 or 100 (percent of the budget). */
  level: 80 | 100;
  dollars: number;
  budget: number;
}

/**
 * Remembers which budget levels were crossed, so each crossing is reported once:
 * {@link check} returns the warnings new since the last call.
 */
export class BudgetTracker {
  private readonly reported = new Set<string>();

  constructor(private readonly config: Pick<CostsConfig, "budgetPerAgent" | "budgetTotal">) {}

  /** `perAgent` dollars by agent name; returns the crossings not reported before. */
  check(perAgent: Readonly<Record<string, number>>): BudgetWarning[] {
    const warnings: BudgetWarning[] = [];
    const consider = (scope: string, dollars: number, budget: number | undefined): void => {
      if (budget === undefined) return;
      for (const level of [80, 100] as const) {
        const key = `${scope}:${level}`;
        if (dollars >= (budget * level) / 100 && !this.reported.has(key)) {
          this.reported.add(key);
          warnings.push({ scope, level, dollars, budget });
        }
      }
    };
    let total = 0;
    for (const [agent, dollars] of Object.entries(perAgent)) {
      total += dollars;
      consider(agent, dollars, this.config.budgetPerAgent);
    }
    consider("total", total, this.config.budgetTotal);
    return warnings;
  }
}

/**
 * Dollars as a pane title shows them, compact: `$0.42`, `$12.30`, `$123` (no cents from
 * $100), `<$0.01` for a spend that rounds to nothing; `undefined` for none (0 or unknown).
 */
export function formatDollars(dollars: number | undefined): string | undefined {
  if (dollars === undefined || !(dollars > 0)) return undefined;
  if (dollars < 0.005) return "<$0.01";
  if (dollars < 100) return `$${dollars.toFixed(2)}`;
  return `$${Math.round(dollars)}`;
}
