#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { describeError, isFlotillaError } from "./core/errors.js";
import { registerAgentCommands } from "./commands/agents.js";
import { registerUpCommands } from "./commands/up.js";
import { registerDemoCommand } from "./commands/demo.js";
import { registerMailCommands } from "./commands/mail.js";
import { registerHubCommands } from "./commands/hub.js";
import { registerHookCommand } from "./commands/hook.js";
import { registerCostsCommand } from "./commands/costs.js";
import { registerMemoryCommands } from "./commands/memory.js";
import { registerMergeCommands } from "./commands/merge.js";
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
    .configureOutput({ outputError: (text, write) => write(text) });
  registerAgentCommands(program);
  registerUpCommands(program);
  registerDemoCommand(program);
  registerMailCommands(program);
  registerHubCommands(program);
  registerHookCommand(program);
  registerCostsCommand(program);
  registerMemoryCommands(program);
  registerMergeCommands(program);
  registerTaskCommands(program);
  return program;
}

/** Runs the CLI; user mistakes print one line and exit 1, never a stack trace. */
export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`flotilla: ${describeError(error)}\n`);
    if (!isFlotillaError(error) && process.env.FLOTILLA_DEBUG) console.error(error);
    process.exitCode = isFlotillaError(error) ? 1 : 70;
  }
}

await main();
