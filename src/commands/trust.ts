import type { Command } from "commander";
import { processIo, type CommandIo } from "./agents.js";

/**
 * `flotilla trust` (alias `allow`): lets the runtimes this project's `.flotilla/config.json`
 * defines run, for this content of the config only (see `src/store/trust.ts`).
 */
export function registerTrustCommand(program: Command, io: CommandIo = processIo): void {
  program
    .command("trust")
    .alias("allow")
    .description(
      "allow the runtimes this project's .flotilla/config.json defines to run (once per config content)",
    )
    .option("--revoke", "forget this project's trust")
    .option("--show", "only show what the config would run and whether it is trusted")
    .addHelpText(
      "after",
      [
        "",
        "A committed config.json can define a runtime (or redefine a built-in such as claude) as",
        "any command. Until you run this, spawn and up refuse such runtimes and show the command.",
        "Trust is recorded outside the repository, in $XDG_CONFIG_HOME/flotilla/trust.json",
        "(~/.config/flotilla/trust.json), keyed by the project's path and the config's runtimes;",
        "any change to them needs trusting again. Built-in runtimes never need it.",
      ].join("\n"),
    )
    .action(async (options: { revoke?: boolean; show?: boolean }) => {
      const [{ openProject }, trust] = await Promise.all([
        import("../store/project.js"),
        import("../store/trust.js"),
      ]);
      const project = openProject(io.cwd());
      if (options.revoke) {
        const revoked = await trust.revokeTrust(project.root);
        io.out(
          revoked
            ? `no longer trusting the runtimes of ${project.paths.config}\n`
            : `${project.root} was not trusted; nothing to revoke\n`,
        );
        return;
      }
      const config = await project.readConfig();
      const names = Object.keys(config.runtimes).sort();
      if (names.length === 0) {
        io.out(`${project.paths.config} defines no runtime: nothing needs trust\n`);
        return;
      }
      const lines = names.map(
        (name) => `  ${name.padEnd(12)} ${trust.describeCommand(config.runtimes[name]!)}`,
      );
      const trusted = trust.isConfigTrusted(project.root, config);
      if (options.show) {
        io.out(
          [
            `${project.paths.config} defines these runtimes (${trusted ? "trusted" : "not trusted"}):`,
            ...lines,
            "",
          ].join("\n"),
        );
        return;
      }
      await trust.trustConfig(project.root, config);
      io.out(
        [
          `trusted the runtimes of ${project.paths.config}:`,
          ...lines,
          `recorded in ${trust.trustFilePath()}; a change to them needs "flotilla trust" again`,
          "",
        ].join("\n"),
      );
    });
}
