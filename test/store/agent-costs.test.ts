import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BudgetTracker, formatDollars, priceFor } from "../../src/core/costs.js";
import {
  CostMeter,
  claudeProjectDir,
  encodeClaudeProject,
  readAgentCosts,
} from "../../src/store/agent-costs.js";
import { makeRepo, runCli } from "../e2e/harness.js";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/transcripts");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A HOME holding the fixture transcripts of an agent working in `worktree`. */
function homeWithLogs(worktree: string): string {
  const home = mkdtempSync(path.join(os.tmpdir(), "flotilla-costs-home-"));
  dirs.push(home);
  const fill = (name: string) =>
    readFileSync(path.join(FIXTURES, name), "utf8").replaceAll("__WORKTREE__", worktree);
  const project = path.join(home, ".claude", "projects", encodeClaudeProject(worktree));
  mkdirSync(path.join(project, "5b1f0c8e", "subagents"), { recursive: true });
  writeFileSync(
    path.join(project, "5b1f0c8e-2a7d-4e61-9c3b-8f4d2e6a1b70.jsonl"),
    fill("claude-session.jsonl"),
  );
  writeFileSync(
    path.join(project, "5b1f0c8e", "subagents", "agent-1.jsonl"),
    fill("claude-subagent.jsonl"),
  );
  const day = path.join(home, ".codex", "sessions", "2026", "12", "01");
  mkdirSync(day, { recursive: true });
  writeFileSync(
    path.join(day, "rollout-2026-12-01T20-00-00-0199a213.jsonl"),
    fill("codex-rollout.jsonl"),
  );
  return home;
}

describe("agent costs from the CLIs' own logs", () => {
  it("counts each Claude Code response once (duplicates, sub-agents, sidechains) and prices it", () => {
    const worktree = "/work/repo/.flotilla/worktrees/alice";
    const home = homeWithLogs(worktree);
    const [alice] = readAgentCosts([{ name: "alice", runtime: "claude", worktree }], {
      home,
      env: {},
    });
    expect(
      alice?.models.map((m) => [m.model, m.input, m.output, m.cacheWrite, m.cacheRead]),
    ).toEqual([
      ["claude-haiku-4-5-20251001", 40, 20, 0, 0],
      ["claude-sonnet-4-5-20250929", 120, 450, 1000, 5000],
      ["gpt-5-codex", 2000, 700, 0, 3000],
    ]);
    // sonnet $3/$15 (cache write 3.75, read 0.30), haiku $1/$5, gpt-5 $1.25/$10 (cached 0.125).
    expect(alice?.models[1]?.dollars).toBeCloseTo(0.01236, 8);
    expect(alice?.models[0]?.dollars).toBeCloseTo(0.00014, 8);
    expect(alice?.models[2]?.dollars).toBeCloseTo(0.009875, 8);
    expect(alice?.dollars).toBeCloseTo(0.01236 + 0.00014 + 0.009875, 8);
    expect(alice?.tokens).toEqual({ input: 2160, output: 1170, cacheWrite: 1000, cacheRead: 8000 });
  });

  it("another worktree's logs are not this agent's; unknown models are counted, not priced", () => {
    const home = homeWithLogs("/work/repo/.flotilla/worktrees/alice");
    const [bob] = readAgentCosts(
      [{ name: "bob", runtime: "claude", worktree: "/work/repo/.flotilla/worktrees/bob" }],
      { home, env: {} },
    );
    expect(bob?.dollars).toBe(0);
    expect(bob?.models).toEqual([]);
    expect(priceFor("my-local-llama")).toBeUndefined();
    expect(priceFor("claude-sonnet-4-5", { "claude-sonnet": { input: 1, output: 2 } })).toEqual({
      input: 1,
      output: 2,
    });
  });

  it("finds Claude Code's folder for a long path by its cut prefix", () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "flotilla-costs-home-"));
    dirs.push(home);
    const cwd = "/" + "deep/".repeat(50) + "wt";
    const cut = encodeClaudeProject(cwd).slice(0, 200);
    mkdirSync(path.join(home, "projects", `${cut}-1x2y3z`), { recursive: true });
    expect(claudeProjectDir(cwd, home)).toBe(path.join(home, "projects", `${cut}-1x2y3z`));
    expect(encodeClaudeProject("/a/b.c_d")).toBe("-a-b-c-d");
  });
});

