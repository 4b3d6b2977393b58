import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ModelPrice } from "../core/agent-config.js";
import {
  claudeUsage,
  codexSession,
  priceUsage,
  type ModelUsage,
  type TokenUsage,
} from "../core/costs.js";

/**
 * Finds and reads the agent CLIs' logs for Flotilla's agents (formats in `core/costs.ts`).
 * Claude Code's folder is `$CLAUDE_CONFIG_DIR` or `~/.claude`; Codex's is `$CODEX_HOME` or
 * `~/.codex`.
 */

/** Claude Code's project folder name for `cwd`: every non-alphanumeric becomes `-`. */
export function encodeClaudeProject(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, "-");
}

/** Longer encodings are cut to this many characters plus a hash (Claude Code 2.1.197). */
const MAX_ENCODED = 200;

/** The `~/.claude/projects/<encoded>` folder of `cwd`, if it exists. */
export function claudeProjectDir(cwd: string, claudeHome: string): string | undefined {
  const projects = path.join(claudeHome, "projects");
  const encoded = encodeClaudeProject(cwd);
  if (encoded.length <= MAX_ENCODED) {
    const dir = path.join(projects, encoded);
    return existsSync(dir) ? dir : undefined;
  }
  const prefix = `${encoded.slice(0, MAX_ENCODED)}-`;
  const match = safeReaddir(projects).find((name) => name.startsWith(prefix));
  return match ? path.join(projects, match) : undefined;
}

/** What one agent has cost. */
export interface AgentCost {
  agent: string;
  runtime: string;
  models: ModelUsage[];
  tokens: TokenUsage;
  /** Dollars for the priced models. */
  dollars: number;
  /** Models with no price in the table (their tokens are counted, not their dollars). */
  unpriced: string[];
}

/** Where to look, and the prices. */
export interface CostSources {
  env?: NodeJS.ProcessEnv;
  home?: string;
  prices?: Record<string, ModelPrice>;
}

/**
 * The cost of each agent (`name`, `runtime`, `worktree`) from Claude Code's transcripts of
 * its worktree (every `*.jsonl` below the project folder, sub-agents included) and Codex's
 * sessions whose `cwd` is its worktree.
 */
export function readAgentCosts(
  agents: readonly { name: string; runtime: string; worktree: string }[],
  sources: CostSources = {},
): AgentCost[] {
  const env = sources.env ?? process.env;
  const home = sources.home ?? os.homedir();
  const claudeHome = env.CLAUDE_CONFIG_DIR || path.join(home, ".claude");
  const codexHome = env.CODEX_HOME || path.join(home, ".codex");
  const codexByCwd = readCodexSessions(path.join(codexHome, "sessions"));
  return agents.map((agent) => {
    const byModel = new Map<string, TokenUsage>();
    const dir = claudeProjectDir(agent.worktree, claudeHome);
    if (dir) {
      const seen = new Set<string>();
      for (const file of jsonlFiles(dir)) {
        for (const [model, usage] of claudeUsage(readJsonLines(file), seen)) {
          mergeInto(byModel, model, usage);
        }
      }
    }
    for (const session of codexByCwd.get(agent.worktree) ?? []) {
      mergeInto(byModel, session.model, session.usage);
    }
    const priced = priceUsage(byModel, sources.prices);
    return {
      agent: agent.name,
      runtime: agent.runtime,
      models: priced.models,
      tokens: priced.total,
      dollars: priced.dollars,
      unpriced: priced.unpriced,
    };
  });
}

function mergeInto(map: Map<string, TokenUsage>, model: string, usage: TokenUsage): void {
  const before = map.get(model);
  map.set(
    model,
    before
      ? {
          input: before.input + usage.input,
          output: before.output + usage.output,
          cacheWrite: before.cacheWrite + usage.cacheWrite,
          cacheRead: before.cacheRead + usage.cacheRead,
        }
      : usage,
  );
}

function readCodexSessions(dir: string): Map<string, ReturnType<typeof codexSession>[]> {
  const byCwd = new Map<string, ReturnType<typeof codexSession>[]>();
  for (const file of jsonlFiles(dir)) {
    const session = codexSession(readJsonLines(file));
    if (session.cwd === undefined) continue;
    const list = byCwd.get(session.cwd) ?? [];
    list.push(session);
    byCwd.set(session.cwd, list);
  }
  return byCwd;
}

/** Parsed JSON of each line of `file`; torn or non-JSON lines are skipped. */
export function* readJsonLines(file: string): Generator<unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return;
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      yield JSON.parse(line);
    } catch {
      // a line still being written, or not JSON
    }
  }
}

function jsonlFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of safeReaddir(dir)) {
    const file = path.join(dir, name);
    let stat;
    try {
      stat = statSync(file);
    } catch {
      continue;
    }
    if (stat.isDirectory()) files.push(...jsonlFiles(file));
    else if (name.endsWith(".jsonl")) files.push(file);
  }
  return files.sort();
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
