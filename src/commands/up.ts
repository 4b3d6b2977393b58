import type { Command } from "commander";
import type { Project } from "../store/project.js";

/** Registers `up` and `attach`. */
export function registerUpCommands(program: Command): void {
  program
    .command("up")
    .description(
      "open the cockpit: starts this project's hub (which runs the agents) if needed and attaches",
    )
    .option(
      "--in-process",
      "run the hub inside this cockpit process instead of a daemon (agents stop when it quits)",
    )
    .option(
      "--resume",
      "resume the conversations of agents lost with an earlier hub, without asking",
    )
    .option("--no-resume", "leave agents lost with an earlier hub lost, without asking")
    .addHelpText(
      "after",
      "\nAfter a reboot or a killed hub, up asks once whether to resume the lost agents' conversations.\nKeys: prefix (default Ctrl-b) then ? shows every binding; everything else goes to the focused pane.\nPrefix d detaches; the agents keep running and `flotilla attach` (or `flotilla attach --dir <repo>`) brings you back.",
    )
    .action(async (options: { inProcess?: boolean; resume?: boolean }) => {
      const [{ openProject }, { offerResume, askOnTerminal }] = await Promise.all([
        import("../store/project.js"),
        import("./up-resume.js"),
      ]);
      const project = openProject();
      await assertAgentsTrusted(project);
      const choice = options.resume === undefined ? "ask" : options.resume ? "resume" : "keep";
      // Once the hub this `up` started has marked the earlier hub's agents lost.
      const afterStart = async (): Promise<void> => {
        await offerResume(project, choice, {
          ask: askOnTerminal,
          say: (line) => process.stderr.write(line + "\n"),
        });
      };
      if (options.inProcess) await runCockpit(project, { afterStart });
      else await attachCockpit(project, { start: true, afterStart });
    });

  program
    .command("attach")
    .description("attach to this project's running hub: every pane as it was")
    .option("--dir <path>", "the project to attach to (default: the one around this directory)")
    .action(async (options: { dir?: string }) => {
      const { openProject } = await import("../store/project.js");
      const path = await import("node:path");
      await attachCockpit(openProject(options.dir ? path.resolve(options.dir) : undefined), {
        start: false,
      });
    });
}

/**
 * Refuses to start agents whose runtime this project's config defines while that config is
 * not trusted (see `flotilla trust`); built-in runtimes need nothing.
 * @throws FlotillaError UNTRUSTED_CONFIG showing the command and how to allow it.
 */
async function assertAgentsTrusted(project: Project): Promise<void> {
  const { assertRuntimeTrusted } = await import("../store/trust.js");
  const config = await project.readConfig();
  for (const agent of (await project.readState()).agents) {
    if (agent.status === "exited" || agent.status === "lost") continue;
    assertRuntimeTrusted(project.root, config, agent.runtime);
  }
}

/**
 * Loads the terminal side of `up` and `attach` (the hub's start and the thin client; no Ink
 * or React): in the build, a chunk of the CLI's bundle.
 */
function loadCockpit(): Promise<typeof import("../tui/run-cockpit.js")> {
  return import("../tui/run-cockpit.js");
}

/**
 * Attaches a cockpit in this terminal to `project`'s hub daemon, starting the hub first when
 * `start` is set (see `run-cockpit.ts`). Never resolves: the process exits on detach or quit.
 */
export async function attachCockpit(
  project: Project,
  options: { start: boolean; afterStart?: () => Promise<void> },
): Promise<void> {
  const env = { ...process.env };
  await (await loadCockpit()).attachCockpit(project, { ...options, env });
}

/** Opens the cockpit with the hub inside this process (`up --in-process`). */
export async function runCockpit(
  project: Project,
  options: { afterStart?: () => Promise<void> } = {},
): Promise<void> {
  await (await loadCockpit()).runCockpit(project, options);
}
