import { readStdinText } from "./stdin.js";
import type { Command } from "commander";

/**
 * `flotilla hook <source> [payload]`: what an agent CLI's hook runs to tell the hub its
 * status. `claude`: Claude Code's hook JSON on stdin; `codex`: Codex's notify JSON as the
 * last argument; `gemini`: Gemini CLI's hook JSON on stdin; `opencode`: one OpenCode bus
 * event `{type, properties}` on stdin (what its plugin API hands a plugin's `event` hook).
 * The launched agents use fast paths that write the same fields (the `sh` hook script, the
 * OpenCode plugin); this is the slow, general form, mapped by the same functions. The agent is `$FLOTILLA_AGENT`, the project `$FLOTILLA_ROOT` (both set in
 * every agent's environment). It always exits 0 and prints nothing on stdout: a failing or
 * chatty hook would block or confuse the CLI that runs it; problems go to stderr.
 */
export function registerHookCommand(program: Command): void {
  program
    .command("hook <source> [payload]")
    .description(
      "report an agent's status from its CLI's hooks (claude, gemini: hook JSON on stdin; codex: notify JSON argument; opencode: bus event JSON on stdin)",
    )
    .addHelpText(
      "after",
      "\nRun by the hooks Flotilla gives each agent; not meant to be typed. Appends one line to\n.flotilla/agent-events/$FLOTILLA_AGENT.jsonl, which the hub reads.",
    )
    .action(async (source: string, payload: string | undefined) => {
      try {
        await reportHook(source, payload, process.env, readStdin);
      } catch (error) {
        process.stderr.write(`flotilla hook: ${(error as Error).message}\n`);
      }
    });
}

/**
 * Turns one hook call into an agent event and appends it (see `runtimes/agent-events.ts`).
 * Returns whether something was recorded.
 */
export async function reportHook(
  source: string,
  payload: string | undefined,
  env: NodeJS.ProcessEnv,
  stdin: () => Promise<string>,
): Promise<boolean> {
  const root = env.FLOTILLA_ROOT;
  const agent = env.FLOTILLA_AGENT;
  if (!root || !agent) return false; // not run by a Flotilla agent
  const [
    { claudeHookEvent, codexNotifyEvent, geminiHookEvent, opencodeEvent, appendAgentEvent },
    { checkAgentName },
    path,
  ] = await Promise.all([
    import("../runtimes/agent-events.js"),
    import("../core/names.js"),
    import("node:path"),
  ]);
  if (checkAgentName(agent) !== undefined)
    throw new Error(`bad FLOTILLA_AGENT ${JSON.stringify(agent)}`);
  let event;
  if (source === "claude") event = claudeHookEvent(parseJson(await stdin()));
  else if (source === "codex") event = codexNotifyEvent(parseJson(payload ?? ""));
  else if (source === "gemini") event = geminiHookEvent(parseJson(await stdin()));
  else if (source === "opencode") event = opencodeEvent(parseJson(await stdin()));
  else {
    throw new Error(
      `unknown hook source ${JSON.stringify(source)}: use claude, codex, gemini or opencode`,
    );
  }
  if (!event) return false;
  appendAgentEvent(path.join(root, ".flotilla"), agent, event);
  return true;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readStdin(): Promise<string> {
  return process.stdin.isTTY ? "" : readStdinText();
}
