import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { reportHook } from "../../src/commands/hook.js";
import type { AgentStatus } from "../../src/core/schema.js";
import { AgentEventsWatcher } from "../../src/hub/agent-events.js";
import { AgentSession } from "../../src/hub/session.js";
import type { AgentEvent } from "../../src/runtimes/agent-events.js";
import { CLI } from "../e2e/harness.js";
import { waitUntil } from "./fake-backend.js";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const done of cleanup.splice(0)) done();
});

function project(): { root: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(path.join(os.tmpdir(), "flotilla-hooks-"));
  cleanup.push(() => rmSync(root, { recursive: true, force: true }));
  return { root, env: { FLOTILLA_ROOT: root, FLOTILLA_AGENT: "alice" } };
}

const hook = (env: NodeJS.ProcessEnv, payload: Record<string, unknown>) =>
  reportHook("claude", undefined, env, () =>
    Promise.resolve(JSON.stringify({ session_id: "s-1", ...payload })),
  );

describe("hook events reach the hub", () => {
  it("the real `flotilla hook claude` appends what the watcher reads, in order", async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    const { root, env } = project();
    const seen: { agent: string; event: AgentEvent }[] = [];
    const watcher = new AgentEventsWatcher(path.join(root, ".flotilla"), (agent, event) =>
      seen.push({ agent, event }),
    );
    watcher.start();
    cleanup.push(() => watcher.dispose());
    const run = (payload: object) =>
      execFileSync(process.execPath, [CLI, "hook", "claude"], {
        env: { ...process.env, ...env },
        input: JSON.stringify({ session_id: "s-1", ...payload }),
        encoding: "utf8",
      });
    expect(run({ hook_event_name: "UserPromptSubmit", prompt: "go" })).toBe("");
    run({ hook_event_name: "Notification", notification_type: "permission_prompt" });
    run({ hook_event_name: "Stop" });
    await waitUntil(() => seen.length === 3, "three events", 15_000);
    expect(seen.map(({ agent, event }) => [agent, event.event, event.status])).toEqual([
      ["alice", "UserPromptSubmit", "working"],
      ["alice", "Notification", "waiting"],
      ["alice", "Stop", "idle"],
    ]);
    expect(seen[0]?.event.conversation).toBe("s-1");
    // Garbage and calls from outside an agent record nothing and still exit 0.
    execFileSync(process.execPath, [CLI, "hook", "claude"], { input: "not json", env });
    execFileSync(process.execPath, [CLI, "hook", "claude"], {
      input: "{}",
      env: { ...process.env, FLOTILLA_ROOT: "", FLOTILLA_AGENT: "" },
    });
    watcher.poll();
    expect(seen).toHaveLength(3);
  });

  it("hook events drive the pane's status in order, debounced", async () => {
    const { root, env } = project();
    const statuses: AgentStatus[] = [];
    const session = new AgentSession(
      "alice",
      { cols: 40, rows: 5 },
      0,
      [],
      60_000,
      { output: () => undefined, status: (s) => statuses.push(s), started: () => undefined },
      Date.now,
      0,
      250,
    );
    cleanup.push(() => session.dispose());
    session.start({ file: "/bin/sh", args: ["-c", "sleep 60"], cwd: "/", env: { PATH: "/bin" } });
    const watcher = new AgentEventsWatcher(path.join(root, ".flotilla"), (_agent, event) => {
      if (event.status) session.report(event.status);
    });
    watcher.start();
    cleanup.push(() => watcher.dispose());
    await waitUntil(() => statuses.includes("idle"), "idle");

    await hook(env, { hook_event_name: "UserPromptSubmit" });
    await waitUntil(() => session.currentStatus === "working", "working", 15_000);
    await hook(env, { hook_event_name: "PermissionRequest", tool_name: "Bash" });
    await waitUntil(() => session.currentStatus === "waiting", "waiting", 15_000);
    // A flicker: a tool result and a new permission request within the debounce window.
    await hook(env, { hook_event_name: "PostToolUse" });
    await hook(env, { hook_event_name: "PermissionRequest", tool_name: "Bash" });
    watcher.poll();
    await hook(env, { hook_event_name: "Stop" });
    await waitUntil(() => session.currentStatus === "idle", "idle after Stop", 15_000);
    expect(statuses).toEqual(["idle", "working", "waiting", "idle"]);
  });
});