describe("reading the logs as they grow", () => {
  it("a meter reads only what was appended, line by line, and ends with the same totals", () => {
    const worktree = "/work/repo/.flotilla/worktrees/alice";
    const home = homeWithLogs(worktree);
    const project = path.join(home, ".claude", "projects", encodeClaudeProject(worktree));
    const main = path.join(project, "5b1f0c8e-2a7d-4e61-9c3b-8f4d2e6a1b70.jsonl");
    const rollout = path.join(
      home,
      ".codex",
      "sessions",
      "2026",
      "12",
      "01",
      "rollout-2026-12-01T20-00-00-0199a213.jsonl",
    );
    const whole = readAgentCosts([{ name: "alice", runtime: "claude", worktree }], {
      home,
      env: {},
    })[0];
    // Start over with both logs cut after their second line, the third line half written.
    const full = { main: readFileSync(main, "utf8"), rollout: readFileSync(rollout, "utf8") };
    const cut = (text: string, lines: number, extra: number): string => {
      const parts = text.split("\n");
      const head = parts.slice(0, lines).join("\n") + "\n";
      return head + (parts[lines] ?? "").slice(0, extra);
    };
    writeFileSync(main, cut(full.main, 2, 40));
    writeFileSync(rollout, cut(full.rollout, 2, 10));
    const meter = new CostMeter({ home, env: {} });
    const agent = { name: "alice", runtime: "claude", worktree };
    const early = meter.read([agent])[0];
    // The first response (sonnet, also in the sub-agent's file: once) and the sub-agent's
    // haiku; the Codex session has begun but has no token total yet.
    expect(early?.models.map((m) => [m.model, m.output])).toEqual([
      ["claude-haiku-4-5-20251001", 15],
      ["claude-sonnet-4-5-20250929", 50],
      ["gpt-5-codex", 0],
    ]);
    // The rest arrives: the half-written lines are completed, then the remaining lines.
    appendFileSync(main, full.main.slice(cut(full.main, 2, 40).length));
    appendFileSync(rollout, full.rollout.slice(cut(full.rollout, 2, 10).length));
    expect(meter.read([agent])[0]).toEqual(whole);
    // Read again with nothing new: the same, nothing counted twice.
    expect(meter.read([agent])[0]).toEqual(whole);
    // A transcript replaced by a shorter one is counted anew, not on top.
    const replaced = `${main}.new`;
    writeFileSync(replaced, cut(full.main, 2, 0));
    renameSync(replaced, main);
    const after = meter.read([agent])[0];
    expect(after?.models.find((m) => m.model.startsWith("claude-sonnet"))?.output).toBe(50);
  });

  it("pane titles show dollars compactly", () => {
    expect(formatDollars(undefined)).toBeUndefined();
    expect(formatDollars(0)).toBeUndefined();
    expect(formatDollars(0.001)).toBe("<$0.01");
    expect(formatDollars(0.4249)).toBe("$0.42");
    expect(formatDollars(12.3)).toBe("$12.30");
    expect(formatDollars(123.4)).toBe("$123");
  });
});

describe("budgets", () => {
  it("warns once at 80 % and once at 100 %, per agent and in total", () => {
    const tracker = new BudgetTracker({ budgetPerAgent: 10, budgetTotal: 15 });
    expect(tracker.check({ a: 7, b: 1 })).toEqual([]);
    expect(tracker.check({ a: 8, b: 1 })).toEqual([
      { scope: "a", level: 80, dollars: 8, budget: 10 },
    ]);
    expect(tracker.check({ a: 8.5, b: 1 })).toEqual([]);
    expect(tracker.check({ a: 9, b: 4 }).map((w) => `${w.scope}:${w.level}`)).toEqual(["total:80"]);
    expect(tracker.check({ a: 11, b: 5 }).map((w) => `${w.scope}:${w.level}`)).toEqual([
      "a:100",
      "total:100",
    ]);
    expect(tracker.check({ a: 12, b: 6 })).toEqual([]);
  });
});

describe("flotilla costs", () => {
  it("prints tokens and dollars per agent and the total, and a budget warning", () => {
    const repo = makeRepo("flotilla-costs-");
    dirs.push(repo);
    expect(runCli(["init"], repo).status).toBe(0);
    const configPath = path.join(repo, ".flotilla", "config.json");
    const config = JSON.parse(readFileSync(configPath, "utf8"));
    config.costs = { budgetPerAgent: 0.02 };
    writeFileSync(configPath, JSON.stringify(config));
    expect(runCli(["spawn", "alice", "--runtime", "shell"], repo).status).toBe(0);
    const home = homeWithLogs(path.join(repo, ".flotilla", "worktrees", "alice"));
    const env = { HOME: home, CLAUDE_CONFIG_DIR: "", CODEX_HOME: "" };
    const table = runCli(["costs"], repo, env);
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^AGENT\s+RUNTIME\s+INPUT\s+OUTPUT/);
    expect(table.stdout).toMatch(/alice\s+shell\s+2\.2k\s+1\.2k\s+1\.0k\s+8\.0k\s+\$0\.02/);
    expect(table.stdout).toContain("total $0.02");
    const json = JSON.parse(runCli(["costs", "--json"], repo, env).stdout);
    expect(json.agents[0].dollars).toBeCloseTo(0.022375, 8);
    expect(
      json.warnings.map((w: { scope: string; level: number }) => `${w.scope}:${w.level}`),
    ).toEqual(["alice:80", "alice:100"]);
  });
});
