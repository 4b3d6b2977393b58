import type { Command } from "commander";

/** Registers `demo`. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("open the cockpit on a throwaway repository with three scripted demo agents")
    .action(async () => {
      throw new Error("not implemented yet");
    });
}
