#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { describeError, exitCodeFor, isFlotillaError } from "./core/errors.js";
import { sanitizeForTerminal, sanitizeLine } from "./core/sanitize.js";
import { registerAgentCommands } from "./commands/agents.js";
import { registerUpCommands } from "./commands/up.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerMailCommands } from "./commands/mail.js";
import { registerHubCommands } from "./commands/hub.js";
import { registerHookCommand } from "./commands/hook.js";
import { registerCostsCommand } from "./commands/costs.js";
import { registerMemoryCommands } from "./commands/memory.js";
import { registerMergeCommands } from "./commands/merge.js";
import { registerTrustCommand } from "./commands/trust.js";
import { registerTaskCommands } from "./commands/task.js";

/**
 * Entry point: argv → one command. Command modules register their options here but load
 * their heavy dependencies (ink, react, node-pty, xterm) only inside their actions, so a short
 * command such as `flotilla ls` starts fast.
 */
export function buildProgram(): Command {
  const program = new Command("flotilla")
    .description("A terminal cockpit for a team of AI coding agents, each in its own worktree.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      // Commander echoes arguments (unknown options, bad values): never raw to a terminal.
      writeOut: (text) => void process.stdout.write(sanitizeForTerminal(text)),
      writeErr: (text) => void process.stderr.write(sanitizeForTerminal(text)),
      outputError: (text, write) => write(sanitizeForTerminal(text)),
    });
  registerAgentCommands(program);
  registerUpCommands(program);
  registerDemoCommand(program);
  registerMailCommands(program);
  registerHubCommands(program);
  registerHookCommand(program);
  registerCostsCommand(program);
  registerMemoryCommands(program);
  registerMergeCommands(program);
  registerTrustCommand(program);
  registerTaskCommands(program);
  return program;
}

/** Runs the CLI; user mistakes print one line and exit 1, never a stack trace. */
export async function main(argv: string[] = process.argv): Promise<void> {
  endQuietlyOnClosedOutput();
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (outputClosed || isBrokenPipe(error)) return; // the reader went away (| head): not an error
    process.stderr.write(`flotilla: ${sanitizeLine(describeError(error))}\n`);
    if (!isFlotillaError(error) && process.env.FLOTILLA_DEBUG) console.error(error);
    process.exitCode = exitCodeFor(error);
  }
  if (outputClosed) process.exit(); // nothing more can be shown; do not wait for timers
}

let outputClosed = false;

/**
 * A closed stdout or stderr (`flotilla mail check | head -2`) ends the command quietly: the
 * write error is swallowed here instead of surfacing as an uncaught EPIPE stack trace, and
 * the command sees its write fail (so `mail check` marks nothing more read).
 */
function endQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (isBrokenPipe(error)) outputClosed = true;
    });
  }
}

function isBrokenPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "EPIPE" || code === "ERR_STREAM_DESTROYED";
}

await main();
