import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reportHook } from "../../src/commands/hook.js";
import { createHub, type Hub } from "../../src/hub/hub.js";
import { initProject } from "../../src/hub/init.js";
import { trustConfig } from "../../src/store/trust.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import type { HubEvent } from "../../src/hub/protocol.js";
import { HUB_RUNNERS } from "../../src/hub/runners.js";
import { encodeClaudeProject } from "../../src/store/agent-costs.js";
import { makeRepo } from "../e2e/harness.js";
import { waitUntil } from "./fake-backend.js";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures/transcripts");
const dirs: string[] = [];
let hub: Hub | undefined;
const before = process.env.CLAUDE_CONFIG_DIR;
afterEach(async () => {
  if (hub) await hub.shutdown(10_000);
  hub = undefined;
  if (before === undefined) delete process.env.CLAUDE_CONFIG_DIR;
  else process.env.CLAUDE_CONFIG_DIR = before;
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
});

describe("budget warnings in the hub", () => {
  it("warns once when an agent's turn ends past 80 % of its budget", async () => {
    const repo = makeRepo("flotilla-budget-");
    dirs.push(repo);
    const { project } = await initProject(repo);
    const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
    config.runtimes = {
      probe: { command: "/bin/sh", args: ["-c", "sleep 60"], prompt: { mode: "none" } },
    };
    config.costs = { budgetPerAgent: 0.015 }; // the fixture transcript costs $0.0125: 83 %
    writeFileSync(project.paths.config, JSON.stringify(config));
    trustConfig(project.root, await project.readConfig()); // a config that defines runtimes needs the user's trust
    const record = await createAgent(project, { name: "p", runtime: "probe" });
    const claudeHome = mkdtempSync(path.join(os.tmpdir(), "flotilla-budget-claude-"));
    dirs.push(claudeHome);
    process.env.CLAUDE_CONFIG_DIR = claudeHome;
    const transcript = path.join(claudeHome, "projects", encodeClaudeProject(record.worktree));
    mkdirSync(transcript, { recursive: true });
    const session = readFileSync(path.join(FIXTURES, "claude-session.jsonl"), "utf8");
    writeFileSync(path.join(transcript, "s.jsonl"), session);

    hub = await createHub(project, HUB_RUNNERS);
    const notices: string[] = [];
    hub.subscribe((event: HubEvent) => {
      if (event.type === "notice") notices.push(event.text);
    });
    const view = () => hub?.agents().find((agent) => agent.name === "p");
    await waitUntil(() => view()?.status === "idle", "idle", 20_000);
    const env = { FLOTILLA_ROOT: repo, FLOTILLA_AGENT: "p" };
    const hook = (event: string) =>
      reportHook("claude", undefined, env, () =>
        Promise.resolve(JSON.stringify({ session_id: "s", hook_event_name: event })),
      );
    // Past 80 % at the end of each of two turns: said once.
    for (let turn = 0; turn < 2; turn++) {
      await hook("UserPromptSubmit");
      await waitUntil(() => view()?.status === "working", "working", 20_000);
      await hook("Stop");
      await waitUntil(() => view()?.status === "idle", "idle", 20_000);
    }
    await hub.flush();
    const budget = notices.filter((n) => n.startsWith("budget:"));
    expect(budget).toHaveLength(1);
    expect(budget[0]).toMatch(/^budget: p spent \$0\.01, 80 % of \$0\.01/);
  });
});
