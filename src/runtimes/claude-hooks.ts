import { readFileSync, rmdirSync, unlinkSync } from "node:fs";
import path from "node:path";
import { guardHookEntry, GUARD_COMMAND } from "../core/guard.js";

/**
 * Claude Code settings for a Flotilla agent: the hooks that deliver mail into its context
 * and report its status to the hub. They reach Claude Code through `--settings <file>`
 * (`claude --help`: "Path to a settings JSON file or a JSON string to load additional
 * settings from"), with the file under `.flotilla/agents/<name>/` in the main checkout, so
 * nothing of Flotilla's is written into the agent's worktree (where `git status` would show
 * it, `git add -A` would commit it and Claude Code would warn that "this folder configures
 * hooks"). The settings shape is Claude Code's (code.claude.com/docs/en/hooks):
 * ```json
 * { "hooks": { "<Event>": [ { "matcher": "<tool regex>", "hooks": [ { "type": "command", "command": "…" } ] } ] } }
 * ```
 * A mail hook that exits 0 and prints `{"hookSpecificOutput": {"hookEventName": E,
 * "additionalContext": T}}` has `T` added to the model's context, which
 * `flotilla mail check --inject --hook-event E` prints when there is unread mail. A status
 * hook runs `flotilla hook claude`, which reads the hook's JSON from stdin (`hook_event_name`,
 * `session_id`, `notification_type`) and appends the status it means for the hub.
 */

/** Hook events mail is checked on: each prompt the agent gets, and after each tool it runs. */
export const MAIL_HOOK_EVENTS = ["UserPromptSubmit", "PostToolUse"] as const;

/**
 * Hook events that say what the agent is doing (event names from the Claude Code 2.1.197
 * binary): a prompt submitted or a tool about to run or done → working; a permission
 * request or a notification (permission prompt, question) → waiting; Stop → idle;
 * SessionStart carries the conversation's `session_id`.
 */
export const STATUS_HOOK_EVENTS = [
  "SessionStart",
  "UserPromptSubmit",
  "PreToolUse",
  "PostToolUse",
  "PermissionRequest",
  "Notification",
  "Stop",
] as const;

/** Events whose hooks take a tool matcher (`"*"`: every tool). */
const TOOL_EVENTS = new Set<string>(["PreToolUse", "PostToolUse", "PermissionRequest"]);

/**
 * The slow form of the status hook (the Node CLI, ~0.5 s a call): what {@link claudeSettings}
 * uses when no fast-path script is given, and a marker of Flotilla's own hooks.
 */
export const STATUS_HOOK_COMMAND = "flotilla hook claude";

const STATUS_HOOK_SCRIPT = "claude-status-hook.sh";

/** Where the status hook's fast path lives: `<.flotilla>/bin/claude-status-hook.sh`. */
export function claudeStatusHookPath(flotillaDir: string): string {
  return path.join(flotillaDir, "bin", STATUS_HOOK_SCRIPT);
}

/** The settings command that runs the fast-path script at `file` (`sh '<file>'`). */
export function statusHookCommand(file: string): string {
  return `sh ${shellQuote(file)}`;
}

/**
 * The status hook's fast path, a POSIX `sh` + `awk` script: Claude Code runs a status hook
 * on every tool call, and starting the Node CLI for it costs ~0.5 s each time. The script
 * reads the hook's JSON from stdin, takes the first `hook_event_name`, `session_id`,
 * `notification_type` and `message` string values (Claude Code writes them before
 * `tool_input`; a value with a quote or backslash in it is skipped, so what is copied needs
 * no escaping), and appends them in one `write` to
 * `$FLOTILLA_ROOT/.flotilla/agent-events/$FLOTILLA_AGENT.jsonl` as
 * `{"time","source":"claude","hook_event_name",…}`; `parseAgentEvent` turns that into the
 * status with `claudeHookEvent`, so the mapping lives in one place. Prints nothing;
 * exits 0 without writing when it is not run by an agent (no `FLOTILLA_ROOT`/`AGENT`, or
 * an agent name that could leave the folder).
 */
export function claudeStatusHookScript(): string {
  return statusHookScript("claude");
}

/**
 * {@link claudeStatusHookScript} for a CLI whose hooks write the same fields to stdin, the
 * line marked `"source":"<source>"`: Gemini CLI's hook input has `session_id`,
 * `hook_event_name`, then `notification_type` and `message` before any tool input (see
 * `geminiHookEvent`), and the hub maps a `gemini` line with `geminiHookEvent`.
 */
export function statusHookScript(source: "claude" | "gemini"): string {
  const label = source === "claude" ? "Claude Code" : "Gemini CLI";
  const head = STATUS_HOOK_SH.replace("{label}", label).replace("{source}", source);
  return head + `'${STATUS_HOOK_AWK.replace("{source}", source)}'\n`;
}

const STATUS_HOOK_SH = `#!/bin/sh
# Written by Flotilla: its {label} status hook (the fast path of "flotilla hook {source}").
root=\${FLOTILLA_ROOT:-}; agent=\${FLOTILLA_AGENT:-}
case $agent in ""|.*|-*|*..*|*[!A-Za-z0-9._-]*) agent="";; esac
if [ -z "$root" ] || [ -z "$agent" ]; then cat >/dev/null; exit 0; fi
dir="$root/.flotilla/agent-events"
[ -d "$dir" ] || mkdir -p -m 700 "$dir"
exec awk -v time="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v file="$dir/$agent.jsonl" `;

