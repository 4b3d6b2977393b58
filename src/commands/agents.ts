import type { Command } from "commander";

/** Registers `init`, `spawn`, `kill`, `ls`, `respawn`. */
export function registerAgentCommands(program: Command): void {
  program
    .command("init")
    .description("set up .flotilla/ in this git repository (config.json, git exclude)")
    .action(async () => {
      throw new Error("not implemented yet");
    });
}
