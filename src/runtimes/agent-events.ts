import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";

/**
 * What agent CLIs tell Flotilla about themselves, and where it goes. A CLI's hook (Claude
 * Code) or notify program (Codex) runs `flotilla hook <source>`, which turns the CLI's own
 * payload into one {@link AgentEvent} line appended to
 * `.flotilla/agent-events/<agent>.jsonl`; the hub watches that folder and takes the status
 * and the conversation id from each new line.
 */

/** One line of `.flotilla/agent-events/<agent>.jsonl`. */
export interface AgentEvent {
  /** ISO-8601 time the hook ran. */
  time: string;
  source: "claude" | "codex";
  /** The CLI's event name: `PreToolUse`, `Stop`, `agent-turn-complete`, … */
  event: string;
  /** What the event means for the agent's status; absent when it means nothing. */
  status?: "working" | "waiting" | "idle";
  /** The CLI's conversation id (Claude Code's `session_id`, Codex's `thread-id`). */
  conversation?: string;
  /** Why it waits, when it does: `permission_prompt`, `elicitation_dialog`, … */
  reason?: string;
}

/** `.flotilla/agent-events/` under the project's `.flotilla` folder. */
export function agentEventsDir(flotillaDir: string): string {
  return path.join(flotillaDir, "agent-events");
}

const WORKING_EVENTS = new Set([
  "UserPromptSubmit",
  "PreToolUse",
  "PostToolUse",
  "PostToolUseFailure",
]);

/**
 * The event a Claude Code hook payload means. The payload is the JSON Claude Code writes to
 * a hook's stdin (`hook_event_name`, `session_id`, and for `Notification` a
 * `notification_type` of `permission_prompt`, `idle_prompt`, `elicitation_dialog`, … as the
 * 2.1.197 binary lists them). Prompt submitted or tool use → working; a permission request
 * or a question → waiting; `Stop` or the idle reminder → idle. Returns `undefined` for
 * what is not a hook payload.
 */
export function claudeHookEvent(payload: unknown, now: Date = new Date()): AgentEvent | undefined {
  if (!isObject(payload) || typeof payload.hook_event_name !== "string") return undefined;
  const event = payload.hook_event_name;
  const result: AgentEvent = { time: now.toISOString(), source: "claude", event };
  if (typeof payload.session_id === "string" && payload.session_id.length > 0) {
    result.conversation = payload.session_id;
  }
  if (WORKING_EVENTS.has(event)) result.status = "working";
  else if (event === "Stop") result.status = "idle";
  else if (event === "PermissionRequest") {
    result.status = "waiting";
    result.reason = "permission_prompt";
  } else if (event === "Notification") {
    const type = typeof payload.notification_type === "string" ? payload.notification_type : "";
    const message = typeof payload.message === "string" ? payload.message : "";
    if (type === "permission_prompt" || type === "elicitation_dialog") {
      result.status = "waiting";
      result.reason = type;
    } else if (type === "idle_prompt") result.status = "idle";
    else if (type === "" && /permission/i.test(message)) {
      // Versions before notification_type: "Claude needs your permission to use Bash".
      result.status = "waiting";
      result.reason = "permission_prompt";
    }
  }
  return result;
}

/**
 * The event a Codex `notify` payload means: Codex runs the notify program with one JSON
 * argument, `{"type": "agent-turn-complete", "thread-id", "turn-id", "cwd",
 * "input-messages", "last-assistant-message"}` (keys from the 0.171.0 binary); a finished
 * turn → idle.
 */
export function codexNotifyEvent(payload: unknown, now: Date = new Date()): AgentEvent | undefined {
  if (!isObject(payload) || typeof payload.type !== "string") return undefined;
  const result: AgentEvent = { time: now.toISOString(), source: "codex", event: payload.type };
  const thread = payload["thread-id"];
  if (typeof thread === "string" && thread.length > 0) result.conversation = thread;
  if (payload.type === "agent-turn-complete") result.status = "idle";
  return result;
}

/**
 * Appends `event` to `<flotillaDir>/agent-events/<agent>.jsonl` as one line (one `write`
 * with `O_APPEND`, so concurrent hooks never interleave within a line).
 */
export function appendAgentEvent(flotillaDir: string, agent: string, event: AgentEvent): void {
  const dir = agentEventsDir(flotillaDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  appendFileSync(path.join(dir, `${agent}.jsonl`), JSON.stringify(event) + "\n", { mode: 0o600 });
}

/**
 * Parses one line of an events file; `undefined` for a torn or foreign line. A line the
 * status hook's shell fast path wrote (`{"time","source":"claude","hook_event_name",
 * "session_id"?, "notification_type"?, "message"?}`, see `claudeStatusHookScript`) is the
 * hook's payload, read with {@link claudeHookEvent}.
 */
export function parseAgentEvent(line: string): AgentEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (isObject(value) && value.source === "claude" && typeof value.hook_event_name === "string") {
      const time = typeof value.time === "string" ? new Date(value.time) : new Date(NaN);
      return Number.isNaN(time.getTime()) ? undefined : claudeHookEvent(value, time);
    }
    if (!isObject(value) || typeof value.event !== "string" || typeof value.time !== "string") {
      return undefined;
    }
    const status = value.status;
    if (status !== undefined && status !== "working" && status !== "waiting" && status !== "idle") {
      return undefined;
    }
    return value as unknown as AgentEvent;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
