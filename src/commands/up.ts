import type { Command } from "commander";

/** Registers `up` (open the cockpit). */
export function registerUpCommands(program: Command): void {
  program
    .command("up")
    .description("open the full-screen cockpit with every agent in its own pane")
    .action(async () => {
      throw new Error("not implemented yet");
    });
}
