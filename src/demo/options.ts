import { FlotillaError } from "../core/errors.js";
import { loadDemoScript, type DemoScript } from "./script.js";
import { pickBuiltinScript } from "./scripts/index.js";

/** Command line of `node dist/demo/agent.js [--script file.json] [task prompt…]`. */
export interface AgentOptions {
  /** Path of a JSON demo script; wins over `$FLOTILLA_DEMO_SCRIPT` and the prompt. */
  scriptFile?: string;
  /** The task prompt: the remaining arguments joined by spaces ("" when none). */
  prompt: string;
  help: boolean;
}

/** Usage text printed by `--help`. */
export const AGENT_USAGE = `usage: agent.js [--script file.json] [task prompt…]

Flotilla's scripted demo agent. Without --script it plays the built-in script named by
$FLOTILLA_DEMO_SCRIPT (a name or a path to a .json file), else the one matching the prompt.
$FLOTILLA_DEMO_SPEED=10 runs ten times faster; $FLOTILLA_AGENT names it in commit trailers.`;

/**
 * Parses the agent's arguments (without `node` and the script path).
 * @throws FlotillaError `INVALID_INPUT` for `--script` without a file or an unknown `--flag`.
 */
export function parseAgentArgs(argv: readonly string[]): AgentOptions {
  const options: AgentOptions = { prompt: "", help: false };
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      words.push(...argv.slice(i + 1));
      break;
    } else if (arg === "--help" || arg === "-h") {
      options.help = true;
    } else if (arg === "--script" || arg.startsWith("--script=")) {
      const file = arg === "--script" ? argv[++i] : arg.slice("--script=".length);
      if (!file)
        throw new FlotillaError("INVALID_INPUT", "--script needs a file: --script my-script.json");
      options.scriptFile = file;
    } else if (arg.startsWith("--") && words.length === 0) {
      throw new FlotillaError("INVALID_INPUT", `unknown option ${arg} (run with --help for usage)`);
    } else {
      words.push(arg);
    }
  }
  options.prompt = words.join(" ");
  return options;
}

/**
 * `$FLOTILLA_DEMO_SPEED` as a time divisor: unset or empty → 1; "10" → ten times faster.
 * @throws FlotillaError `INVALID_INPUT` unless it is a positive number.
 */
export function parseSpeed(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 1;
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `FLOTILLA_DEMO_SPEED must be a positive number such as 10, not "${value}"`,
    );
  }
  return speed;
}

/**
 * The script to play and its display name: `--script` file, else `$FLOTILLA_DEMO_SCRIPT`
 * (a `.json` path or a built-in name), else the built-in matching the prompt.
 * @throws FlotillaError `INVALID_INPUT` for a missing or invalid script file or unknown name.
 */
export async function resolveAgentScript(
  options: AgentOptions,
  env: NodeJS.ProcessEnv,
): Promise<{ script: DemoScript; name: string }> {
  const named = env.FLOTILLA_DEMO_SCRIPT?.trim();
  const file = options.scriptFile ?? (named && /\.json$|[/\\]/.test(named) ? named : undefined);
  if (file !== undefined) {
    const script = await loadDemoScript(file);
    return { script, name: script.name ?? file };
  }
  const builtin = pickBuiltinScript(options.prompt, named);
  return { script: builtin.script, name: builtin.script.name ?? builtin.id };
}