// No single quote may appear in here: the program is one single-quoted shell word.
const STATUS_HOOK_AWK = String.raw`
function field(name,   s) {
  if (!match(text, "\"" name "\"[ \t]*:[ \t]*\"[^\"\\\\]*\"")) return ""
  s = substr(text, RSTART, RLENGTH)
  sub(/^"[^"]*"[ \t]*:[ \t]*"/, "", s)
  return substr(s, 1, length(s) - 1)
}
function add(name,   value) {
  value = field(name)
  if (value != "") line = line ",\"" name "\":\"" value "\""
}
{ text = text $0 }
END {
  if (field("hook_event_name") == "") exit 0
  line = "{\"time\":\"" time "\",\"source\":\"{source}\""
  add("hook_event_name"); add("session_id"); add("notification_type"); add("message")
  printf "%s}\n", line >> file
  close(file)
}`;

/**
 * The shell command a mail hook runs for `event`. PostToolUse fires after every tool call, so
 * the command first looks at the agent's unread folder (`$FLOTILLA_ROOT/.flotilla/mail/
 * $FLOTILLA_AGENT/new`, both set in every agent's environment) and starts the Node CLI only
 * when it holds something, or when `FLOTILLA_ROOT` is unset and it cannot tell.
 */
export function mailHookCommand(event: (typeof MAIL_HOOK_EVENTS)[number]): string {
  return (
    'd="${FLOTILLA_ROOT:-}/.flotilla/mail/${FLOTILLA_AGENT:-cockpit}/new"; ' +
    'if [ -z "${FLOTILLA_ROOT:-}" ] || [ -n "$(ls -A "$d" 2>/dev/null)" ]; ' +
    `then flotilla mail check --inject --hook-event ${event}; fi`
  );
}

interface HookCommand {
  type: "command";
  command: string;
  timeout: number;
}

interface HookMatcher {
  matcher?: string;
  hooks: HookCommand[];
}

/**
 * The settings document Flotilla hands Claude Code with `--settings`: hooks only.
 * `statusCommand` is what the status hooks run: the fast path
 * ({@link statusHookCommand}) in a launch, {@link STATUS_HOOK_COMMAND} by default.
 */
export function claudeSettings(statusCommand: string = STATUS_HOOK_COMMAND): {
  hooks: Record<string, HookMatcher[]>;
} {
  const hooks: Record<string, HookMatcher[]> = {};
  const add = (event: string, command: string): void => {
    const entry: HookMatcher = {
      ...(TOOL_EVENTS.has(event) ? { matcher: "*" } : {}),
      hooks: [{ type: "command", command, timeout: 10 }],
    };
    (hooks[event] ??= []).push(entry);
  };
  for (const event of STATUS_HOOK_EVENTS) add(event, statusCommand);
  for (const event of MAIL_HOOK_EVENTS) add(event, mailHookCommand(event));
  // The task scope guard: blocks writes outside the task's scope or worktree (core/guard.ts).
  (hooks.PreToolUse ??= []).push(guardHookEntry());
  return { hooks };
}

/** Where an agent's Claude Code settings live: `<.flotilla>/agents/<name>/claude-settings.json`. */
export function claudeSettingsPath(flotillaDir: string, name: string): string {
  return path.join(flotillaDir, "agents", name, "claude-settings.json");
}

/** Markers of Flotilla's own hook commands (this version's and the earlier mail-only ones). */
const OUR_COMMANDS = [
  "flotilla mail check --inject",
  STATUS_HOOK_COMMAND,
  STATUS_HOOK_SCRIPT,
  GUARD_COMMAND,
];

/**
 * Removes `<worktree>/.claude/settings.local.json` when earlier Flotilla versions wrote it
 * there and it holds nothing but Flotilla's hooks (then also `.claude/` when that is left
 * empty). A file with anything else in it (the user's settings or hooks) is left alone.
 * Returns whether it was removed.
 */
export function removeLegacyClaudeSettings(worktree: string): boolean {
  const file = path.join(worktree, ".claude", "settings.local.json");
  let settings: unknown;
  try {
    settings = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return false; // missing, unreadable or not JSON: not ours to judge
  }
  if (!isFlotillaOnly(settings)) return false;
  unlinkSync(file);
  try {
    rmdirSync(path.dirname(file)); // only when empty
  } catch {
    // other files in .claude/: keep them
  }
  return true;
}

function isFlotillaOnly(settings: unknown): boolean {
  if (!isObject(settings)) return false;
  const keys = Object.keys(settings);
  if (keys.length !== 1 || keys[0] !== "hooks" || !isObject(settings.hooks)) return false;
  let commands = 0;
  for (const entries of Object.values(settings.hooks)) {
    if (!Array.isArray(entries)) return false;
    for (const entry of entries) {
      if (!isObject(entry) || !Array.isArray(entry.hooks)) return false;
      for (const hook of entry.hooks) {
        const command = isObject(hook) ? String(hook.command ?? "") : "";
        if (!OUR_COMMANDS.some((marker) => command.includes(marker))) return false;
        commands += 1;
      }
    }
  }
  return commands > 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `it's` → `'it'\''s'`: one POSIX shell word, whatever the path holds. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
