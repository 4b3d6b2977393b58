import { Command } from "commander";
import { sanitizeForTerminal } from "./core/sanitize.js";

/** Adds a group of commands (and their options and help) to the program. */
export type Register = (program: Command) => void;

/** A module that registers commands, and the top-level commands and aliases it adds. */
export interface CommandModule {
  names: readonly string[];
  /** The module, relative to this one (the build bundles each into one file of its own). */
  module: string;
  /** The name of its exported {@link Register}. */
  register: string;
  load: () => Promise<Register>;
}

/**
 * The modules that register Flotilla's commands, in the order `--help` lists them.
 * `flotilla <command>` loads and registers only the module of `<command>`: a short command
 * such as `flotilla ls` neither compiles nor builds the options of the other ten (~20 ms at
 * every start). test/program.test.ts checks that the names are complete, that `module` and
 * `register` name what `load` loads, and that each command reads the same as in the whole
 * program.
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    names: ["init", "spawn", "kill", "ls", "respawn"],
    module: "./commands/agents.js",
    register: "registerAgentCommands",
    load: async () => (await import("./commands/agents.js")).registerAgentCommands,
  },
  {
    names: ["up", "attach"],
    module: "./commands/up.js",
    register: "registerUpCommands",
    load: async () => (await import("./commands/up.js")).registerUpCommands,
  },
  {
    names: ["demo"],
    module: "./commands/demo.js",
    register: "registerDemoCommand",
    load: async () => (await import("./commands/demo.js")).registerDemoCommand,
  },
  {
    names: ["mail"],
    module: "./commands/mail.js",
    register: "registerMailCommands",
    load: async () => (await import("./commands/mail.js")).registerMailCommands,
  },
  {
    names: ["hub", "send"],
    module: "./commands/hub.js",
    register: "registerHubCommands",
    load: async () => (await import("./commands/hub.js")).registerHubCommands,
  },
  {
    names: ["hook"],
    module: "./commands/hook.js",
    register: "registerHookCommand",
    load: async () => (await import("./commands/hook.js")).registerHookCommand,
  },
  {
    names: ["costs"],
    module: "./commands/costs.js",
    register: "registerCostsCommand",
    load: async () => (await import("./commands/costs.js")).registerCostsCommand,
  },
  {
    names: ["memory"],
    module: "./commands/memory.js",
    register: "registerMemoryCommands",
    load: async () => (await import("./commands/memory.js")).registerMemoryCommands,
  },
  {
    names: ["merge"],
    module: "./commands/merge.js",
    register: "registerMergeCommands",
    load: async () => (await import("./commands/merge.js")).registerMergeCommands,
  },
  {
    names: ["trust", "allow"],
    module: "./commands/trust.js",
    register: "registerTrustCommand",
    load: async () => (await import("./commands/trust.js")).registerTrustCommand,
  },
  {
    names: ["task", "sling", "done", "guard"],
    module: "./commands/task.js",
    register: "registerTaskCommands",
    load: async () => (await import("./commands/task.js")).registerTaskCommands,
  },
];

/** The program without its commands: name, version, help style and the terminal sanitizer. */
export function createProgram(): Command {
  return new Command("flotilla")
    .description("A terminal cockpit for a team of AI coding agents, each in its own worktree.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      // Commander echoes arguments (unknown options, bad values): never raw to a terminal.
      writeOut: (text) => void process.stdout.write(sanitizeForTerminal(text)),
      writeErr: (text) => void process.stderr.write(sanitizeForTerminal(text)),
      outputError: (text, write) => write(sanitizeForTerminal(text)),
    });
}

/**
 * Entry point: argv → one command. When `argv` names a command (`flotilla ls …`), only the
 * module that registers it is loaded; `--version` needs none; anything else (`--help`,
 * `help`, a typo that earns a "did you mean", no command at all) gets every command.
 * Command modules load their heavy dependencies (ink, react, node-pty, xterm, zod) only
 * inside their actions.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = createProgram();
  const first = argv[2] ?? "";
  if (first === "-V" || first === "--version") return program; // prints the version, nothing else
  const named = COMMAND_MODULES.find((module) => module.names.includes(first));
  const registers = await Promise.all((named ? [named] : COMMAND_MODULES).map((m) => m.load()));
  for (const register of registers) register(program);
  return program;
}
