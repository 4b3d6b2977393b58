import { describe, expect, it } from "vitest";
import {
  claudeHookEvent,
  codexNotifyEvent,
  parseAgentEvent,
} from "../../src/runtimes/agent-events.js";

const session = "8f2c6a1e-4b7d-4c1a-9e3f-2d5b7a9c0e11";
const now = new Date("2026-12-01T20:00:00.000Z");

/** Payloads as Claude Code writes them to a hook's stdin (fields per its hooks reference). */
const claude = (event: string, extra: Record<string, unknown> = {}) => ({
  session_id: session,
  transcript_path: `/home/u/.claude/projects/-repo/${session}.jsonl`,
  cwd: "/repo/.flotilla/worktrees/alice",
  hook_event_name: event,
  ...extra,
});

describe("claudeHookEvent", () => {
  it("maps each hook to the status it means, with the session id", () => {
    const status = (payload: unknown) => claudeHookEvent(payload, now)?.status;
    expect(status(claude("SessionStart", { source: "startup" }))).toBeUndefined();
    expect(status(claude("UserPromptSubmit", { prompt: "fix it" }))).toBe("working");
    expect(status(claude("PreToolUse", { tool_name: "Bash", tool_input: { command: "ls" } }))).toBe(
      "working",
    );
    expect(status(claude("PostToolUse", { tool_name: "Bash" }))).toBe("working");
    expect(status(claude("PermissionRequest", { tool_name: "Bash" }))).toBe("waiting");
    expect(
      status(
        claude("Notification", {
          message: "Claude needs your permission to use Bash",
          notification_type: "permission_prompt",
        }),
      ),
    ).toBe("waiting");
    expect(status(claude("Notification", { notification_type: "elicitation_dialog" }))).toBe(
      "waiting",
    );
    expect(
      status(
        claude("Notification", {
          message: "Claude is waiting for your input",
          notification_type: "idle_prompt",
        }),
      ),
    ).toBe("idle");
    expect(status(claude("Notification", { notification_type: "auth_success" }))).toBeUndefined();
    // Before notification_type existed, the message said it.
    expect(
      status(claude("Notification", { message: "Claude needs your permission to use Edit" })),
    ).toBe("waiting");
    expect(status(claude("Stop", { stop_hook_active: false }))).toBe("idle");
    expect(claudeHookEvent(claude("Stop"), now)).toEqual({
      time: now.toISOString(),
      source: "claude",
      event: "Stop",
      status: "idle",
      conversation: session,
    });
  });

  it("ignores what is not a hook payload", () => {
    expect(claudeHookEvent(undefined)).toBeUndefined();
    expect(claudeHookEvent({ session_id: session })).toBeUndefined();
    expect(claudeHookEvent("Stop")).toBeUndefined();
  });
});

describe("codexNotifyEvent", () => {
  it("a finished turn is idle, with the thread id", () => {
    const payload = {
      type: "agent-turn-complete",
      "thread-id": "0199a213-81c0-7800-8aa1-bbab2a035a53",
      "turn-id": "12",
      cwd: "/repo/.flotilla/worktrees/bob",
      "input-messages": ["Rename foo to bar"],
      "last-assistant-message": "Renamed foo to bar.",
    };
    expect(codexNotifyEvent(payload, now)).toEqual({
      time: now.toISOString(),
      source: "codex",
      event: "agent-turn-complete",
      status: "idle",
      conversation: "0199a213-81c0-7800-8aa1-bbab2a035a53",
    });
    expect(codexNotifyEvent({ type: "something-new" }, now)?.status).toBeUndefined();
    expect(codexNotifyEvent([])).toBeUndefined();
  });
});

describe("parseAgentEvent", () => {
  it("reads back a line and refuses torn or foreign ones", () => {
    const line = JSON.stringify(claudeHookEvent(claude("Stop"), now));
    expect(parseAgentEvent(line)?.status).toBe("idle");
    expect(parseAgentEvent(line.slice(0, 20))).toBeUndefined();
    expect(parseAgentEvent('{"event":"x","time":"t","status":"dancing"}')).toBeUndefined();
  });
});
