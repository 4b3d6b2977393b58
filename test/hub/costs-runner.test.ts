import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reportHook } from "../../src/commands/hook.js";
import { AgentReportsRunner } from "../../src/hub/agent-reports.js";
import { CostsRunner } from "../../src/hub/costs-runner.js";
import { createHub, type Hub } from "../../src/hub/hub.js";
import { initProject } from "../../src/hub/init.js";
import { trustConfig } from "../../src/store/trust.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import type { HubEvent } from "../../src/hub/protocol.js";
import type { HubRunnerFactory } from "../../src/hub/runner.js";
import { HUB_RUNNERS } from "../../src/hub/runners.js";
import { encodeClaudeProject } from "../../src/store/agent-costs.js";
import { MailStore } from "../../src/store/mail-store.js";
import { makeRepo } from "../e2e/harness.js";
import { waitFor } from "../wait-for.js";
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

/**
 * The fixture session's first assistant line as a new response (`id`) of `output` sonnet
 * output tokens: $15 per million.
 */
function sonnetLine(id: string, output: number): string {
  const line = readFileSync(path.join(FIXTURES, "claude-session.jsonl"), "utf8").split("\n")[1]!;
  const parsed = JSON.parse(line);
  parsed.requestId = `req_${id}`;
  parsed.message.id = `msg_${id}`;
  parsed.message.usage = { input_tokens: 0, output_tokens: output };
  return JSON.stringify(parsed) + "\n";
}

/**
 * A project with one agent `p` (a process that sleeps) whose Claude Code transcript is the
 * fixture session ($0.012395), its hub started with `runners`; `hook` reports a Claude Code
 * hook event for it, `append` adds lines to its transcript.
 */
async function probe(costs: object, runners: readonly HubRunnerFactory[] = HUB_RUNNERS) {
  const repo = makeRepo("flotilla-costs-runner-");
  dirs.push(repo);
  const { project } = await initProject(repo);
  const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
  config.runtimes = {
    probe: { command: "/bin/sh", args: ["-c", "sleep 60"], prompt: { mode: "none" } },
  };
  config.costs = costs;
  writeFileSync(project.paths.config, JSON.stringify(config));
  await trustConfig(project.root, await project.readConfig()); // a config that defines runtimes needs the user's trust
  const record = await createAgent(project, { name: "p", runtime: "probe" });
  const claudeHome = mkdtempSync(path.join(os.tmpdir(), "flotilla-costs-claude-"));
  dirs.push(claudeHome);
  process.env.CLAUDE_CONFIG_DIR = claudeHome;
  const transcripts = path.join(claudeHome, "projects", encodeClaudeProject(record.worktree));
  mkdirSync(transcripts, { recursive: true });
  const transcript = path.join(transcripts, "s.jsonl");
  writeFileSync(transcript, readFileSync(path.join(FIXTURES, "claude-session.jsonl"), "utf8"));

  hub = await createHub(project, runners);
  const events: HubEvent[] = [];
  hub.subscribe((event: HubEvent) => events.push(event));
  const notices = (): string[] =>
    events.flatMap((e) => (e.type === "notice" && e.text.startsWith("budget:") ? [e.text] : []));
  const view = () => hub?.agents().find((agent) => agent.name === "p");
  const env = { FLOTILLA_ROOT: repo, FLOTILLA_AGENT: "p" };
  const hook = (event: string) =>
    reportHook("claude", undefined, env, () =>
      Promise.resolve(JSON.stringify({ session_id: "s", hook_event_name: event })),
    );
  /** One turn: the prompt, then (with `during`) lines spent, then its end. */
  const turn = async (during?: string) => {
    await hook("UserPromptSubmit");
    await waitUntil(() => view()?.status === "working", "working", 20_000);
    if (during) appendFileSync(transcript, during);
    await hook("Stop");
    await waitUntil(() => view()?.status === "idle", "idle", 20_000);
  };
  await waitUntil(() => view()?.status === "idle", "idle", 20_000);
  const cockpitMail = async () =>
    (await new MailStore(project.paths.mail).list("cockpit")).messages;
  return { project, transcript, events, notices, view, hook, turn, cockpitMail };
}

