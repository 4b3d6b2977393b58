import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { assertNoSymlink } from "../store/safe-path.js";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";

/**
 * Claude Code hooks that deliver mail into an agent's context.
 *
 * Claude Code reads hooks from `.claude/settings.local.json` (local project settings, not
 * committed) in this shape (code.claude.com/docs/en/hooks):
 * ```json
 * { "hooks": { "<Event>": [ { "matcher": "<tool regex>", "hooks": [ { "type": "command", "command": "…" } ] } ] } }
 * ```
 * `UserPromptSubmit` takes no matcher; `PostToolUse` gets `"*"` (every tool). A command that
 * exits 0 and prints `{"hookSpecificOutput": {"hookEventName": E, "additionalContext": T}}`
 * has `T` added to the model's context, which `flotilla mail check --inject --hook-event E`
 * prints when there is unread mail (and nothing otherwise).
 */

/** Hook events mail is checked on: each prompt the agent gets, and after each tool it runs. */
export const MAIL_HOOK_EVENTS = ["UserPromptSubmit", "PostToolUse"] as const;

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

const MARKER = "flotilla mail check --inject";

interface HookCommand {
  type: string;
  command?: string;
  timeout?: number;
  [key: string]: unknown;
}

interface HookMatcher {
  matcher?: string;
  hooks?: HookCommand[];
  [key: string]: unknown;
}

/**
 * Writes or merges `<worktree>/.claude/settings.local.json` so Claude Code runs the mail
 * hooks. Everything already in the file is kept (other settings, other hooks); a flotilla
 * mail hook already present for an event is replaced rather than duplicated, so running it
 * twice changes nothing. The file is written atomically (temp file + rename).
 * Returns the settings file's path.
 * @throws FlotillaError INVALID_INPUT when the existing file is not a JSON object (it is left
 *   untouched).
 */
export async function installClaudeMailHook(worktree: string): Promise<string> {
  const file = path.join(worktree, ".claude", "settings.local.json");
  const settings = await readSettings(file);
  const hooks = isObject(settings.hooks) ? settings.hooks : {};
  for (const event of MAIL_HOOK_EVENTS) {
    const current = Array.isArray(hooks[event]) ? (hooks[event] as HookMatcher[]) : [];
    const kept = current
      .map((entry) =>
        isObject(entry) && Array.isArray(entry.hooks)
          ? {
              ...entry,
              hooks: entry.hooks.filter((hook) => !String(hook?.command ?? "").includes(MARKER)),
            }
          : entry,
      )
      .filter((entry) => !isObject(entry) || !Array.isArray(entry.hooks) || entry.hooks.length > 0);
    const ours: HookMatcher = {
      ...(event === "PostToolUse" ? { matcher: "*" } : {}),
      hooks: [{ type: "command", command: mailHookCommand(event), timeout: 10 }],
    };
    hooks[event] = [...kept, ours];
  }
  settings.hooks = hooks;
  await mkdir(path.dirname(file), { recursive: true });
  assertNoSymlink(file); // a repository may commit .claude/settings.local.json as a link
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(settings, null, 2) + "\n");
  await rename(tmp, file);
  return file;
}

async function readSettings(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return {};
    throw error;
  }
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `${file} is not valid JSON (${(error as Error).message}); fix it, then install the mail hooks again (the file was left untouched)`,
    );
  }
  if (!isObject(parsed))
    throw new FlotillaError(
      "INVALID_INPUT",
      `${file} is not a JSON object; fix it (the file was left untouched)`,
    );
  return parsed;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
