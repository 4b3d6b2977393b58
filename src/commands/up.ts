import type { Command } from "commander";
import { FlotillaError } from "../core/errors.js";

/** Registers `up` (open the cockpit). */
export function registerUpCommands(program: Command): void {
  program
    .command("up")
    .description("open the full-screen cockpit with every agent in its own pane")
    .addHelpText(
      "after",
      "\nKeys: prefix (default Ctrl-b) then ? shows every binding; everything else goes to the focused pane.",
    )
    .action(async () => {
      const { openProject } = await import("../store/project.js");
      await runCockpit(openProject());
    });
}

/**
 * Opens the cockpit on `project` in this terminal and resolves when the user quits.
 * @throws FlotillaError TERMINAL when stdin/stdout are not a terminal.
 */
export async function runCockpit(project: import("../store/project.js").Project): Promise<void> {
  const { stdin, stdout } = process;
  if (!stdin.isTTY || !stdout.isTTY) {
    throw new FlotillaError(
      "TERMINAL",
      "flotilla up needs a terminal: run it in an interactive shell",
    );
  }
  const config = await project.readConfig();
  const { parseKeyName } = await import("../core/key-names.js");
  const prefix = parseKeyName(config.keys.prefix);
  // Ink's colours come from chalk, which decides once at import: the cockpit always owns a
  // colour terminal, and the variable must not leak into the agents' environments.
  const hadForce = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = "3";
  const { Cockpit } = await import("../tui/cockpit.js");
  if (hadForce === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = hadForce;
  const { createHub } = await import("../hub/hub.js");
  const { linkLocalHub } = await import("../hub/local-link.js");
  const { TerminalSession } = await import("../tui/terminal-session.js");
  const { runtimeNames } = await import("../runtimes/profiles.js");
  const path = await import("node:path");

  const hub = await createHub(project);
  const { link, screens } = linkLocalHub(hub);
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const session = new TerminalSession(stdin, stdout, () => {
    cockpit.close();
    hub.dispose();
  });
  const cockpit = new Cockpit(
    {
      write: (data) => stdout.write(data),
      size: () => ({ cols: stdout.columns, rows: stdout.rows }),
    },
    link,
    screens,
    {
      prefix,
      title: `flotilla · ${path.basename(project.root)}`,
      runtimes: runtimeNames(config),
      onQuit: () => {
        project.log("cockpit.quit");
        void hub.shutdown().finally(() => {
          session.restore();
          finish();
        });
      },
    },
  );
  session.enter();
  stdin.on("data", (data: string) => cockpit.input(data));
  stdout.on("resize", () => cockpit.resize());
  project.log("cockpit.up");
  await cockpit.start();
  await done;
  process.exit(0);
}