describe("costs in the hub", () => {
  it("each agent's view carries what it spent, re-read when its turn ends", async () => {
    const rig = await probe({});
    await waitUntil(() => rig.view()?.dollars !== undefined, "the first read", 20_000);
    expect(rig.view()?.dollars).toBeCloseTo(0.012395, 8);
    // A turn that spends 100k sonnet output tokens: $1.50 more, told to clients as it ends.
    await rig.turn(sonnetLine("t1", 100_000));
    await waitUntil(
      () => rig.events.some((e) => e.type === "agent" && (e.agent.dollars ?? 0) > 1.5),
      "an agent event with the new cost",
      20_000,
    );
    expect(rig.view()?.dollars).toBeCloseTo(1.512395, 8);
  });

  it("warns once when an agent's turn ends past 80 % of its budget", async () => {
    const rig = await probe({ budgetPerAgent: 0.015 }); // the fixture costs $0.0124: 83 %
    // Past 80 % at the end of each of two turns: said once.
    await rig.turn();
    await rig.turn();
    await hub?.flush();
    expect(rig.notices()).toHaveLength(1);
    expect(rig.notices()[0]).toMatch(/^budget: p spent \$0\.01, 80 % of \$0\.01/);
    expect(await rig.cockpitMail()).toEqual([]); // 80 % is not an escalation
  });

  it("budgetStop: past 100 % while working, escalates at once and stops the agent when its turn ends", async () => {
    // The timer finds the crossing mid-turn (every 50 ms here; 30 s by default).
    const runners = [() => new AgentReportsRunner(), () => new CostsRunner({ refreshMs: 50 })];
    const rig = await probe({ budgetPerAgent: 1, budgetStop: true }, runners);
    await rig.hook("UserPromptSubmit");
    await waitUntil(() => rig.view()?.status === "working", "working", 20_000);
    appendFileSync(rig.transcript, sonnetLine("t1", 100_000)); // $1.51 of $1
    const [mail] = await waitFor(
      async () => (await rig.cockpitMail()).length > 0 && rig.cockpitMail(),
      {
        what: "the escalation",
        timeoutMs: 20_000,
      },
    );
    expect(mail?.from).toBe("budget");
    expect(mail?.priority).toBe("urgent");
    expect(mail?.type).toBe("escalation");
    expect(mail?.subject).toBe("Budget: p spent $1.51, over $1.00");
    expect(mail?.body).toContain("stops p when the current turn ends");
    expect(rig.notices()).toContain("budget: p spent $1.51, 80 % of $1.00");
    expect(rig.notices()).toContain("budget: p spent $1.51, over $1.00");
    // Still working: its turn is not cut short.
    expect(rig.view()?.status).toBe("working");
    const pid = rig.view()?.pid;
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid!, 0)).not.toThrow();

    await rig.hook("Stop");
    await waitUntil(() => rig.view()?.status === "exited", "stopped after its turn", 20_000);
    expect(rig.notices()).toContain(
      "budget: stopped p after its turn (p spent $1.51, over $1.00; costs.budgetStop)",
    );
    await hub?.flush();
    expect((await rig.project.readState()).agents[0]?.status).toBe("exited");
    expect(await rig.cockpitMail()).toHaveLength(1); // escalated once
  });

  it("without budgetStop, 100 % escalates but the agent keeps running", async () => {
    const rig = await probe({ budgetPerAgent: 0.01 });
    await rig.turn();
    const [mail] = await waitFor(
      async () => (await rig.cockpitMail()).length > 0 && rig.cockpitMail(),
      {
        what: "the escalation",
        timeoutMs: 20_000,
      },
    );
    expect(mail?.body).toContain("p keep running");
    await rig.turn();
    expect(rig.view()?.status).toBe("idle");
    expect(rig.notices().filter((n) => n.includes("stopped"))).toEqual([]);
  });
});
