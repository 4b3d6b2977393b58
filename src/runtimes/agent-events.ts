import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";

/**
 * What agent CLIs tell Flotilla about themselves, and where it goes. A CLI's hook (Claude
 * Code, Gemini CLI), notify program (Codex) or plugin (OpenCode) appends one line per event
 * to `.flotilla/agent-events/<agent>.jsonl`, either through `flotilla hook <source>` (which
 * writes an {@link AgentEvent}) or through a fast path that copies the CLI's own fields
 * (the `sh` + `awk` hook script for Claude Code and Gemini CLI, the OpenCode plugin); the
 * hub watches that folder and {@link parseAgentEvent} maps each new line to a status and a
 * conversation id with the same per-CLI function `flotilla hook` uses.
 */

/** One line of `.flotilla/agent-events/<agent>.jsonl`. */
export interface AgentEvent {
  /** ISO-8601 time the hook ran. */
  time: string;
  source: "claude" | "codex" | "gemini" | "opencode";
  /** The CLI's event name: `PreToolUse`, `Stop`, `agent-turn-complete`, … */
  event: string;
  /** What the event means for the agent's status; absent when it means nothing. */
  status?: "working" | "waiting" | "idle";
  /**
   * The CLI's conversation id (Claude Code's and Gemini CLI's `session_id`, Codex's
   * `thread-id`, OpenCode's `sessionID` of a top-level session).
   */
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

/** Gemini CLI hook events meaning the agent is at work: a prompt taken, a tool about to run or done. */
const GEMINI_WORKING_EVENTS = new Set(["BeforeAgent", "BeforeTool", "AfterTool"]);

/**
 * The event a Gemini CLI hook payload means. Gemini CLI 0.61.0 writes one JSON object to a
 * command hook's stdin (`HookEventHandler.createBaseInput` and the `fire…Event` methods in
 * `bundle/chunk-JDPZ4CE3.js`, from `packages/core/src/hooks/hookEventHandler.ts`):
 * `{session_id, transcript_path, cwd, hook_event_name, timestamp}` and per event
 * `source` (SessionStart: startup, resume, clear), `prompt` (BeforeAgent, AfterAgent),
 * `tool_name`/`tool_input` (BeforeTool, AfterTool), `notification_type`/`message`/`details`
 * (Notification; `ToolPermission` is the only type, fired when a tool waits for your
 * approval). BeforeAgent (a prompt submitted), BeforeTool and AfterTool → working;
 * Notification `ToolPermission` → waiting (`permission_prompt`); AfterAgent (the turn's
 * final answer) → idle; SessionStart carries the `session_id` only (SessionEnd,
 * PreCompress, …: nothing). Real inputs: `test/fixtures/hooks/gemini-hook-inputs.json`.
 * Returns `undefined` for what is not a hook payload.
 */
export function geminiHookEvent(payload: unknown, now: Date = new Date()): AgentEvent | undefined {
  if (!isObject(payload) || typeof payload.hook_event_name !== "string") return undefined;
  const event = payload.hook_event_name;
  const result: AgentEvent = { time: now.toISOString(), source: "gemini", event };
  if (typeof payload.session_id === "string" && payload.session_id.length > 0) {
    result.conversation = payload.session_id;
  }
  if (GEMINI_WORKING_EVENTS.has(event)) result.status = "working";
  else if (event === "AfterAgent") result.status = "idle";
  else if (event === "Notification" && payload.notification_type === "ToolPermission") {
    result.status = "waiting";
    result.reason = "permission_prompt";
  }
  return result;
}

/**
 * The event an OpenCode bus event means. OpenCode 1.18.33 hands a plugin's `event` hook
 * `{event: {id, type, properties}}` for every event of its directory (the plugin service in
 * the `opencode` binary's bundled source: `V.event?.({event:{id:N.id,type:N.type,
 * properties:N.data}})`); the types and properties used here are those of its bus
 * definitions and were seen from the real CLI (`test/fixtures/hooks/opencode-events.json`):
 * - `session.created` `{sessionID, info: {id, parentID?, …}}`: the conversation id, for a
 *   top-level session (a subagent's session has a `parentID`);
 * - `session.status` `{sessionID, status: {type: "busy" | "retry" | "idle", …}}`: busy and
 *   retry → working, idle → idle;
 * - `session.idle` `{sessionID}` → idle;
 * - `permission.asked` `{id, sessionID, …}` → waiting (`permission_prompt`);
 *   `question.asked` (its question tool) → waiting (`elicitation_dialog`);
 * - `permission.replied`, `question.replied`, `question.rejected` → working (the turn goes
 *   on; a rejection ends in `session.status` idle).
 * `child: true` (set by Flotilla's plugin, which follows `session.created`'s `parentID`)
 * marks a subagent's session: its busy and idle say nothing of the agent, its questions do.
 * Returns `undefined` for what is not such an event.
 */
export function opencodeEvent(payload: unknown, now: Date = new Date()): AgentEvent | undefined {
  if (!isObject(payload) || typeof payload.type !== "string") return undefined;
  const type = payload.type;
  const properties = isObject(payload.properties) ? payload.properties : {};
  const child = payload.child === true;
  const result: AgentEvent = { time: now.toISOString(), source: "opencode", event: type };
  const info = isObject(properties.info) ? properties.info : {};
  const session =
    typeof properties.sessionID === "string"
      ? properties.sessionID
      : typeof info.id === "string"
        ? info.id
        : undefined;
  const topLevel = !child && !(type === "session.created" && typeof info.parentID === "string");
  if (topLevel && session !== undefined && session.length > 0) result.conversation = session;
  if (type === "permission.asked" || type === "question.asked") {
    result.status = "waiting";
    result.reason = type === "permission.asked" ? "permission_prompt" : "elicitation_dialog";
  } else if (
    type === "permission.replied" ||
    type === "question.replied" ||
    type === "question.rejected"
  ) {
    result.status = "working";
  } else if (!topLevel) {
    // A subagent's own busy or idle: the agent's top-level session says what it does.
  } else if (type === "session.idle") {
    result.status = "idle";
  } else if (type === "session.status") {
    const status = isObject(properties.status) ? properties.status.type : undefined;
    if (status === "busy" || status === "retry") result.status = "working";
    else if (status === "idle") result.status = "idle";
  }
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
 * Parses one line of an events file; `undefined` for a torn or foreign line. A line a fast
 * path wrote holds the CLI's own fields and is mapped here: the status hook script's
 * (`{"time","source":"claude"|"gemini","hook_event_name","session_id"?,
 * "notification_type"?, "message"?}`, see `statusHookScript`) with {@link claudeHookEvent}
 * or {@link geminiHookEvent}; the OpenCode plugin's (`{"time","source":"opencode","type",
 * "properties","child"?}`, see `opencodePluginSource`) with {@link opencodeEvent}.
 */
export function parseAgentEvent(line: string): AgentEvent | undefined {
  try {
    const value: unknown = JSON.parse(line);
    const raw = isObject(value) ? rawMapping(value) : undefined;
    if (isObject(value) && raw) {
      const time = typeof value.time === "string" ? new Date(value.time) : new Date(NaN);
      return Number.isNaN(time.getTime()) ? undefined : raw(value, time);
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

/** The mapping of a fast path's line (the CLI's own fields), `undefined` for an {@link AgentEvent}. */
function rawMapping(
  value: Record<string, unknown>,
): ((payload: unknown, now: Date) => AgentEvent | undefined) | undefined {
  if (typeof value.hook_event_name === "string") {
    if (value.source === "claude") return claudeHookEvent;
    if (value.source === "gemini") return geminiHookEvent;
  }
  if (value.source === "opencode" && typeof value.type === "string" && value.event === undefined) {
    return opencodeEvent;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
