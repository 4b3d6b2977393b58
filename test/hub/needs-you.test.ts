import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reportHook } from "../../src/commands/hook.js";
import { createHub, type Hub } from "../../src/hub/hub.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import { NeedsYou, runDetached } from "../../src/hub/needs-you.js";
import { NotifyConfig } from "../../src/core/agent-config.js";
import { HUB_RUNNERS } from "../../src/hub/runners.js";
import { initProject } from "../../src/hub/init.js";
import { trustConfig } from "../../src/store/trust.js";
import { makeRepo, runCli } from "../e2e/harness.js";
import { waitUntil } from "./fake-backend.js";

const dirs: string[] = [];
let hub: Hub | undefined;
afterEach(async () => {
  if (hub) await hub.shutdown(10_000);
  hub = undefined;
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "flotilla-needs-"));
  dirs.push(dir);
  return dir;
}

describe("notify.command", () => {
  it("runs once per wait with the event as JSON on stdin", async () => {
    const dir = tempDir();
    const out = path.join(dir, "events.jsonl");
    let now = 1_000;
    const needsYou = new NeedsYou({
      project: "/repo",
      config: () => NotifyConfig.parse({ command: `cat >> ${out}` }),
      onError: (message) => {
        throw new Error(message);
      },
      now: () => now,
    });
    needsYou.noteReason("alice", "permission_prompt");
    expect(needsYou.onStatus("alice", "waiting")).toBe(1_000);
    now = 2_000;
    expect(needsYou.onStatus("alice", "waiting")).toBeUndefined(); // the same wait
    needsYou.onStatus("bob", "waiting");
    expect(needsYou.waiting().map((w) => w.agent)).toEqual(["alice", "bob"]);
    needsYou.onStatus("alice", "working");
    expect(needsYou.waiting().map((w) => w.agent)).toEqual(["bob"]);
    await waitUntil(
      () => existsSync(out) && readFileSync(out, "utf8").trim().split("\n").length === 2,
      "two notifications",
    );
    const events = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .sort((a, b) => a.agent.localeCompare(b.agent));
    expect(events[0]).toEqual({
      agent: "alice",
      status: "waiting",
      reason: "permission_prompt",
      since: new Date(1_000).toISOString(),
      waitedMs: 0,
      project: "/repo",
    });
    expect(events[1]).toMatchObject({ agent: "bob", reason: "screen" });
  });

  it("kills a command that hangs and reports a failing one, never throwing", async () => {
    expect(await runDetached("sleep 30", "{}", 200)).toMatch(/timed out after 200 ms/);
    expect(await runDetached("exit 4", "{}", 5_000)).toMatch(/exited with code 4/);
    expect(await runDetached("cat > /dev/null", "{}", 5_000)).toBeUndefined();
  });
});

describe("the hub routes what agents report", () => {
  it("takes status and the conversation id from hooks, and notifies once when an agent waits", async () => {
    const repo = makeRepo("flotilla-needs-hub-");
    dirs.push(repo);
    const { project } = await initProject(repo);
    const out = path.join(repo, "notified.jsonl");
    const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
    config.runtimes = {
      probe: { command: "/bin/sh", args: ["-c", "sleep 60"], prompt: { mode: "none" } },
    };
    config.notify = { command: `cat >> ${out}` };
    writeFileSync(project.paths.config, JSON.stringify(config));
    await trustConfig(project.root, await project.readConfig()); // a config that defines runtimes needs the user's trust
    await createAgent(project, { name: "p", runtime: "probe" });
    hub = await createHub(project, HUB_RUNNERS);
    const view = () => hub?.agents().find((agent) => agent.name === "p");
    await waitUntil(() => view()?.status === "idle", "idle", 20_000);
    const env = { FLOTILLA_ROOT: repo, FLOTILLA_AGENT: "p" };
    const hook = (payload: object) =>
      reportHook("claude", undefined, env, () =>
        Promise.resolve(JSON.stringify({ session_id: "conv-1", ...payload })),
      );
    await hook({ hook_event_name: "UserPromptSubmit" });
    await waitUntil(() => view()?.status === "working", "working from the hook", 20_000);
    await hook({ hook_event_name: "Notification", notification_type: "permission_prompt" });
    await waitUntil(() => view()?.status === "waiting", "waiting from the hook", 20_000);
    await waitUntil(() => existsSync(out), "the notify command", 20_000);
    await hub.flush();
    const state = await project.readState();
    expect(state.agents[0]).toMatchObject({
      conversation: "conv-1",
      conversationConfirmed: true,
      status: "waiting",
    });
    expect(state.agents[0]?.waitingSince).toBeDefined();
    const listed = runCli(["ls", "--waiting"], repo).stdout;
    expect(listed).toMatch(/^p\s+probe\s+waiting \d+s/m);
    await hook({ hook_event_name: "Stop" });
    await waitUntil(() => view()?.status === "idle", "idle after Stop", 20_000);
    const notified = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(notified).toEqual([
      expect.objectContaining({ agent: "p", reason: "permission_prompt" }),
    ]);
    await hub.flush();
    expect((await project.readState()).agents[0]?.waitingSince).toBeUndefined();
  });
});
