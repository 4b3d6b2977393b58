import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ModelPrice } from "../core/agent-config.js";
import { checkAgentName } from "../core/names.js";
import {
  claudeUsage,
  codexSession,
  priceUsage,
  updateCodexSession,
  type CodexSession,
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

/** The agent fields a cost is read for. */
export interface CostedAgent {
  name: string;
  runtime: string;
  /** Absolute path: transcripts are found by it. */
  worktree: string;
}

/**
 * The cost of each agent (`name`, `runtime`, `worktree`) from Claude Code's transcripts of
 * its worktree (every `*.jsonl` below the project folder, sub-agents included) and Codex's
 * sessions whose `cwd` is its worktree. Reads every log whole (see {@link CostMeter} for
 * reading them as they grow).
 */
export function readAgentCosts(
  agents: readonly CostedAgent[],
  sources: CostSources = {},
): AgentCost[] {
  return new CostMeter(sources).read(agents);
}

/** What a meter has read of one growing log file. */
interface FileCursor {
  /** Bytes read so far (up to a newline: a line still being written is read again). */
  offset: number;
  /** The file's inode and size when last read: another inode or a smaller size is a rewrite. */
  ino: number;
}

/** An agent's Claude Code usage so far: the response keys counted, and tokens by model. */
interface ClaudeTally {
  seen: Set<string>;
  byModel: Map<string, TokenUsage>;
  files: Map<string, FileCursor>;
}

/**
 * Reads the agent CLIs' logs incrementally: each call to {@link read} reads only the bytes
 * appended to each log since the last call (a file that shrank or was replaced is read
 * again from the start), so the hub can keep costs current for the price of a `stat` per
 * log. The totals are the same as {@link readAgentCosts} gives for the same files.
 */
export class CostMeter {
  private readonly claudeHome: string;
  private readonly codexSessions: string;
  private readonly claude = new Map<string, ClaudeTally>();
  private readonly codex = new Map<string, { cursor: FileCursor; session: CodexSession }>();

  constructor(private readonly sources: CostSources = {}) {
    const env = sources.env ?? process.env;
    const home = sources.home ?? os.homedir();
    this.claudeHome = env.CLAUDE_CONFIG_DIR || path.join(home, ".claude");
    this.codexSessions = path.join(env.CODEX_HOME || path.join(home, ".codex"), "sessions");
  }

  /**
   * The cost of each of `agents` as their logs say now; `prices` (default the meter's)
   * are dollars per million tokens by model prefix over the built-in table.
   */
  read(
    agents: readonly CostedAgent[],
    prices: CostSources["prices"] = this.sources.prices,
  ): AgentCost[] {
    const codexByCwd = this.readCodex();
    return agents.map((agent) => {
      const byModel = new Map<string, TokenUsage>();
      for (const [model, usage] of this.readClaude(agent.worktree))
        mergeInto(byModel, model, usage);
      for (const session of codexByCwd.get(agent.worktree) ?? []) {
        mergeInto(byModel, session.model, session.usage);
      }
      const priced = priceUsage(byModel, prices);
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

  /** Claude Code's usage by model for `worktree`, after reading what its transcripts gained. */
  private readClaude(worktree: string): ReadonlyMap<string, TokenUsage> {
    const dir = claudeProjectDir(worktree, this.claudeHome);
    if (!dir) return new Map();
    const fresh = (): ClaudeTally => ({ seen: new Set(), byModel: new Map(), files: new Map() });
    const known = this.claude.get(worktree);
    const files = jsonlFiles(dir);
    // A transcript rewritten or gone: its counted lines cannot be taken back, so count anew.
    const stale =
      known !== undefined &&
      ([...known.files.keys()].some((file) => !files.includes(file)) ||
        files.some((file) => isRewritten(file, known.files.get(file))));
    const tally = known === undefined || stale ? fresh() : known;
    this.claude.set(worktree, tally);
    for (const file of files) {
      const cursor = tally.files.get(file) ?? { offset: 0, ino: 0 };
      tally.files.set(file, cursor);
      for (const [model, usage] of claudeUsage(readNewLines(file, cursor), tally.seen)) {
        mergeInto(tally.byModel, model, usage);
      }
    }
    return tally.byModel;
  }

  /** Every Codex session by its `cwd`, after reading what the rollout files gained. */
  private readCodex(): Map<string, CodexSession[]> {
    const files = jsonlFiles(this.codexSessions);
    const byCwd = new Map<string, CodexSession[]>();
    for (const file of files) {
      let entry = this.codex.get(file);
      if (!entry || isRewritten(file, entry.cursor)) {
        entry = { cursor: { offset: 0, ino: 0 }, session: codexSession([]) };
        this.codex.set(file, entry);
      }
      updateCodexSession(entry.session, readNewLines(file, entry.cursor));
      const { cwd } = entry.session;
      if (cwd === undefined) continue;
      byCwd.set(cwd, [...(byCwd.get(cwd) ?? []), entry.session]);
    }
    for (const file of this.codex.keys()) if (!files.includes(file)) this.codex.delete(file);
    return byCwd;
  }
}

/** True when `file` is no longer what `cursor` read (another inode, or shorter). */
function isRewritten(file: string, cursor: FileCursor | undefined): boolean {
  if (!cursor || cursor.offset === 0) return false;
  try {
    const stat = statSync(file);
    return stat.ino !== cursor.ino || stat.size < cursor.offset;
  } catch {
    return true;
  }
}

/**
 * Parsed JSON of each line `file` gained since `cursor` (which is moved on). A last line
 * without its newline is read again next time unless it already parses (a file whose
 * writer left off the final newline); other non-JSON lines are skipped.
 */
function readNewLines(file: string, cursor: FileCursor): unknown[] {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const stat = statSync(file);
    if (stat.size === cursor.offset) return [];
    const length = Math.max(0, stat.size - cursor.offset);
    const buffer = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, cursor.offset + read);
      if (n === 0) break;
      read += n;
    }
    // Cut at the last newline so a multi-byte character is never split between reads.
    const end = read === length ? buffer.lastIndexOf(0x0a, read - 1) + 1 : 0;
    const lines = parseLines(buffer.subarray(0, end).toString("utf8"));
    const tail = parseLine(buffer.subarray(end, read).toString("utf8"));
    cursor.offset += tail === undefined ? end : read;
    cursor.ino = stat.ino;
    if (tail !== undefined) lines.push(tail);
    return lines;
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function parseLines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split("\n")) {
    const value = parseLine(line);
    if (value !== undefined) out.push(value);
  }
  return out;
}

function parseLine(line: string): unknown {
  if (line.trim() === "") return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined; // a line still being written, or not JSON
  }
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

/** What a task's agents have cost: each agent that worked on it, and the sum. */
export interface TaskCost {
  dollars: number;
  tokens: TokenUsage;
  /** Agents that ran the task (current and earlier attempts), with what each spent. */
  agents: { agent: string; dollars: number }[];
  /** Models with no price in the table among those agents' logs. */
  unpriced: string[];
}

/**
 * The cost of each task on the board, by task id: the agents recorded on the task (its
 * `assignee`, every agent named in its history, agents whose record says `task`), each read
 * from its worktree's logs. An agent removed since (e.g. after its merge) is still found:
 * its worktree path (`worktreesDir/<name>`) is what its logs are filed under.
 */
export function readTaskCosts(
  tasks: readonly { id: string; assignee?: string; history: readonly { agent?: string }[] }[],
  agents: readonly (CostedAgent & { task?: string })[],
  worktreesDir: string,
  sources: CostSources = {},
): Map<string, TaskCost> {
  const byName = new Map(agents.map((agent) => [agent.name, agent]));
  const namesOf = (task: (typeof tasks)[number]): string[] => {
    const names = new Set<string>();
    if (task.assignee) names.add(task.assignee);
    for (const note of task.history) if (note.agent) names.add(note.agent);
    for (const agent of agents) if (agent.task === task.id) names.add(agent.name);
    // Only names that can be agents' folders (history may name the human).
    return [...names].filter((name) => checkAgentName(name) === undefined);
  };
  const wanted = new Map<string, CostedAgent>();
  for (const task of tasks) {
    for (const name of namesOf(task)) {
      wanted.set(
        name,
        byName.get(name) ?? { name, runtime: "", worktree: path.join(worktreesDir, name) },
      );
    }
  }
  const costs = new Map(readAgentCosts([...wanted.values()], sources).map((c) => [c.agent, c]));
  const result = new Map<string, TaskCost>();
  for (const task of tasks) {
    const cost: TaskCost = {
      dollars: 0,
      tokens: { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 },
      agents: [],
      unpriced: [],
    };
    for (const name of namesOf(task)) {
      const spent = costs.get(name);
      if (!spent || (spent.models.length === 0 && spent.dollars === 0)) continue;
      cost.dollars += spent.dollars;
      cost.tokens = {
        input: cost.tokens.input + spent.tokens.input,
        output: cost.tokens.output + spent.tokens.output,
        cacheWrite: cost.tokens.cacheWrite + spent.tokens.cacheWrite,
        cacheRead: cost.tokens.cacheRead + spent.tokens.cacheRead,
      };
      cost.agents.push({ agent: name, dollars: spent.dollars });
      for (const model of spent.unpriced)
        if (!cost.unpriced.includes(model)) cost.unpriced.push(model);
    }
    result.set(task.id, cost);
  }
  return result;
}
